import NIOCore

/// Frames waiting for the next polling GET, bounded in bytes.
struct EngineOutboundQueue: Sendable {
    /// Empty without storage: a WebSocket session never queues, and an idle connection should cost
    /// little. The queue only ever grows at the end and is drained whole, so an array does.
    private(set) var frames: [EngineFrame] = []
    private(set) var byteCount = 0
    let maxBytes: Int

    init(maxBytes: Int) {
        self.maxBytes = maxBytes
    }

    var isEmpty: Bool { self.frames.isEmpty }

    /// Appends `frame`; false when it would pass the byte limit (nothing is appended then).
    mutating func append(_ frame: EngineFrame) -> Bool {
        guard self.byteCount + frame.byteCount <= self.maxBytes else { return false }
        self.frames.append(frame)
        self.byteCount += frame.byteCount
        return true
    }

    /// Appends `frame` whatever the limit (control frames that end a session).
    mutating func forceAppend(_ frame: EngineFrame) {
        self.frames.append(frame)
        self.byteCount += frame.byteCount
    }

    /// Puts `frame` before every queued frame, whatever the limit (the open packet).
    mutating func forcePrepend(_ frame: EngineFrame) {
        self.frames.insert(frame, at: 0)
        self.byteCount += frame.byteCount
    }

    /// Removes and returns every queued frame, oldest first.
    mutating func drain() -> [EngineFrame] {
        let drained = self.frames
        self.frames = []
        self.byteCount = 0
        return drained
    }
}
