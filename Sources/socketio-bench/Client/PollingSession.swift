import NIOCore
import NIOHTTP1
import SocketIOProtocol

/// A Socket.IO client over HTTP long-polling only: a GET always waits at the server for packets, POSTs
/// carry what the client sends (packets joined by the record separator `\x1e`).
///
/// With two links (the usual browser behaviour) the GET and the POSTs use separate keep-alive connections;
/// with one link (the `connect` scenario) they take turns on a single connection.
final class PollingSession: EngineTransport {
    private let client: BenchClient
    private let target: BenchTarget
    private let getLink: HTTPLinkHandler
    private let postLink: HTTPLinkHandler
    private var sid: String?
    private var outgoing = ByteBuffer()
    private var closing = false
    private var closed = false

    /// A session for `client` over `links` (one or two), which must be connected already.
    init(client: BenchClient, target: BenchTarget, links: [HTTPLinkHandler]) {
        precondition(links.count == 1 || links.count == 2, "one or two links")
        self.client = client
        self.target = target
        self.getLink = links[0]
        self.postLink = links[links.count - 1]
        client.transport = self
        for link in links {
            link.onClose = { [weak self] reason in self?.linkClosed(reason) }
        }
    }

    private var singleLink: Bool { self.getLink === self.postLink }

    /// Starts the Engine.IO handshake.
    func start() {
        self.pump()
    }

    // MARK: EngineTransport

    func sendText(_ write: (inout ByteBuffer) -> Void) {
        guard !self.closed else { return }
        if self.outgoing.readableBytes > 0 { self.outgoing.writeInteger(UInt8(0x1E)) }
        write(&self.outgoing)
        self.pump()
    }

    /// Posts `b` + base64 of the bytes `write` appends. Binary messages from the server are not decoded
    /// (the polling scenarios run with the default parser only).
    func sendBinary(_ write: (inout ByteBuffer) -> Void) {
        var bytes = ByteBuffer()
        write(&bytes)
        self.sendText { buffer in
            buffer.writeInteger(UInt8(ascii: "b"))
            buffer.writeString(Base64.encode(Array(bytes.readableBytesView)))
        }
    }

    func drop() {
        self.finish()
    }

    func close() {
        guard !self.closing else { return }
        self.closing = true
        self.pump()
    }

    // MARK: Requests

    private func pump() {
        guard !self.closed else { return }
        let postReady = !self.postLink.isBusy && !(self.singleLink && self.getLink.isBusy)
        if self.outgoing.readableBytes > 0, let sid = self.sid, postReady {
            self.post(sid: sid)
            return
        }
        if self.closing {
            if !self.postLink.isBusy, self.outgoing.readableBytes == 0 { self.finish() }
            return
        }
        guard !self.getLink.isBusy, !(self.singleLink && self.postLink.isBusy) else { return }
        self.getLink.send(method: .GET, uri: self.target.requestTarget(transport: "polling", sid: self.sid), body: nil) {
            [weak self] status, body in self?.received(status: status, body: body)
        }
    }

    private func post(sid: String) {
        let body = self.outgoing
        self.outgoing = ByteBuffer()
        self.postLink.send(method: .POST, uri: self.target.requestTarget(transport: "polling", sid: sid), body: body) {
            [weak self] status, body in
            guard let self else { return }
            guard status == 200 else { return self.failed("POST answered \(status): \(String(buffer: body).prefix(200))") }
            self.pump()
        }
    }

    private func received(status: Int, body: ByteBuffer) {
        guard status == 200 else { return self.failed("GET answered \(status): \(String(buffer: body).prefix(200))") }
        if self.sid == nil {
            guard let sid = Self.sessionID(fromHandshake: body) else {
                return self.failed("handshake response without a sid: \(String(buffer: body).prefix(200))")
            }
            self.sid = sid
        }
        body.withUnsafeReadableBytes { bytes in
            var start = 0
            for index in 0...bytes.count where index == bytes.count || bytes[index] == 0x1E {
                if index > start, !self.closed {
                    self.client.receive(enginePacket: UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
                }
                start = index + 1
            }
        }
        self.client.finishedRead()
        self.pump()
    }

    /// The sid of an open packet `0{"sid":"...",...}` (the first packet of the handshake response).
    static func sessionID(fromHandshake body: ByteBuffer) -> String? {
        guard body.readableBytes > 1, body.getInteger(at: body.readerIndex, as: UInt8.self) == UInt8(ascii: "0") else {
            return nil
        }
        var open = body.getSlice(at: body.readerIndex + 1, length: body.readableBytes - 1) ?? ByteBuffer()
        if let separator = open.readableBytesView.firstIndex(of: 0x1E) {
            open = open.getSlice(at: open.readerIndex, length: separator - open.readerIndex) ?? open
        }
        guard let value = try? JSONParser().parse(open) else { return nil }
        return value["sid"]?.stringValue
    }

    private func failed(_ reason: String) {
        guard !self.closed else { return }
        self.client.transportFailed(reason)
        self.finish()
    }

    private func linkClosed(_ reason: String) {
        guard !self.closed else { return }
        self.client.transportFailed(reason)
        self.finish()
    }

    private func finish() {
        guard !self.closed else { return }
        self.closed = true
        self.getLink.onClose = nil
        self.postLink.onClose = nil
        self.getLink.close()
        if !self.singleLink { self.postLink.close() }
        self.client.transportClosed()
        self.client.transport = nil
    }
}
