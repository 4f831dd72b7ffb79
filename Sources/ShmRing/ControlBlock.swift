import Glibc

/// The control block: who runs, their heartbeats, and the figures `status` and health show.
/// The supervisor writes its line and each slot's first line; each child writes its own
/// slot's second line; the feeder writes the feed line.
public struct ControlBlock: @unchecked Sendable {
    public let base: UnsafeMutableRawPointer

    public init(base: UnsafeMutableRawPointer) { self.base = base }

    @inline(__always)
    public func word(_ offset: Int) -> SharedWord { SharedWord(at: base + offset) }

    public func slot(_ index: Int) -> ChildSlot {
        precondition(index >= 0 && index < Layout.Control.slotCount, "slot \(index) out of range")
        return ChildSlot(base: base + Layout.Control.slotsOffset + index * Layout.Control.slotSize, index: index)
    }

    public var slots: [ChildSlot] { (0..<Layout.Control.slotCount).map(slot) }

    // Supervisor line.
    public var supervisorPid: Int32 { Int32(truncatingIfNeeded: word(Layout.Control.supervisorPid).loadRelaxed()) }
    /// Whether the supervisor that wrote this block still runs.
    public var supervisorAlive: Bool {
        let pid = supervisorPid
        return pid > 0 && kill(pid, 0) == 0
    }
    public var supervisorStartRealtimeNs: Int64 { word(Layout.Control.supervisorStartRealtimeNs).loadSignedAcquiring() }
    public var workersWanted: Int { Int(word(Layout.Control.workersWanted).loadRelaxed()) }
    public var reloadGeneration: UInt64 { word(Layout.Control.reloadGeneration).loadRelaxed() }
    public var lastReload: ReloadOutcome { ReloadOutcome(rawValue: word(Layout.Control.lastReload).loadRelaxed()) ?? .none }

    // Feed line.
    public var feedState: FeedState { FeedState(rawValue: word(Layout.Control.feedState).loadRelaxed()) ?? .down }
    public var feedEpoch: UInt64 { word(Layout.Control.feedEpoch).loadAcquiring() }
    public var feedRecordsPublished: UInt64 { word(Layout.Control.feedRecordsPublished).loadRelaxed() }
    public var feedLastPublishRealtimeNs: Int64 { word(Layout.Control.feedLastPublishRealtimeNs).loadSignedAcquiring() }
    public var databaseState: DatabaseState {
        DatabaseState(rawValue: word(Layout.Control.databaseState).loadRelaxed()) ?? .unknown
    }
    public var feedReplayLoops: UInt64 { word(Layout.Control.feedReplayLoops).loadRelaxed() }
}

/// One child's slot in the control block.
public struct ChildSlot: @unchecked Sendable {
    public let base: UnsafeMutableRawPointer
    public let index: Int

    @inline(__always)
    public func word(_ offset: Int) -> SharedWord { SharedWord(at: base + offset) }

    // Supervisor-written.
    public var state: SlotState { SlotState(rawValue: word(Layout.Slot.state).loadAcquiring()) ?? .free }
    public var kind: ChildKind { ChildKind(rawValue: word(Layout.Slot.kind).loadRelaxed()) ?? .none }
    public var pid: Int32 { Int32(truncatingIfNeeded: word(Layout.Slot.pid).loadRelaxed()) }
    public var startRealtimeNs: Int64 { word(Layout.Slot.startRealtimeNs).loadSignedAcquiring() }
    public var restarts: UInt64 { word(Layout.Slot.restarts).loadRelaxed() }
    public var generation: UInt64 { word(Layout.Slot.generation).loadRelaxed() }

    /// Supervisor: publishes a (re)started child in this slot.
    public func publish(state: SlotState, kind: ChildKind, pid: Int32, startRealtimeNs: Int64, restarts: UInt64, generation: UInt64) {
        word(Layout.Slot.kind).storeRelaxed(kind.rawValue)
        word(Layout.Slot.pid).storeRelaxed(UInt64(UInt32(bitPattern: pid)))
        word(Layout.Slot.startRealtimeNs).storeRelaxed(UInt64(bitPattern: startRealtimeNs))
        word(Layout.Slot.restarts).storeRelaxed(restarts)
        word(Layout.Slot.generation).storeRelaxed(generation)
        // Pairs with the loadAcquiring in `state`.
        word(Layout.Slot.state).storeReleasing(state.rawValue)
    }

    public func setState(_ s: SlotState) { word(Layout.Slot.state).storeReleasing(s.rawValue) }

    /// Supervisor: clears the child-written lines before a new child starts in this slot.
    public func resetChildLine() {
        for offset in stride(from: Layout.Slot.heartbeat, to: Layout.Control.slotSize, by: 8) {
            word(offset).storeRelaxed(0)
        }
        for i in 0..<Layout.Control.moreCounterCount { counter(Layout.Slot.counterCount + i).storeRelaxed(0) }
    }

    // Child-written.
    public var heartbeat: UInt64 { word(Layout.Slot.heartbeat).loadRelaxed() }
    public func beat() { word(Layout.Slot.heartbeat).increment() }
    public var ringSequence: UInt64 { word(Layout.Slot.ringSequence).loadRelaxed() }
    public var ringLaps: UInt64 { word(Layout.Slot.ringLaps).loadRelaxed() }
    public var connections: UInt64 { word(Layout.Slot.connections).loadRelaxed() }
    public var requests: UInt64 { word(Layout.Slot.requests).loadRelaxed() }
    public var badRequests: UInt64 { word(Layout.Slot.badRequests).loadRelaxed() }
    public var rateLimited: UInt64 { word(Layout.Slot.rateLimited).loadRelaxed() }
    /// Child counter `i`: the slot's own words, then its line of more counters.
    public func counter(_ i: Int) -> SharedWord {
        precondition(i >= 0 && i < Layout.Slot.counterCount + Layout.Control.moreCounterCount)
        if i < Layout.Slot.counterCount { return word(Layout.Slot.counters + i * 8) }
        // The control block's start, from this slot's place in it.
        let control = base - Layout.Control.slotsOffset - index * Layout.Control.slotSize
        let line = Layout.Control.moreCountersOffset + index * Layout.Control.moreCountersSize
        return SharedWord(at: control + line + (i - Layout.Slot.counterCount) * 8)
    }
}
