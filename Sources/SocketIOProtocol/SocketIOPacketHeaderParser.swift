/// Parses the text form `<type>[<attachments>-][<nsp>,][<ackId>][<JSON>]` of one packet, with the rules of
/// the reference decoder (socket.io-parser 4.2.x `decodeString`), made strict where the reference leans on
/// JavaScript's loose number conversion:
///
/// - the first byte must be a type digit `0`…`6` (an empty message is an error, not CONNECT);
/// - a binary type needs one or more ASCII digits and then `-` (the reference reads an empty count as 0);
/// - a `/` right after that starts the namespace, which runs up to the first `,` (consumed) or the end;
/// - ASCII digits next are the ack id (too large for `Int` is an error);
/// - anything left is the JSON payload, checked against the type. A packet without payload is accepted
///   for every type, as in the reference.
enum SocketIOPacketHeaderParser {
    /// A parsed text message: the packet (still of the binary type, placeholders untouched) and the
    /// announced attachment count.
    struct Parsed {
        var packet: SocketIOPacket
        var attachmentCount: Int
    }

    /// Parses one text message.
    static func parse(
        _ bytes: UnsafeRawBufferPointer, configuration: SocketIOPacketDecoder.Configuration
    ) throws(SocketIOProtocolError) -> Parsed {
        guard let first = bytes.first else { throw .emptyPacket }
        guard let type = SocketIOPacketType(rawValue: first &- UInt8(ascii: "0")) else {
            throw .unknownPacketType(first)
        }
        var index = 1

        var attachmentCount = 0
        if type.isBinary {
            let start = index
            while index < bytes.count, bytes[index] != UInt8(ascii: "-") {
                guard let count = Self.appendDigit(bytes[index], to: attachmentCount) else {
                    throw .invalidAttachmentCount
                }
                attachmentCount = count
                index += 1
            }
            // A binary packet carries at least one attachment (the reference refuses `50-`).
            guard index < bytes.count, index > start, attachmentCount >= 1 else { throw .invalidAttachmentCount }
            index += 1
            guard attachmentCount <= configuration.maxAttachments else {
                throw .tooManyAttachments(count: attachmentCount, limit: configuration.maxAttachments)
            }
        }

        var namespace = "/"
        if index < bytes.count, bytes[index] == UInt8(ascii: "/") {
            let start = index
            while index < bytes.count, bytes[index] != UInt8(ascii: ",") { index += 1 }
            namespace = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            if index < bytes.count { index += 1 }
        }

        var ackID: Int?
        if index < bytes.count, JSONReader.isDigit(bytes[index]) {
            var id = 0
            while index < bytes.count, JSONReader.isDigit(bytes[index]) {
                guard let next = Self.appendDigit(bytes[index], to: id) else { throw .invalidAckID }
                id = next
                index += 1
            }
            ackID = id
        }

        var payload: SocketIOValue?
        if index < bytes.count {
            var reader = JSONReader(
                bytes: UnsafeRawBufferPointer(rebasing: bytes[index...]),
                maxDepth: configuration.maxJSONDepth
            )
            let value = try reader.readDocument()
            try SocketIOPacket.validatePayload(value, for: type, rules: configuration.validation)
            payload = value
        }

        return Parsed(
            packet: SocketIOPacket(type: type, namespace: namespace, ackID: ackID, payload: payload),
            attachmentCount: attachmentCount
        )
    }

    /// `value * 10 + digit`, or `nil` when `byte` is not a digit or the result overflows.
    private static func appendDigit(_ byte: UInt8, to value: Int) -> Int? {
        guard JSONReader.isDigit(byte) else { return nil }
        let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
        let (sum, overflow2) = times10.addingReportingOverflow(Int(byte &- UInt8(ascii: "0")))
        return overflow1 || overflow2 ? nil : sum
    }
}
