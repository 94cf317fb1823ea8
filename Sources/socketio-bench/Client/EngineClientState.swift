import SocketIOProtocol

/// The client side of an Engine.IO v4 session carrying a Socket.IO v5 connection to `/`, as a state
/// machine with no I/O: the transport hands it every Engine.IO text packet and performs the action it
/// returns.
///
/// ```
/// awaitingOpen --0{...}--> awaitingConnect --40{"sid":..}--> connected
///      \______________________ 1 / 41 / 44 / error ____________________--> closed
/// ```
struct EngineClientState {
    private enum State {
        /// Waiting for the Engine.IO open packet `0{...}` (WebSocket sessions; a polling session gets it
        /// in the handshake response and is fed it like any other packet).
        case awaitingOpen
        /// `40` sent, waiting for the Socket.IO CONNECT answer `40{"sid":...}`.
        case awaitingConnect
        /// Connected to `/`.
        case connected
        /// Closed by the server or after a protocol error; every later packet is ignored.
        case closed
    }

    /// What the transport does after a packet.
    enum Action: Equatable {
        /// Nothing.
        case none
        /// Send the Engine.IO pong `3` (the server pinged).
        case sendPong
        /// Send the Socket.IO CONNECT `40` (the Engine.IO session opened).
        case sendConnect
        /// The namespace connection is up.
        case connected
        /// A fan-out delivery (`broadcast` / `to-room`), with the publisher's timestamp when present.
        case delivery(timestamp: UInt64?)
        /// Some other event.
        case otherEvent
        /// An acknowledgement; `length` is the whole packet's byte count (a cheap content check).
        case ack(id: Int, length: Int)
        /// The server closed the session (`1`), disconnected the socket (`41`), or refused it (`44`).
        case closedByServer(String)
        /// A packet the bench cannot make sense of; the session is over.
        case protocolError(String)
    }

    private var state: State = .awaitingOpen

    /// True once `40{"sid":...}` arrived and until the session closed.
    var isConnected: Bool {
        if case .connected = self.state { return true }
        return false
    }

    /// True after the server closed the session or a protocol error.
    var isClosed: Bool {
        if case .closed = self.state { return true }
        return false
    }

    /// Handles one Engine.IO text packet (type digit first).
    mutating func receive(_ packet: UnsafeRawBufferPointer) -> Action {
        guard let type = packet.first else { return self.fail("empty Engine.IO packet") }
        switch (type, self.state) {
        case (_, .closed):
            return .none
        case (UInt8(ascii: "2"), _):
            return .sendPong
        case (UInt8(ascii: "6"), _), (UInt8(ascii: "3"), _):
            return .none
        case (UInt8(ascii: "0"), .awaitingOpen):
            self.state = .awaitingConnect
            return .sendConnect
        case (UInt8(ascii: "1"), _):
            self.state = .closed
            return .closedByServer("Engine.IO close packet")
        case (UInt8(ascii: "4"), _):
            return self.receiveSocketIO(packet)
        default:
            return self.fail("unexpected Engine.IO packet type \(Character(Unicode.Scalar(type))) while \(self.state)")
        }
    }

    /// Marks the session closed (transport gone); later packets are ignored.
    mutating func close() {
        self.state = .closed
    }

    private mutating func receiveSocketIO(_ packet: UnsafeRawBufferPointer) -> Action {
        guard packet.count >= 2 else { return self.fail("empty Socket.IO packet") }
        switch (packet[1], self.state) {
        case (UInt8(ascii: "2"), .connected):
            guard let event = PacketScanner.scanEvent(packet, from: 2) else {
                // An event in another namespace or with a payload we do not parse: not ours to count.
                return .otherEvent
            }
            return event.kind == .delivery ? .delivery(timestamp: event.timestamp) : .otherEvent
        case (UInt8(ascii: "3"), .connected):
            guard let id = PacketScanner.scanAckID(packet, from: 2) else { return self.fail("malformed ACK packet") }
            return .ack(id: id, length: packet.count)
        case (UInt8(ascii: "0"), .awaitingConnect):
            self.state = .connected
            return .connected
        case (UInt8(ascii: "1"), _):
            self.state = .closed
            return .closedByServer("Socket.IO DISCONNECT from the server")
        case (UInt8(ascii: "4"), _):
            self.state = .closed
            return .closedByServer("CONNECT_ERROR: \(String(decoding: packet.dropFirst(2).prefix(200), as: UTF8.self))")
        case (UInt8(ascii: "5"), .connected), (UInt8(ascii: "6"), .connected):
            return .otherEvent
        default:
            return self.fail("unexpected Socket.IO packet \(String(decoding: packet.prefix(40), as: UTF8.self)) while \(self.state)")
        }
    }

    /// Handles one msgpack-parser packet (a binary message, already decoded; `length` is its byte count).
    mutating func receive(msgpack packet: SocketIOPacket, length: Int) -> Action {
        switch (packet.type, self.state) {
        case (_, .closed):
            return .none
        case (.event, .connected):
            guard packet.namespace == "/", let name = packet.eventName, PacketScanner.isDeliveryName(name) else { return .otherEvent }
            let stamp = packet.payload?[1]?.stringValue.flatMap(PacketScanner.timestamp(prefixOf:))
            return .delivery(timestamp: stamp)
        case (.ack, .connected):
            guard let id = packet.ackID else { return self.fail("ACK packet without an id") }
            return .ack(id: id, length: length)
        case (.connect, .awaitingConnect):
            self.state = .connected
            return .connected
        case (.disconnect, _):
            self.state = .closed
            return .closedByServer("Socket.IO DISCONNECT from the server")
        case (.connectError, _):
            self.state = .closed
            return .closedByServer("CONNECT_ERROR: \(packet.payload.map { "\($0)" } ?? "")")
        default:
            return self.fail("unexpected msgpack packet \(packet.type) while \(self.state)")
        }
    }

    private mutating func fail(_ reason: String) -> Action {
        self.state = .closed
        return .protocolError(reason)
    }
}

extension EngineClientState {
    /// A binary message that is not a msgpack packet: the session is over.
    mutating func receiveUndecodable(_ reason: String) -> Action {
        if self.isClosed { return .none }
        self.close()
        return .protocolError("undecodable msgpack packet: \(reason)")
    }
}
