import Glibc
import Posix
import WebSocketCore

/// Clients that come back: the subscribe (resuming where the client left off), the reconnect
/// after a loss, the timers behind both, and the faults the parent announces.
extension WSClientProcess {
    /// The server said `connected`: subscribe, with the resume point when the client has one.
    /// An idle client counts as subscribed once connected.
    func subscribe(_ index: Int, clock: ReceiveClock) {
        guard let subscribeFrame, let text = config.subscribe else {
            let action = slots[index].session.link.handle(.subscribed(epoch: -1, sequence: -1, nowNanos: clock.monoNanos))
            if case .reconnected(let nanos, _) = action { stats.reconnected(micros: nanos / 1000) }
            return
        }
        stats.counters[.subscribeSent] += 1
        guard let point = slots[index].session.link.subscribing(resumable: config.resumable) else {
            return subscribeFrame.withUnsafeBytes { send(index, $0) }
        }
        stats.counters[.resumesSent] += 1
        stats.faults.add(.resumes)
        let resume = Reconnection.resumeText(text, epoch: point.epoch, sequence: point.sequence)
        let frame = WebSocketFrameEncoder.frame(opcode: .text, payload: Array(resume.utf8), maskingKey: maskingKey)
        frame.withUnsafeBytes { send(index, $0) }
    }

    /// After `finish`: when to try again. A lost subscribed connection is a disconnect, counted
    /// against the current fault (the parent's pipe is read first, so a fault announced just
    /// before is current).
    func scheduleReconnect(_ index: Int) {
        let now = Clock.monotonicNanos()
        let action = slots[index].session.link.handle(.lost(nowNanos: now, jitter: nextJitter()))
        guard case .reconnect(let due, let outage) = action else { return }
        if outage {
            readControl()
            stats.counters[.disconnects] += 1
            stats.faults.disconnected(&slots[index].session.watch)
        }
        slots[index].session.phase = .waiting
        slots[index].generation &+= 1
        timers.push(.init(due: due, slot: Int32(index), generation: slots[index].generation, kind: .reconnect))
    }

    /// Starts the reconnects that are due and fails the attempts that took too long.
    func runTimers(now: Int64) {
        var budget = 512
        while budget > 0, let entry = timers.popDue(now: now) {
            let index = Int(entry.slot)
            guard slots[index].generation == entry.generation else { continue }
            switch entry.kind {
            case .reconnect:
                guard slots[index].session.phase == .waiting, !finished else { continue }
                budget -= 1
                startConnection(index, now: now)
            case .connectTimeout:
                let phase = slots[index].session.phase
                guard phase == .connecting || phase == .upgrading else { continue }
                let what = phase == .connecting ? "TCP connect" : "upgrade answer"
                finish(slot: index, .timeout, "no \(what) within \(config.connectTimeoutSeconds) s (reconnecting)")
            }
        }
    }

    /// Fault `index` struck: the previous one's span ends for every client, and a fault that
    /// hits the feed marks every subscribed client affected.
    func beginFault(index: Int, wallMicros: Int64, hitsFeed: Bool) {
        for slot in slots.indices { stats.faults.close(&slots[slot].session.watch) }
        stats.faults.begin(index: index, wallMicros: wallMicros, hitsFeed: hitsFeed)
        for slot in slots.indices {
            let session = slots[slot].session
            stats.faults.open(&slots[slot].session.watch, subscribed: session.phase == .open && session.link.live)
        }
    }

    /// A number in 0..<1 (SplitMix64): backoff jitter, no system call.
    func nextJitter() -> Double {
        jitterState &+= 0x9E37_79B9_7F4A_7C15
        var z = jitterState
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) / Double(1 << 53)
    }
}
