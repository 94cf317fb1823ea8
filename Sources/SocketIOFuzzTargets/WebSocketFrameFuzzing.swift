import EngineIO
import NIOCore

/// The WebSocket frame parser fed what a client could send. The same bytes go through one parser in a
/// single read and through another in reads cut at input-chosen places: both must report the same
/// events, so no split of a header or payload changes what a frame means.
enum WebSocketFrameFuzzing {
    static func run(_ input: UnsafeRawBufferPointer) {
        guard let seed = input.first else { return }
        let data = UnsafeRawBufferPointer(rebasing: input.dropFirst())
        // A small limit now and then, so the too-big paths are reached by short inputs too.
        let maxMessageSize = seed & 0x80 == 0 ? 1 << 20 : Int(seed & 0x3F) + 1
        // Bit 6: permessage-deflate negotiated (RSV1 allowed on the first frame of a message).
        let deflate = seed & 0x40 != 0

        var whole = EngineWebSocketFrameParser(maxMessageSize: maxMessageSize, perMessageDeflate: deflate)
        var buffer = ByteBuffer(bytes: data)
        let wholeEvents = Self.drain(&whole, &buffer)

        var split = EngineWebSocketFrameParser(maxMessageSize: maxMessageSize, perMessageDeflate: deflate)
        var splitter = FuzzSplitter(seed: seed)
        var splitEvents: [EngineWebSocketFrameParser.Event] = []
        for chunk in splitter.chunks(of: data) {
            var piece = ByteBuffer(bytes: chunk)
            splitEvents += Self.drain(&split, &piece)
        }
        guard wholeEvents == splitEvents else {
            fuzzFinding("split reads changed the frames: \(wholeEvents.count) events whole, \(splitEvents.count) split")
        }
    }

    private static func drain(_ parser: inout EngineWebSocketFrameParser, _ buffer: inout ByteBuffer) -> [EngineWebSocketFrameParser.Event] {
        var events: [EngineWebSocketFrameParser.Event] = []
        while let event = parser.next(from: &buffer) {
            events.append(event)
        }
        guard buffer.readableBytes == 0 else { fuzzFinding("the parser left \(buffer.readableBytes) bytes unread") }
        return events
    }
}
