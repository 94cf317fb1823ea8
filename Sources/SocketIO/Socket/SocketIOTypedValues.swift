import SocketIOProtocol

/// A typed listener's payload did not decode into the type it asked for. Reaches the socket's
/// ``SocketIOSocket/onError(_:)`` listeners; the listener does not run.
public struct SocketIODecodingError: Error, Sendable, CustomStringConvertible {
    /// The event whose payload did not decode.
    public let event: String
    /// The type the listener asked for.
    public let type: String
    /// What the decoder reported (the coding path and what it found).
    public let reason: String

    /// `event "chat": ChatMessage: …`.
    public var description: String { "event \"\(self.event)\": \(self.type): \(self.reason)" }
}

/// A typed emit's value did not encode (an integer out of range, a value that encodes nothing).
/// Reaches the socket's ``SocketIOSocket/onError(_:)`` listeners for a socket's emit; nothing is sent.
public struct SocketIOEncodingError: Error, Sendable, CustomStringConvertible {
    /// The event that was not sent.
    public let event: String
    /// What the encoder reported.
    public let reason: String

    /// `event "chat": …`.
    public var description: String { "event \"\(self.event)\": \(self.reason)" }
}

/// The conversions of the typed API: `Encodable` values into ``SocketIOValue`` arguments and
/// ``SocketIOValue`` payloads into `Decodable` values, with the common scalars taken directly.
enum SocketIOTypedValues {
    static let encoder = SocketIOValueEncoder()
    static let decoder = SocketIOValueDecoder()

    /// The arguments `values` encode to, or the first encoding error.
    static func arguments<each Value: Encodable>(_ values: repeat each Value) -> Result<[SocketIOValue], any Error> {
        var arguments: [SocketIOValue] = []
        for value in repeat each values {
            do {
                arguments.append(try self.argument(value))
            } catch {
                return .failure(error)
            }
        }
        return .success(arguments)
    }

    /// One value as an argument; scalars and ``SocketIOValue`` without the encoder.
    static func argument<Value: Encodable>(_ value: Value) throws -> SocketIOValue {
        switch value {
        case let value as SocketIOValue: return value
        case let value as String: return .string(value)
        case let value as Bool: return .bool(value)
        case let value as Int: return .int(value)
        case let value as Double: return .double(value)
        default: return try self.encoder.encode(value)
        }
    }

    /// `value` decoded as `T`, or a ``SocketIODecodingError`` naming `event`.
    static func decode<T: Decodable>(_ type: T.Type, from value: SocketIOValue, event: String) -> Result<T, SocketIODecodingError> {
        if T.self == SocketIOValue.self, let value = value as? T { return .success(value) }
        do {
            return .success(try self.decoder.decode(T.self, from: value))
        } catch {
            return .failure(SocketIODecodingError(event: event, type: "\(T.self)", reason: "\(error)"))
        }
    }
}
