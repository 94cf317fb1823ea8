import Foundation
import SocketIOProtocol

/// The Codable bridge: a JSON value (as a client's event argument or auth payload would be) decoded
/// into typed Swift values of every primitive width, and what decodes encoded back.
enum CodableFuzzing {
    enum Mood: String, Codable { case calm, busy }

    struct Message: Codable {
        var text: String
        var room: String?
        var count: Int
        var ratio: Double?
        var ratio32: Float?
        var flags: [Bool]?
        var small: Int8?
        var medium: Int32?
        var unsigned: UInt64?
        var byte: UInt8?
        var tags: [String: [Int]]?
        var mood: Mood?
        var payload: Data?
        var nested: [Message]?
        var free: SocketIOValue?
    }

    private static let parser = JSONParser()

    static func run(_ input: UnsafeRawBufferPointer) {
        guard let value = try? Self.parser.parse(input) else { return }
        let decoder = SocketIOValueDecoder()
        let encoder = SocketIOValueEncoder()
        Self.roundTrip(Message.self, value, decoder, encoder)
        Self.roundTrip([Message].self, value, decoder, encoder)
        Self.roundTrip(Int.self, value, decoder, encoder)
        Self.roundTrip(UInt.self, value, decoder, encoder)
        Self.roundTrip(Int16.self, value, decoder, encoder)
        Self.roundTrip(Float.self, value, decoder, encoder)
        Self.roundTrip([String: Double].self, value, decoder, encoder)
        Self.roundTrip([UInt32?].self, value, decoder, encoder)
        Self.roundTrip(Date.self, value, decoder, encoder)
        Self.roundTrip(URL.self, value, decoder, encoder)
        Self.roundTrip(Decimal.self, value, decoder, encoder)
    }

    private static func roundTrip<T: Codable>(_ type: T.Type, _ value: SocketIOValue, _ decoder: SocketIOValueDecoder, _ encoder: SocketIOValueEncoder) {
        guard let typed = try? decoder.decode(type, from: value) else { return }
        _ = try? encoder.encode(typed)
    }
}
