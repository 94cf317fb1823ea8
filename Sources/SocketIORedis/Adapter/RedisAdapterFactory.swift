import Logging
import SocketIO

/// Makes Redis adapters for a server's namespaces.
public enum RedisAdapterFactory {
    /// A factory for ``SocketIOServerConfiguration/adapterFactory`` that builds a classic or sharded
    /// adapter per namespace, all sharing `driver`.
    public static func make(
        driver: any RedisPubSubDriver,
        configuration: RedisAdapterConfiguration = RedisAdapterConfiguration(),
        logger: Logger = Logger(label: "socketio.redis")
    ) -> SocketIOAdapterFactory {
        { namespace in
            switch configuration.mode {
            case .classic:
                return RedisAdapter(namespace: namespace, driver: driver, configuration: configuration, logger: logger)
            case .sharded(let subscriptionMode):
                return ShardedRedisAdapter(
                    namespace: namespace, driver: driver, configuration: configuration, subscriptionMode: subscriptionMode, logger: logger
                )
            }
        }
    }
}
