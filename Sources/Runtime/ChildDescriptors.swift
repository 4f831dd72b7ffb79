/// Where a child finds what the supervisor hands it: fixed descriptor numbers, chosen high
/// so that placing them (dup2 in order) never overwrites a descriptor still to be placed.
public enum ChildDescriptors {
    /// The shared-memory segment.
    public static let segment: Int32 = 100
    /// The listening socket (workers).
    public static let listen: Int32 = 101
    /// The worker's own wake-up eventfd.
    public static let wake: Int32 = 102
    /// The feeder gets every slot's eventfd at `wakeBase + slot`, to wake the workers; so does
    /// each worker, to wake another to take connections it left on the shared socket.
    public static let wakeBase: Int32 = 128
    /// Descriptors in the supervisor must stay below this for the placement to be safe.
    public static let sourceLimit: Int32 = 100
}

/// Exit codes every role uses.
public enum ProcessExit {
    public static let ok: Int32 = 0
    public static let failure: Int32 = 1
    /// Fatal: configuration or environment is wrong; restarting will not help.
    public static let fatal: Int32 = 2
}
