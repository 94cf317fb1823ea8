import NIOCore
import SocketIO

/// Servers for the in-process tests: the defaults, changed by `configure` (short timings there).
func makeServer(_ configure: (inout SocketIOServerConfiguration) -> Void = { _ in }) -> SocketIOServer {
    var configuration = SocketIOServerConfiguration()
    configuration.ackTimeout = .seconds(5)
    configure(&configuration)
    return SocketIOServer(configuration: configuration)
}

/// A middleware refusal of a type other than ``SocketIOConnectError``; its words must not reach clients.
struct InternalFailure: Error, CustomStringConvertible {
    var description: String { "database at /var/secret refused the query" }
}
