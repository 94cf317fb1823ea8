import NIOCore
import OrderedCollections

/// An untyped Socket.IO argument: the JSON data model plus binary blobs.
///
/// This is what travels in packet payloads (event arguments, acknowledgement arguments, `auth` objects,
/// connect errors). Numbers keep the distinction the JSON text made: a literal without fraction or exponent
/// that fits in `Int` is `.int`, every other number is `.double`. Equality is structural and strict, so
/// `.int(1) != .double(1)` and two objects with the same members in a different order are different values
/// (their JSON text differs too).
///
/// `.binary` values cannot appear in JSON text; the packet encoder replaces them with
/// `{"_placeholder":true,"num":i}` and sends the bytes as separate attachments, and the packet decoder puts
/// them back.
public enum SocketIOValue: Sendable, Hashable {
    /// JSON `null`.
    case null
    /// JSON `true` / `false`.
    case bool(Bool)
    /// A JSON number written without fraction or exponent that fits in `Int`.
    case int(Int)
    /// Any other JSON number. Non-finite values serialize as `null`, as in JavaScript.
    case double(Double)
    /// A JSON string.
    case string(String)
    /// A JSON array.
    case array([SocketIOValue])
    /// A JSON object; members keep their insertion order.
    case object(OrderedDictionary<String, SocketIOValue>)
    /// A binary blob (a Node.js `Buffer` / browser `ArrayBuffer` on the other side).
    case binary(ByteBuffer)
}
