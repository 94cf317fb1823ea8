import NIOCore
import OrderedCollections

/// Encodes `Encodable` Swift values into ``SocketIOValue`` for the typed emit API.
///
/// Keyed containers become objects (in encoding order), unkeyed containers arrays. `ByteBuffer` and
/// Foundation `Data` become `.binary` (sent as attachments), and a ``SocketIOValue`` is taken as it is.
/// Integers must fit in `Int` (a `UInt64` above `Int.max` is an `EncodingError`); `Float` converts through
/// its shortest decimal form, so `Float(0.1)` arrives as `0.1`. `[UInt8]` stays an array of numbers.
public struct SocketIOValueEncoder: Sendable {
    /// Contextual information handed to `encode(to:)` implementations.
    public var userInfo: [CodingUserInfoKey: any Sendable]

    /// Creates an encoder.
    public init(userInfo: [CodingUserInfoKey: any Sendable] = [:]) {
        self.userInfo = userInfo
    }

    /// Encodes `value`; throws `EncodingError.invalidValue` when it encodes nothing or an integer does not
    /// fit in `Int`.
    public func encode<T: Encodable>(_ value: T) throws -> SocketIOValue {
        let encoder = SocketIOValueEncoderImpl(codingPath: [], userInfo: self.userInfo)
        guard let node = try encoder.node(for: value, at: []) else {
            throw EncodingError.invalidValue(
                value, EncodingError.Context(codingPath: [], debugDescription: "Top-level \(T.self) did not encode any values.")
            )
        }
        return node.resolved()
    }
}

/// A value under construction: containers are reference boxes so nested containers can keep filling
/// them after they were handed out.
enum EncodingNode {
    /// A finished value.
    case value(SocketIOValue)
    /// An array still being filled.
    case array(EncodingArrayBox)
    /// An object still being filled.
    case object(EncodingObjectBox)
    /// A super encoder whose result is read at the end.
    case encoder(SocketIOValueEncoderImpl)

    /// The finished value.
    func resolved() -> SocketIOValue {
        switch self {
        case .value(let value):
            return value
        case .array(let box):
            return .array(box.elements.map { $0.resolved() })
        case .object(let box):
            return .object(box.members.mapValues { $0.resolved() })
        case .encoder(let encoder):
            return encoder.storage?.resolved() ?? .object([:])
        }
    }
}

/// The elements of an array under construction.
final class EncodingArrayBox {
    var elements: [EncodingNode] = []
}

/// The members of an object under construction.
final class EncodingObjectBox {
    var members: OrderedDictionary<String, EncodingNode> = [:]
}

/// The `Encoder` handed to `encode(to:)`.
final class SocketIOValueEncoderImpl: Encoder {
    let codingPath: [any CodingKey]
    let sendableUserInfo: [CodingUserInfoKey: any Sendable]
    /// What was encoded at this level, if anything.
    var storage: EncodingNode?

    var userInfo: [CodingUserInfoKey: Any] { self.sendableUserInfo }

    init(codingPath: [any CodingKey], userInfo: [CodingUserInfoKey: any Sendable]) {
        self.codingPath = codingPath
        self.sendableUserInfo = userInfo
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let box: EncodingObjectBox
        switch self.storage {
        case .object(let existing):
            box = existing
        case .none:
            box = EncodingObjectBox()
            self.storage = .object(box)
        default:
            preconditionFailure("A keyed container was requested after something else was encoded at \(self.codingPath).")
        }
        return KeyedEncodingContainer(SocketIOKeyedEncodingContainer<Key>(encoder: self, box: box, codingPath: self.codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let box: EncodingArrayBox
        switch self.storage {
        case .array(let existing):
            box = existing
        case .none:
            box = EncodingArrayBox()
            self.storage = .array(box)
        default:
            preconditionFailure("An unkeyed container was requested after something else was encoded at \(self.codingPath).")
        }
        return SocketIOUnkeyedEncodingContainer(encoder: self, box: box, codingPath: self.codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SocketIOSingleValueEncodingContainer(encoder: self)
    }
}
