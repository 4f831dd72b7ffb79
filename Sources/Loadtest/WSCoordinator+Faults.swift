import Posix

/// A fault as the parent applied it.
public struct FaultEvent: Sendable {
    public var spec: FaultSpec
    /// When it struck, seconds into the window; nil when it never did.
    public var appliedSeconds: Double?
    /// The same, seconds since the run started (the timeline's axis).
    public var runSeconds: Double?
    /// What it hit (`KILL to worker pid 4122 (slot 1)`), or why nothing was hit.
    public var target: String?
    public var error: String?

    public init(spec: FaultSpec, appliedSeconds: Double? = nil, target: String? = nil, error: String? = nil) {
        self.spec = spec
        self.appliedSeconds = appliedSeconds
        self.target = target
        self.error = error
    }
}

extension WSCoordinator {
    /// When the next fault is due (monotonic ns), nil when none is left or the window is not set.
    var nextFaultDue: Int64? {
        guard let window, nextFault < config.faults.count else { return nil }
        return window.start + Int64(config.faults[nextFault].atSeconds * 1e9)
    }

    /// Applies every fault that is due. The children hear of it first, with its wall-clock
    /// time, so the disconnects it causes are counted against it and "live again" means a
    /// trade the feeder received after it.
    func applyDueFaults(now: Int64) {
        while let due = nextFaultDue, now >= due, let window {
            let spec = config.faults[nextFault]
            let struck = Clock.monotonicNanos()
            let wallMicros = Clock.realtimeNanos() / 1000
            // A feed fault on a venue or symbol the clients do not subscribe to affects only
            // those it disconnects.
            let reaches = spec.reaches(subscription: config.subscribe)
            for child in children { try? FD.writeAll(child.controlFD, "fault \(nextFault) \(wallMicros) \(reaches ? 1 : 0)\n") }
            var event = FaultEvent(spec: spec, appliedSeconds: Double(struck - window.start) / 1e9)
            event.runSeconds = Double(struck - runStarted) / 1e9
            switch injector.apply(spec) {
            case .success(let target): event.target = target
            case .failure(let error): event.error = error.description
            }
            faultEvents.append(event)
            nextFault += 1
            if progress { log("fault \(spec): " + (event.target ?? "not applied: \(event.error ?? "")")) }
        }
    }
}
