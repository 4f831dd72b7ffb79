import Posix
import ShmRing

/// The symbols a worker serves: names ↔ the indices records and the state tables use.
/// Called on the loop's thread only.
public protocol SymbolDirectory: AnyObject {
    /// The index of an upper-case symbol, or nil when this server does not stream it.
    func index(of name: String) -> UInt32?
    /// The name of symbol `index`, or nil.
    func name(of index: UInt32) -> String?
    /// The symbols served, for the error that refuses any other.
    var servedNames: [String] { get }
    /// The symbols may have changed (a new feeder started): read them again when next asked.
    func invalidate()
}

extension SymbolDirectory {
    public func invalidate() {}
}

/// A directory that takes any symbol, numbering names as they come: for a worker with no
/// market data behind it (tests, the demo server).
final class OpenSymbolDirectory: SymbolDirectory {
    private var indices: [String: UInt32] = [:]
    private var names: [String] = []

    func index(of name: String) -> UInt32? {
        if let i = indices[name] { return i }
        let i = UInt32(names.count)
        indices[name] = i
        names.append(name)
        return i
    }

    func name(of index: UInt32) -> String? { Int(index) < names.count ? names[Int(index)] : nil }

    var servedNames: [String] { names }
}

/// The state tables' directory, cached: the feeder registers its symbols when it starts
/// (maybe after this worker did) and when one is added at run time, so the cache is read again
/// when a name is missing and the directory's generation moved (at once: a client subscribing
/// right after a symbol was added finds it), else at most every `refreshNs` (a client asking
/// for unknown symbols in a loop costs one atomic load), and when a new feeder starts.
final class StateTableDirectory: SymbolDirectory {
    let tables: StateTables
    let refreshNs: Int64
    private var names: [String?] = []
    private var indices: [String: UInt32] = [:]
    private var refreshedAt: Int64 = .min / 2
    private var generation: UInt64 = 0
    private let clock: () -> Int64

    /// The configuration's symbols, in the order the feeder registers them: the directory
    /// until the feeder has (a client may subscribe while the server is starting).
    let configured: [String]

    init(tables: StateTables, configured: [String] = [], refreshNs: Int64 = 50_000_000,
         clock: @escaping () -> Int64 = { Clock.monotonicNanos() }) {
        self.tables = tables
        self.configured = Array(configured.prefix(tables.capacity))
        self.refreshNs = refreshNs
        self.clock = clock
        refresh()
    }

    func index(of name: String) -> UInt32? {
        if let i = indices[name] { return i }
        refreshIfDue()
        return indices[name]
    }

    func name(of index: UInt32) -> String? {
        if Int(index) < names.count, let name = names[Int(index)] { return name }
        refreshIfDue()
        return Int(index) < names.count ? names[Int(index)] : nil
    }

    var servedNames: [String] { names.compactMap { $0 } }

    /// Reads the directory again at the next miss, whenever it came (a new feeder's epoch).
    func invalidate() { refreshedAt = .min / 2 }

    private func refreshIfDue() {
        if tables.directoryGeneration != generation || clock() - refreshedAt >= refreshNs { refresh() }
    }

    private func refresh() {
        refreshedAt = clock()
        generation = tables.directoryGeneration
        names = (0..<tables.capacity).map { tables.symbolName(index: $0) }
        while names.last.map({ $0 == nil }) == true { names.removeLast() }
        if names.isEmpty { names = configured }
        indices = [:]
        for (i, name) in names.enumerated() { if let name { indices[name] = UInt32(i) } }
    }
}
