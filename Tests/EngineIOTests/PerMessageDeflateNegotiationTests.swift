import XCTest

@testable import EngineIO

/// permessage-deflate negotiation (RFC 7692 §7.1) as the reference's `ws` server decides it: pure
/// function, header lines in, outcome out.
final class PerMessageDeflateNegotiationTests: XCTestCase {
    typealias Negotiation = EnginePerMessageDeflateNegotiation
    typealias Agreement = EnginePerMessageDeflateAgreement

    private static func agreement(
        serverNoContext: Bool = false,
        clientNoContext: Bool = false,
        serverBits: Int? = nil,
        clientBits: Int? = nil
    ) -> Negotiation.Outcome {
        .accepted(Agreement(serverNoContextTakeover: serverNoContext, clientNoContextTakeover: clientNoContext, serverMaxWindowBits: serverBits, clientMaxWindowBits: clientBits))
    }

    func testOffersWithDefaultOptions() {
        let cases: [(lines: [String], expected: Negotiation.Outcome, response: String?)] = [
            ([], .notOffered, nil),
            (["x-webkit-deflate-frame"], .notOffered, nil),
            (["permessage-deflate"], Self.agreement(), "permessage-deflate"),
            // A bare client_max_window_bits only says the client could take a value: none is sent.
            (["permessage-deflate; client_max_window_bits"], Self.agreement(), "permessage-deflate"),
            (["permessage-deflate; client_max_window_bits=10"], Self.agreement(clientBits: 10), "permessage-deflate; client_max_window_bits=10"),
            (["permessage-deflate; client_max_window_bits=\"12\""], Self.agreement(clientBits: 12), nil),
            (["permessage-deflate; server_max_window_bits=11"], Self.agreement(serverBits: 11), "permessage-deflate; server_max_window_bits=11"),
            (
                ["permessage-deflate;server_no_context_takeover ;  client_no_context_takeover"],
                Self.agreement(serverNoContext: true, clientNoContext: true),
                "permessage-deflate; server_no_context_takeover; client_no_context_takeover"
            ),
            // The first offer is taken; unknown extensions are skipped; lines are joined.
            (["foo; bar=1, permessage-deflate; server_max_window_bits=10", "permessage-deflate"], Self.agreement(serverBits: 10), nil),
            (["permessage-deflate; client_max_window_bits=09"], Self.agreement(clientBits: 9), nil),
        ]
        for (lines, expected, response) in cases {
            let outcome = Negotiation.negotiate(headerLines: lines, options: EnginePerMessageDeflate())
            XCTAssertEqual(outcome, expected, "\(lines)")
            if let response, case .accepted(let agreement) = outcome {
                XCTAssertEqual(agreement.responseHeaderValue, response, "\(lines)")
            }
        }
    }

    /// Any invalid offer fails the whole upgrade (400), as with `ws`, even when another offer is fine.
    func testInvalidHeadersAndParametersAreRefused() {
        let refused: [String] = [
            "",
            " ",
            "permessage-deflate,",
            ",permessage-deflate",
            "permessage-deflate;",
            "permessage-deflate; =1",
            "permessage-deflate; server_max_window_bits=",
            "permessage-deflate; server_max_window_bits=\"1 0\"",
            "permessage-deflate; server_max_window_bits=\"10",
            "permessage-deflate @",
            "permessage-deflate; unknown_parameter",
            "permessage-deflate; client_max_window_bits=7",
            "permessage-deflate; client_max_window_bits=16",
            "permessage-deflate; client_max_window_bits=abc",
            "permessage-deflate; client_max_window_bits=-9",
            "permessage-deflate; client_max_window_bits=99999999999999999999999",
            "permessage-deflate; server_max_window_bits",
            "permessage-deflate; server_max_window_bits=8; server_max_window_bits=9",
            "permessage-deflate; client_max_window_bits; client_max_window_bits",
            "permessage-deflate; server_no_context_takeover=1",
            "permessage-deflate; client_no_context_takeover=true",
            "permessage-deflate, permessage-deflate; bogus",
            "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
        ]
        for header in refused {
            XCTAssertEqual(Negotiation.negotiate(headerLines: [header], options: EnginePerMessageDeflate()), .refused, header)
        }
        // Parameters of other extensions are not checked, but the header's grammar is.
        XCTAssertEqual(Negotiation.negotiate(headerLines: ["foo; whatever=\"x\""], options: EnginePerMessageDeflate()), .notOffered)
        XCTAssertEqual(Negotiation.negotiate(headerLines: ["foo; whatever=\"x y\""], options: EnginePerMessageDeflate()), .refused)
    }

    func testServerOptionsChooseAmongOffers() {
        // A server window of 12 cannot serve an offer that allows at most 10: the next one wins.
        let serverBits = EnginePerMessageDeflate(serverMaxWindowBits: 12)
        XCTAssertEqual(
            Negotiation.negotiate(headerLines: ["permessage-deflate; server_max_window_bits=10, permessage-deflate"], options: serverBits),
            Self.agreement(serverBits: 12)
        )
        XCTAssertEqual(Negotiation.negotiate(headerLines: ["permessage-deflate; server_max_window_bits=10"], options: serverBits), .refused)
        XCTAssertEqual(Negotiation.negotiate(headerLines: ["permessage-deflate; server_max_window_bits=13"], options: serverBits), Self.agreement(serverBits: 12))

        // A client window is only set for clients that offer client_max_window_bits, never above their value.
        let clientBits = EnginePerMessageDeflate(clientMaxWindowBits: 10)
        XCTAssertEqual(Negotiation.negotiate(headerLines: ["permessage-deflate"], options: clientBits), .refused)
        XCTAssertEqual(Negotiation.negotiate(headerLines: ["permessage-deflate; client_max_window_bits"], options: clientBits), Self.agreement(clientBits: 10))
        XCTAssertEqual(Negotiation.negotiate(headerLines: ["permessage-deflate; client_max_window_bits=9"], options: clientBits), Self.agreement(clientBits: 9))

        let noContext = EnginePerMessageDeflate(serverNoContextTakeover: true, clientNoContextTakeover: true)
        XCTAssertEqual(
            Negotiation.negotiate(headerLines: ["permessage-deflate"], options: noContext),
            Self.agreement(serverNoContext: true, clientNoContext: true)
        )
    }

    func testWindowBitsOptionsAreClamped() {
        XCTAssertEqual(EnginePerMessageDeflate(serverMaxWindowBits: 8).serverMaxWindowBits, 9)
        XCTAssertEqual(EnginePerMessageDeflate(serverMaxWindowBits: 99).serverMaxWindowBits, 15)
        XCTAssertEqual(EnginePerMessageDeflate(clientMaxWindowBits: 1).clientMaxWindowBits, 8)
        XCTAssertEqual(EnginePerMessageDeflate(threshold: -5).threshold, 0)
    }

    /// zlib's raw deflate has no 256-byte window: an agreed server window of 8 means no compression.
    func testServerWindowOfEightSendsUncompressed() {
        let eight = Agreement(serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 8, clientMaxWindowBits: nil)
        XCTAssertNil(eight.makeDeflater())
        XCTAssertNotNil(eight.makeInflater())
        let nine = Agreement(serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 9, clientMaxWindowBits: nil)
        XCTAssertNotNil(nine.makeDeflater())
    }
}
