/// `tterminal loadtest`: the load-test harness (DESIGN.md §7). `WSLoadConfig` describes a
/// WebSocket run, `WSCoordinator` runs it from the parent process over `WSClientProcess`
/// children (one epoll thread each), and `RunReport` is what comes out.
public enum Loadtest {
    /// A child holds at most this many sockets, well under the 20,000 descriptors a process
    /// may open (its epoll, pipes and the runtime's descriptors need a few more).
    public static let socketsPerProcess = 15_000

    /// The role argument a child is started with (`/proc/self/exe loadtest-client …`).
    public static let childRole = "loadtest-client"
}

/// A bad option or an impossible run, said in words.
public struct LoadtestError: Error, CustomStringConvertible, Equatable, Sendable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
