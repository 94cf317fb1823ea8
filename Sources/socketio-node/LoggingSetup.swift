import Logging

/// Process-wide logging: swift-log's stream handler on standard error at `level`, every message tagged
/// with `node=<id>` (library loggers included).
enum LoggingSetup {
    static func bootstrap(level: Logger.Level, nodeID: String) {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            handler.metadata["node"] = .string(nodeID)
            return handler
        }
    }
}
