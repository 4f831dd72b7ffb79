import Glibc
import Market
import Posix
import ShmRing
import Store

/// How the heatmap's book snapshots are binned (`book_snapshots`, migrations/0005): price
/// levels are summed into bins of a fixed step per symbol and market, each bin named by its
/// lower edge (`floor(price / step) × step`), bids best (highest) first, asks best first.
enum BookBinning {
    /// The step is about a 100 000th of the price (0.1 basis point), rounded down to 1, 2
    /// or 5 × 10^k: BTC at 100 000 → 1, ETH at 3 500 → 0.02, ADA at 0.7 → 0.000005. Fine
    /// enough that the state tables' top 100 levels still make several bins; chosen once per
    /// symbol and market (from its first book) so a series of snapshots lines up.
    static let priceDivisor: Int64 = 100_000

    /// The mid price, or the one side there is.
    static func referencePrice(bestBid: Int64?, bestAsk: Int64?) -> Int64? {
        switch (bestBid, bestAsk) {
        case let (b?, a?) where b > 0 && a > 0: return b / 2 + a / 2
        case let (b?, _) where b > 0: return b
        case let (_, a?) where a > 0: return a
        default: return nil
        }
    }

    /// The largest 1, 2 or 5 × 10^k (fixed point) not above `price / priceDivisor`; at least
    /// the smallest step (1e-8).
    static func binSize(forPrice price: Int64) -> Int64 {
        let target = max(1, price / priceDivisor)
        var decade: Int64 = 1
        while decade <= target / 10 { decade *= 10 }
        for m: Int64 in [5, 2] where decade * m <= target { return decade * m }
        return decade
    }

    /// Sums `levels` (best first, so bins come out in order) into bins of `size`; levels with
    /// no quantity are skipped; a bin's sum saturates rather than wraps.
    static func bin<C: Collection>(_ levels: C, size: Int64) -> [BinnedLevel] where C.Element == BookLevel {
        var out: [BinnedLevel] = []
        out.reserveCapacity(min(levels.count, 256))
        for level in levels where level.quantity > 0 && level.price >= 0 {
            let edge = level.price / size * size
            if let last = out.last, last.price == edge {
                let (sum, overflow) = last.quantity.addingReportingOverflow(level.quantity)
                out[out.count - 1].quantity = overflow ? Int64.max : sum
            } else {
                out.append(BinnedLevel(price: edge, quantity: level.quantity))
            }
        }
        return out
    }
}

/// Periodic snapshots of every book in the state tables, for the heatmap: every `periodMs`
/// (aligned to the clock, so a restart within a period writes nothing twice) each synced
/// book that changed in the last `staleMs` becomes a binned row.
struct BookSampler {
    let tables: StateTables
    let periodMs: Int64
    static let staleMs: Int64 = 300_000
    private var nextMs: Int64 = 0
    private let bids: UnsafeMutableBufferPointer<BookLevel>
    private let asks: UnsafeMutableBufferPointer<BookLevel>

    init(tables: StateTables, periodSeconds: Int) {
        self.tables = tables
        periodMs = Int64(periodSeconds) * 1000
        let n = max(1, tables.geometry.bookLevels)
        bids = .allocate(capacity: n)
        asks = .allocate(capacity: n)
    }

    /// Frees the level buffers (the sampler is not used after).
    func release() {
        bids.deallocate()
        asks.deallocate()
    }

    /// Adds a snapshot of each book to `converter` when a period has begun since the last.
    mutating func sample(nowMs: Int64, into converter: inout PersistConverter) {
        guard periodMs > 0 else { return }
        let due = nowMs / periodMs * periodMs
        guard due >= nextMs else { return }
        nextMs = due + periodMs
        for (index, name) in converter.symbols.enumerated() where index < tables.capacity {
            for market in MarketKind.allCases {
                guard let top = tables.book(symbolIndex: index, market: market, bids: bids, asks: asks), top.isSynced,
                      top.bidCount + top.askCount > 0, nowMs - top.receivedNs / 1_000_000 < Self.staleMs else { continue }
                converter.book(symbolIndex: index, name: name, market: market, timeMs: due, updateId: top.lastUpdateId,
                               bids: UnsafeBufferPointer(rebasing: bids[0..<Int(top.bidCount)]),
                               asks: UnsafeBufferPointer(rebasing: asks[0..<Int(top.askCount)]))
            }
        }
    }
}
