import MessagePack
import NIOCore
import SocketIOProtocol

/// How a client sends Engine.IO text packets; implemented by the WebSocket handler and the polling session.
/// Every call happens on the client's event loop.
protocol EngineTransport: AnyObject {
    /// Sends one Engine.IO text packet whose bytes `write` appends (type digit first). WebSocket writes
    /// are flushed at the end of the current read, or at once outside of one.
    func sendText(_ write: (inout ByteBuffer) -> Void)
    /// Sends one Engine.IO binary message whose bytes `write` appends; flushed like ``sendText(_:)``.
    func sendBinary(_ write: (inout ByteBuffer) -> Void)
    /// Closes the connection(s); the client learns of it through ``BenchClient/transportClosed()``.
    func close()
    /// Closes the TCP connection(s) at once, sending nothing first (no Engine.IO or WebSocket close),
    /// as a network drop or a balancer restart ends them.
    func drop()
}

/// What a scenario does with what a client receives. Called on the client's event loop; one delegate
/// object usually serves every client of its loop.
protocol BenchClientDelegate: AnyObject {
    /// The Socket.IO connection to `/` is up.
    func clientDidConnect(_ client: BenchClient)
    /// A `broadcast` / `to-room` event arrived, with the publisher's timestamp when the payload has one.
    func client(_ client: BenchClient, didReceiveDeliveryStamped timestamp: UInt64?)
    /// An acknowledgement for request `id` arrived after `latency` nanoseconds (nil: not one we wait for).
    func client(_ client: BenchClient, didReceiveAck id: Int, latency: UInt64?, length: Int)
    /// The transport finished processing one read from the network (a moment to publish counters).
    func clientDidFinishRead(_ client: BenchClient)
    /// The connection ended without ``BenchClient/close()``: server close, protocol error, reset.
    func client(_ client: BenchClient, didFail reason: String)
}

extension BenchClientDelegate {
    func clientDidConnect(_ client: BenchClient) {}
    func client(_ client: BenchClient, didReceiveDeliveryStamped timestamp: UInt64?) {}
    func client(_ client: BenchClient, didReceiveAck id: Int, latency: UInt64?, length: Int) {}
    func clientDidFinishRead(_ client: BenchClient) {}
}

/// A Socket.IO client connected to `/`, independent of its transport. Lives on one event loop.
final class BenchClient {
    /// The client's number within its scenario.
    let index: Int
    /// Receives what happens; swapped by scenarios between phases.
    var delegate: (any BenchClientDelegate)?
    /// The transport; nil once closed.
    var transport: (any EngineTransport)?
    /// Completed when the namespace connection is up, failed if it never comes up.
    var connectPromise: EventLoopPromise<Void>?

    private var state = EngineClientState()
    private var acks: AckTracker
    private var closing = false
    /// The packet format of the server.
    private let parser: SocketIOParser
    /// Reads msgpack packets (every event name allowed: the server may send any).
    private let msgpackDecoder = SocketIOMsgPackPacketDecoder(configuration: .init(validation: .outgoing))
    /// Reused for the ack id of msgpack packets.
    private var scratch: [UInt8] = []

    /// A client that allows `maxOutstandingAcks` requests in flight and speaks `parser`.
    init(index: Int, delegate: (any BenchClientDelegate)?, maxOutstandingAcks: Int = 64, parser: SocketIOParser = .default) {
        self.index = index
        self.delegate = delegate
        self.acks = AckTracker(maxOutstanding: maxOutstandingAcks)
        self.parser = parser
    }

    /// True while connected to `/`.
    var isConnected: Bool { self.state.isConnected && !self.closing }

    /// Requests waiting for their acknowledgement.
    var outstandingAcks: Int { self.acks.outstanding }

    // MARK: Sending

