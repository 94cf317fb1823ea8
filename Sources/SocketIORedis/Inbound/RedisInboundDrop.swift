/// Why a message that arrived on a Redis channel was dropped instead of acted on.
///
/// Everything on the adapter's channels is untrusted: another node, an emitter in any language or a
/// person with `redis-cli` may have written it. A message that does not have the exact shape of the
/// protocol is dropped whole, counted under its reason (`socketio_redis_messages_dropped_total{reason}`)
/// and logged at debug level; it is never narrowed or widened into something else (a malformed room
/// filter never becomes "every socket").
public enum RedisInboundDropReason: String, CaseIterable, Sendable, Hashable {
    /// Neither JSON nor MessagePack, or nested deeper than the decoders accept.
    case undecodable = "undecodable"
    /// The outer shape is wrong: a broadcast that is not `[uid, packet, opts]`, an envelope or request
    /// that is not an object, or one without its sender id or type.
    case malformedEnvelope = "malformed_envelope"
    /// A request or envelope type the protocol does not define.
    case unknownType = "unknown_type"
    /// A broadcast packet that is not an event with a valid payload and ack id.
    case invalidPacket = "invalid_packet"
    /// A packet or envelope naming another namespace than the channel's.
    case namespaceMismatch = "namespace_mismatch"
    /// Rooms, except or flags of the wrong shape, or missing where the operation needs them.
    case invalidOptions = "invalid_options"
    /// A request whose fields are missing or of the wrong type.
    case invalidRequest = "invalid_request"
    /// A response whose fields are missing or of the wrong type.
    case invalidResponse = "invalid_response"
}

/// A message refused by the inbound checks, with the reason it is counted under and a short detail
/// for the debug log (never the payload itself).
package struct RedisInboundDrop: Error, Sendable {
    package let reason: RedisInboundDropReason
    package let detail: String

    init(_ reason: RedisInboundDropReason, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }
}
