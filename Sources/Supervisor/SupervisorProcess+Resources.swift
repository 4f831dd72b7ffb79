import Glibc
import Posix
import Runtime
import ShmRing

/// A resource problem at start-up.
struct StartupError: Error, CustomStringConvertible {
    let description: String
}

extension SupervisorProcess {
    /// Segment, listening socket, eventfds, signalfd: everything that outlives a child.
    func acquireResources() throws {
        signalFD = try Signals.signalFD(Self.handledSignals)
        try createSegment()
        do {
            listenFD = try Socket.listen(host: config.host, port: config.port)
        } catch {
            throw StartupError(description: "cannot listen on \(config.host):\(config.port): \(error)")
        }
        for _ in 0..<Layout.Control.slotCount { wakeFDs.append(try EventFD.make()) }
        let highest = ([segmentFD, listenFD, signalFD] + wakeFDs).max() ?? 0
        guard highest < ChildDescriptors.sourceLimit else {
            throw StartupError(description: "descriptor \(highest) is too high to hand to children safely")
        }
    }

    private func createSegment() throws {
        let name = config.segmentName
        if let existing = try? Segment.open(name: name) {
            let pid = existing.control.supervisorPid
            if existing.control.supervisorAlive && pid != getpid() {
                throw StartupError(description: "segment \(name) belongs to a running supervisor (pid \(pid)); stop it first or set SHM_NAME/PORT")
            }
            log.warning("removing a stale segment left by pid \(pid)", ["segment": name])
            SharedMemory.unlink(name: name)
        } else {
            SharedMemory.unlink(name: name) // a half-made segment without magic
        }
        let geometry = StateGeometry(symbolCapacity: Config.maxSymbols, intervals: config.intervals.map(\.rawValue))
        segmentFD = try SharedMemory.create(name: name, size: Layout.segmentSize(ringCapacity: config.ringCapacity, geometry: geometry))
        let seg = try Segment.format(fd: segmentFD, ringCapacity: config.ringCapacity, geometry: geometry)
        let c = seg.control
        c.word(Layout.Control.supervisorPid).storeRelaxed(UInt64(getpid()))
        c.word(Layout.Control.supervisorStartRealtimeNs).storeReleasing(UInt64(Clock.realtimeNanos()))
        c.word(Layout.Control.workersWanted).storeRelaxed(UInt64(config.workers))
        segment = seg
    }

    func releaseResources() {
        if listenFD >= 0 { close(listenFD); listenFD = -1 }
        for fd in wakeFDs { close(fd) }
        wakeFDs = []
        if segmentFD >= 0 {
            close(segmentFD)
            segmentFD = -1
            SharedMemory.unlink(name: config.segmentName)
        }
        segment = nil
        if signalFD >= 0 { close(signalFD); signalFD = -1 }
    }

    func spawn(slot: Int, kind: ChildKind, generation: UInt64) {
        let now = Clock.monotonicNanos()
        // Feeder and workers alike get every slot's eventfd: the feeder wakes the workers, a
        // worker wakes another to take connections it left on the shared socket.
        var descriptors: [(source: Int32, target: Int32)] = [(segmentFD, ChildDescriptors.segment)]
            + wakeFDs.enumerated().map { ($1, ChildDescriptors.wakeBase + Int32($0)) }
        var args: [String]
        switch kind {
        case .feeder:
            args = ["feeder", "--slot", "\(slot)"]
        case .worker:
            args = ["worker", "--slot", "\(slot)", "--generation", "\(generation)"]
            descriptors.append((listenFD, ChildDescriptors.listen))
            descriptors.append((wakeFDs[slot], ChildDescriptors.wake))
        case .none:
            return
        }
        segment?.control.slot(slot).resetChildLine()
        var env = Config.processEnvironment()
        for (k, v) in config.environment { env[k] = v }
        var request = SpawnRequest(path: executable, arguments: args, environment: env.map { "\($0.key)=\($0.value)" },
                                   descriptors: descriptors)
        request.ownProcessGroup = true
        do {
            let pid = try Spawn.start(request)
            log.info("started \(kind)", ["slot": "\(slot)", "pid": "\(pid)", "generation": "\(generation)"])
            _ = execute(core.handle(.spawned(slot: slot, pid: pid, now: now)))
        } catch {
            _ = execute(core.handle(.spawnFailed(slot: slot, reason: "\(error)", now: now)))
        }
    }

    /// Mirrors the core's child table into the control block for `status` and health.
    func publishTable() {
        guard let seg = segment else { return }
        let c = seg.control
        c.word(Layout.Control.workersWanted).storeRelaxed(UInt64(core.workersWanted))
        c.word(Layout.Control.reloadGeneration).storeRelaxed(core.generation)
        c.word(Layout.Control.lastReload).storeRelaxed(lastReload.rawValue)
        var workerRestarts: UInt64 = 0
        var feederRestarts: UInt64 = 0
        for child in core.children {
            let slot = c.slot(child.slot)
            if child.kind == .worker { workerRestarts += child.restarts } else if child.kind == .feeder { feederRestarts += child.restarts }
            if slot.state == child.state && slot.pid == child.pid && slot.restarts == child.restarts && slot.generation == child.generation { continue }
            slot.publish(state: child.state, kind: child.state == .free ? .none : child.kind, pid: child.pid,
                         startRealtimeNs: child.state == .free ? 0 : realtime(fromMonotonic: child.startedNs),
                         restarts: child.restarts, generation: child.generation)
        }
        c.word(Layout.Control.workerRestartsTotal).storeRelaxed(workerRestarts)
        c.word(Layout.Control.feederRestartsTotal).storeRelaxed(feederRestarts)
    }

    private func realtime(fromMonotonic ns: Int64) -> Int64 {
        ns == 0 ? 0 : Clock.realtimeNanos() - (Clock.monotonicNanos() - ns)
    }
}
