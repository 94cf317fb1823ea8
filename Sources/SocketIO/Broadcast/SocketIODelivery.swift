import EngineIO
import NIOCore
import SocketIOProtocol

/// Writes already encoded frames to many sockets: grouped by event loop, one task per loop, each
/// socket written on its own loop without further hops.
enum SocketIODelivery {
    static func deliver(
        _ frames: [EngineFrame],
        of packet: SocketIOPacket,
        to sockets: [SocketIOSocket],
        volatile: Bool,
        ackID: Int? = nil,
        collector: (any SocketIOAckSink)? = nil,
        ackTimeout: TimeAmount? = nil
    ) {
        guard !sockets.isEmpty else { return }
        if sockets.count == 1 {
            let socket = sockets[0]
            socket.onEventLoop {
                $0.writeOnEventLoop(frames, packet: packet, volatile: volatile, ackID: ackID, collector: collector, ackTimeout: ackTimeout)
            }
            return
        }
        var groups: [ObjectIdentifier: (loop: any EventLoop, sockets: [SocketIOSocket])] = [:]
        for socket in sockets {
            let key = ObjectIdentifier(socket.eventLoop)
            if groups[key] == nil {
                groups[key] = (socket.eventLoop, [socket])
            } else {
                groups[key]?.sockets.append(socket)
            }
        }
        // Other loops first, so they work on their members while this one does its own.
        var here: (@Sendable () -> Void)?
        for (_, group) in groups {
            let members = group.sockets
            // Each loop gets its own copy, with the WebSocket message built once for all its members.
            let frames = frames.map { $0.preparedForBroadcast() }
            let write: @Sendable () -> Void = {
                for socket in members {
                    socket.writeOnEventLoop(frames, packet: packet, volatile: volatile, ackID: ackID, collector: collector, ackTimeout: ackTimeout)
                }
            }
            if group.loop.inEventLoop { here = write } else { group.loop.execute(write) }
        }
        here?()
    }
}
