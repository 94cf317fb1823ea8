import Foundation
import NIOCore
import NIOEmbedded
import NIOHTTP1
import XCTest

@testable import EngineIO

/// What the application saw. Everything runs on one `EmbeddedEventLoop` (the test's thread), so plain
/// stored properties are safe; the `@unchecked Sendable` only satisfies the `@Sendable` callback.
final class AppLog: @unchecked Sendable {
    var sessions: [EngineSession] = []
    var messages: [EngineMessage] = []
    var closes: [EngineCloseReason] = []
    var upgrades = 0
}

/// Echoes every message back to its session and records what happens.
final class EchoHandler: EngineSessionHandler {
    let log: AppLog

    init(log: AppLog) {
        self.log = log
    }

    func engineSession(_ session: EngineSession, didReceive message: EngineMessage) {
        self.log.messages.append(message)
        session.sendOnEventLoop(EngineFrame(message))
    }

    func engineSession(_ session: EngineSession, didCloseWith reason: EngineCloseReason) {
        self.log.closes.append(reason)
    }

    func engineSessionDidUpgrade(_ session: EngineSession) {
        self.log.upgrades += 1
    }
}

/// One HTTP response as read back from the bytes a channel wrote.
struct RawHTTPResponse {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    var text: String { String(decoding: self.body, as: UTF8.self) }

    func header(_ name: String) -> String? {
        self.headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    func headerValues(_ name: String) -> [String] {
        self.headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }
}

/// A WebSocket frame as read back from the server.
struct RawWebSocketFrame: Equatable {
    var opcode: UInt8
    var payload: [UInt8]
    /// RSV1: a permessage-deflate message.
    var rsv1 = false

    var text: String { String(decoding: self.payload, as: UTF8.self) }
}

/// An `EngineServer` whose connections are `EmbeddedChannel`s sharing one `EmbeddedEventLoop`, so
/// sessions and connections live on the same loop. Requests go in as raw bytes and responses come
/// out as raw bytes, parsed here. Sessions read the real clock, so no timer ever comes due on the
/// embedded loop (its time starts at zero and is never advanced): these tests are not about time.
final class EngineHTTPHarness {
    let loop = EmbeddedEventLoop()
    let server: EngineServer
    let log: AppLog
    private var channels: [EmbeddedChannel] = []
    private var unread: [ObjectIdentifier: [UInt8]] = [:]

    init(configuration: EngineServerConfiguration = EngineServerConfiguration(compressionThreshold: nil)) {
        let log = AppLog()
        self.log = log
        self.server = EngineServer(configuration: configuration) { session in
            log.sessions.append(session)
            session.handler = EchoHandler(log: log)
        }
    }