    /// Emits an EVENT: `42[id]<body>`, `body` appending the JSON array; with the msgpack parser the map
    /// `{type: 2, data: <body>, nsp: "/", id?}`, `body` appending the MessagePack array. With `sentAt`, an ack id is
    /// requested and its send time noted. Returns the ack id (-1 when none was requested), or nil when
    /// nothing was sent (not connected, or the ack ring is full).
    @discardableResult
    func emit(ackSentAt sentAt: UInt64?, body: (inout ByteBuffer) -> Void) -> Int? {
        guard let transport = self.transport, self.isConnected else { return nil }
        var id: Int?
        if let sentAt {
            guard let next = self.acks.start(at: sentAt) else { return nil }
            id = next
        }
        switch self.parser {
        case .default:
            transport.sendText { buffer in
                buffer.writeInteger(UInt8(ascii: "4"))
                buffer.writeInteger(UInt8(ascii: "2"))
                if let id { ASCII.writeDecimal(id, into: &buffer) }
                body(&buffer)
            }
        case .msgpack:
            var scratch = self.scratch
            transport.sendBinary { buffer in
                buffer.writeInteger(UInt8(id == nil ? 0x83 : 0x84))  // fixmap of 3 or 4 members
                buffer.writeBytes(MsgPackPacketBytes.typeKey)
                buffer.writeInteger(UInt8(SocketIOPacketType.event.rawValue))
                buffer.writeBytes(MsgPackPacketBytes.dataKey)
                body(&buffer)
                buffer.writeBytes(MsgPackPacketBytes.mainNamespace)
                if let id {
                    buffer.writeBytes(MsgPackPacketBytes.idKey)
                    scratch.removeAll(keepingCapacity: true)
                    MessagePackEncoder.encode(.int(Int64(id)), into: &scratch)
                    buffer.writeBytes(scratch)
                }
            }
            self.scratch = scratch
        }
        return id ?? -1
    }

    /// Says goodbye (Engine.IO close `1`) and closes the transport; no failure is reported afterwards.
    func close() {
        guard !self.closing else { return }
        self.closing = true
        if let promise = self.connectPromise {
            self.connectPromise = nil
            promise.fail(BenchError.connectionFailed("closed before the namespace connection was up"))
        }
        if let transport = self.transport {
            if self.state.isConnected { transport.sendText { $0.writeInteger(UInt8(ascii: "1")) } }
            transport.close()
        }
    }

    /// Drops the connection(s) without a goodbye (``EngineTransport/drop()``); no failure is reported
    /// afterwards. The server sees its transport close (`transport close`).
    func drop() {
        guard !self.closing else { return }
        self.closing = true
        if let promise = self.connectPromise {
            self.connectPromise = nil
            promise.fail(BenchError.connectionFailed("dropped before the namespace connection was up"))
        }
        self.transport?.drop()
    }

    // MARK: Events from the transport

    /// One Engine.IO text packet arrived.
    func receive(enginePacket packet: UnsafeRawBufferPointer) {
        self.perform(self.state.receive(packet))
    }

    /// One Engine.IO binary message arrived: a msgpack packet, or (default parser) an attachment the
    /// bench does not use.
    func receive(binaryMessage bytes: UnsafeRawBufferPointer) {
        guard self.parser == .msgpack else { return }
        if let event = PacketScanner.scanMsgPackEvent(bytes), self.state.isConnected {
            // The hot path of fan-out receivers: no decoding.
            if event.kind == .delivery { self.delegate?.client(self, didReceiveDeliveryStamped: event.timestamp) }
            return
        }
        do {
            let packet = try self.msgpackDecoder.decode(bytes)
            self.perform(self.state.receive(msgpack: packet, length: bytes.count))
        } catch {
            self.perform(self.state.receiveUndecodable("\(error)"))
        }
    }

    private func perform(_ action: EngineClientState.Action) {
        switch action {
        case .none, .otherEvent:
            break
        case .delivery(let timestamp):
            self.delegate?.client(self, didReceiveDeliveryStamped: timestamp)
        case .ack(let id, let length):
            let sentAt = self.acks.finish(id)
            let latency = sentAt.map { Clock.now() &- $0 }
            self.delegate?.client(self, didReceiveAck: id, latency: latency, length: length)
        case .sendPong:
            self.transport?.sendText { $0.writeInteger(UInt8(ascii: "3")) }
        case .sendConnect:
            switch self.parser {
            case .default:
                self.transport?.sendText { buffer in
                    buffer.writeInteger(UInt8(ascii: "4"))
                    buffer.writeInteger(UInt8(ascii: "0"))
                }
            case .msgpack:
                self.transport?.sendBinary { $0.writeBytes(MsgPackPacketBytes.connect) }
            }
        case .connected:
            self.connectPromise?.succeed()
            self.connectPromise = nil
            self.delegate?.clientDidConnect(self)
        case .closedByServer(let reason), .protocolError(let reason):
            self.transportFailed(reason)
            self.transport?.close()
        }
    }

    /// The transport finished one read.
    func finishedRead() {
        self.delegate?.clientDidFinishRead(self)
    }

    /// The transport hit an error (it closes itself).
    func transportFailed(_ reason: String) {
        self.state.close()
        guard !self.closing else { return }
        self.closing = true
        if let promise = self.connectPromise {
            self.connectPromise = nil
            promise.fail(BenchError.connectionFailed(reason))
        } else {
            self.delegate?.client(self, didFail: reason)
        }
    }

    /// The transport is gone.
    func transportClosed() {
        self.transportFailed("connection closed by the server")
        self.transport = nil
    }
}
