import NIOCore
import NIOHTTP1

/// A plain HTTP request outside the Engine.IO path, handed to the application's fallback responder.
public struct EngineHTTPRequest: Sendable {
    /// The method.
    public var method: HTTPMethod
    /// The full request target.
    public var uri: String
    /// The path without the query.
    public var path: String
    /// Decoded query parameters.
    public var query: [String: String]
    /// The request headers.
    public var headers: HTTPHeaders
    /// The body (bounded by the server's maxHTTPBufferSize).
    public var body: ByteBuffer
    /// The client's address.
    public var remoteAddress: SocketAddress?
}

/// A plain HTTP response from the application's fallback responder.
public struct EngineHTTPResponse: Sendable {
    /// The status.
    public var status: HTTPResponseStatus
    /// Headers; Content-Length is added for you.
    public var headers: HTTPHeaders
    /// The body.
    public var body: ByteBuffer

    /// A response with a text body.
    public init(status: HTTPResponseStatus = .ok, contentType: String = "text/plain; charset=utf-8", body: String) {
        self.status = status
        self.headers = ["Content-Type": contentType]
        self.body = ByteBuffer(string: body)
    }

    /// A response with a byte body.
    public init(status: HTTPResponseStatus, headers: HTTPHeaders, body: ByteBuffer) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// `404 Not Found`.
    public static let notFound = EngineHTTPResponse(status: .notFound, body: "Not Found")
}

/// Answers HTTP requests that are not for the Engine.IO path (pages, health checks, metrics).
public typealias EngineHTTPFallback = @Sendable (EngineHTTPRequest) async -> EngineHTTPResponse