    /// A new client connection with the engine's HTTP pipeline.
    func connect() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel(loop: self.loop)
        try self.server.configureHTTPPipeline(on: channel)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 40_000 + self.channels.count)).wait()
        self.channels.append(channel)
        return channel
    }

    /// Writes raw bytes into `channel` and runs every task they caused.
    func write(_ bytes: ByteBuffer, to channel: EmbeddedChannel) throws {
        try channel.writeInbound(bytes)
        self.loop.run()
    }

    /// Like ``write(_:to:)``, for requests that make a handler fire an error down the pipeline (which
    /// `EmbeddedChannel` rethrows from `writeInbound`; a real channel only logs it). Returns the error.
    @discardableResult
    func writeCatchingPipelineError(_ bytes: ByteBuffer, to channel: EmbeddedChannel) -> (any Error)? {
        var caught: (any Error)?
        do {
            try channel.writeInbound(bytes)
        } catch {
            caught = error
        }
        self.loop.run()
        return caught
    }

    /// Writes a request: `head` lines without the final blank line, then `body`.
    func request(_ head: String, body: String = "", on channel: EmbeddedChannel) throws {
        var lines = head
        if !body.isEmpty { lines += "\r\nContent-Length: \(body.utf8.count)" }
        try self.write(ByteBuffer(string: lines + "\r\n\r\n" + body), to: channel)
    }

    func get(_ target: String, headers: String = "", on channel: EmbeddedChannel) throws {
        try self.request("GET \(target) HTTP/1.1\r\nHost: localhost" + headers, on: channel)
    }

    func post(_ target: String, body: String, on channel: EmbeddedChannel) throws {
        try self.request(
            "POST \(target) HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain;charset=UTF-8",
            body: body,
            on: channel
        )
    }

    /// Moves what the channel wrote into this harness's per-channel byte buffer.
    private func collect(_ channel: EmbeddedChannel) throws -> [UInt8] {
        var bytes = self.unread[ObjectIdentifier(channel)] ?? []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) {
            bytes += buffer.readableBytesView
        }
        return bytes
    }

    /// The next complete HTTP response the channel wrote, or nil if there is none (yet).
    func response(on channel: EmbeddedChannel) throws -> RawHTTPResponse? {
        var bytes = try self.collect(channel)
        defer { self.unread[ObjectIdentifier(channel)] = bytes }
        guard let (response, consumed) = Self.parseResponse(bytes) else { return nil }
        bytes.removeFirst(consumed)
        return response
    }

    /// Every WebSocket frame the channel wrote since the last call.
    func webSocketFrames(on channel: EmbeddedChannel) throws -> [RawWebSocketFrame] {
        var bytes = try self.collect(channel)
        defer { self.unread[ObjectIdentifier(channel)] = bytes }
        var frames: [RawWebSocketFrame] = []
        while let (frame, consumed) = Self.parseFrame(bytes) {
            frames.append(frame)
            bytes.removeFirst(consumed)
        }
        return frames
    }

    /// The sid from a handshake response body `0{"sid":…}`.
    static func sid(fromOpenPacket body: String) throws -> String {
        let json = try XCTUnwrap(self.openPacketJSON(body))
        return try XCTUnwrap(json["sid"] as? String)
    }

    static func openPacketJSON(_ body: String) -> [String: Any]? {
        guard body.first == "0" else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(body.utf8.dropFirst())) as? [String: Any]
    }

    /// Opens a polling session on a fresh connection and returns its sid.
    func handshake() throws -> String {
        let channel = try self.connect()
        try self.get("/engine.io/?EIO=4&transport=polling", on: channel)
        let response = try XCTUnwrap(try self.response(on: channel), "no handshake response")
        XCTAssertEqual(response.status, 200)
        return try Self.sid(fromOpenPacket: response.text)
    }

    /// A masked client WebSocket frame.
    static func clientFrame(opcode: UInt8, _ payload: [UInt8]) -> ByteBuffer {
        precondition(payload.count < 126)
        let mask: [UInt8] = [0x12, 0x34, 0x56, 0x78]
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt8(0x80 | opcode))
        buffer.writeInteger(UInt8(0x80 | payload.count))
        buffer.writeBytes(mask)
        buffer.writeBytes(payload.enumerated().map { $0.element ^ mask[$0.offset % 4] })
        return buffer
    }

    static func clientTextFrame(_ text: String) -> ByteBuffer {
        self.clientFrame(opcode: 0x1, Array(text.utf8))
    }

    static let webSocketUpgradeHeaders =
        "\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13"

    /// Closes every connection and shuts the loop down (cancelling session timers).
    func shutdown() {
        for channel in self.channels {
            _ = try? channel.finish(acceptAlreadyClosed: true)
        }
        try? self.loop.syncShutdownGracefully()
    }

    // MARK: - Parsing

    static func parseResponse(_ bytes: [UInt8]) -> (RawHTTPResponse, Int)? {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard bytes.count >= 4,
            let headEnd = (0...(bytes.count - 4)).first(where: { Array(bytes[$0..<$0 + 4]) == separator })
        else { return nil }
        var lines = String(decoding: bytes[..<headEnd], as: UTF8.self).components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { return nil }
        let headers = lines.compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        var response = RawHTTPResponse(status: status, headers: headers, body: [])
        var index = headEnd + 4
        if status == 101 || status == 204 || status == 304 {
            return (response, index)
        }
        if let length = response.header("content-length").flatMap(Int.init) {
            guard bytes.count >= index + length else { return nil }
            response.body = Array(bytes[index..<index + length])
            return (response, index + length)
        }
        if response.header("transfer-encoding")?.lowercased() == "chunked" {
            while true {
                guard let lineEnd = (index..<max(index, bytes.count - 1)).first(where: { bytes[$0] == 13 && bytes[$0 + 1] == 10 }),
                    let size = Int(String(decoding: bytes[index..<lineEnd], as: UTF8.self), radix: 16)
                else { return nil }
                index = lineEnd + 2
                guard bytes.count >= index + size + 2 else { return nil }
                if size == 0 { return (response, index + 2) }
                response.body += bytes[index..<index + size]
                index += size + 2
            }
        }
        response.body = Array(bytes[index...])
        return (response, bytes.count)
    }

    private static func parseFrame(_ bytes: [UInt8]) -> (RawWebSocketFrame, Int)? {
        guard bytes.count >= 2 else { return nil }
        var index = 2
        var length = Int(bytes[1] & 0x7F)
        if length == 126 {
            guard bytes.count >= 4 else { return nil }
            length = Int(bytes[2]) << 8 | Int(bytes[3])
            index = 4
        } else if length == 127 {
            guard bytes.count >= 10 else { return nil }
            length = bytes[2..<10].reduce(0) { $0 << 8 | Int($1) }
            index = 10
        }
        var mask: [UInt8]? = nil
        if bytes[1] & 0x80 != 0 {
            guard bytes.count >= index + 4 else { return nil }
            mask = Array(bytes[index..<index + 4])
            index += 4
        }
        guard bytes.count >= index + length else { return nil }
        var payload = Array(bytes[index..<index + length])
        if let mask { payload = payload.enumerated().map { $0.element ^ mask[$0.offset % 4] } }
        return (RawWebSocketFrame(opcode: bytes[0] & 0x0F, payload: payload, rsv1: bytes[0] & 0x40 != 0), index + length)
    }
}
