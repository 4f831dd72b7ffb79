import Market
import Runtime
import ShmRing
import Synchronization

/// The symbols the feeder streams, in `SymbolID` order: the configured ones, then those added
/// at run time (by this feeder or, kept in the state tables' directory, by one before it). The
/// list only grows. Any thread: connection threads compare `version` with the table their
/// parser holds on every frame (one relaxed load) and take a fresh copy when it moved.
final class FeedSymbols: @unchecked Sendable {
    private let lock = Mutex()
    private var table: BinanceSymbolTable
    private let changes = Atomic<Int>(0)

    init(_ names: [String]) {
        table = BinanceSymbolTable(names)
    }

    /// Moves on each addition.
    var version: Int { changes.load(ordering: .acquiring) }

    /// The table as it is now, and the version it belongs to.
    var snapshot: (table: BinanceSymbolTable, version: Int) {
        lock.withLock { (table, changes.load(ordering: .relaxed)) }
    }

    var count: Int { lock.withLock { table.count } }

    var names: [String] { lock.withLock { table.names } }

    /// The name of `id`, or `?` for an id this list does not hold.
    func name(_ id: SymbolID) -> String {
        lock.withLock { Int(id) < table.count ? table.name(id) : "?" }
    }

    func contains(_ name: String) -> Bool { lock.withLock { table.names.contains(name) } }

    /// Appends `name`; its id, or nil when the list is full or holds it already.
    func add(_ name: String) -> SymbolID? {
        lock.withLock {
            guard !table.names.contains(name), table.count < BinanceSymbolTable.capacity, let id = table.add(name) else {
                return nil
            }
            changes.add(1, ordering: .releasing)
            return id
        }
    }

    /// The configured symbols, then the names the directory holds after them (symbols a
    /// feeder before this one added at run time; the segment outlives feeders), up to the
    /// first gap, an unusable name or a repeat.
    static func resumed(configured: [String], tables: StateTables) -> [String] {
        var names = configured
        var index = configured.count
        while index < min(tables.capacity, BinanceSymbolTable.capacity), let name = tables.symbolName(index: index),
              Config.normalizedSymbol(name) == name, !names.contains(name) {
            names.append(name)
            index += 1
        }
        return names
    }
}
