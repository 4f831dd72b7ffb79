/// One (time bucket, price row) cell of the liquidity heatmap.
public struct HeatmapCell: Sendable, Equatable {
    /// Bucket start, ms.
    public var timeMs: Int64
    /// The row's lower bound.
    public var price: Double
    /// Resting quantity (bids plus asks) in the row, averaged over the bucket's snapshots.
    public var volume: Double
    /// `volume / max`, in 0…1.
    public var intensity: Double
}

/// Resting liquidity over time from order-book snapshots (`/aggregation/heatmap`).
///
/// Price rows: the nice step giving about `resolution` (clamped to 10…500) rows over the
/// lowest to the highest price seen, never more than 500. Time: buckets of `bucketMs`. A
/// cell's volume is the sum of the bid and ask quantities in its row in each snapshot,
/// averaged over the snapshots in its bucket (a snapshot with nothing in the row counts as 0).
/// Empty cells are omitted; no snapshots give no cells (there is no fallback from candles).
public struct LiquidityHeatmap: Sendable, Equatable {
    public var symbol: String
    public var startMs: Int64
    public var endMs: Int64
    public var bucketMs: Int64
    /// The row height used (0 when there are no cells).
    public var priceStep: Double
    /// Oldest bucket first, then price ascending.
    public var cells: [HeatmapCell]
    /// The largest cell volume (0 when there are no cells).
    public var max: Double
    /// Snapshots (bad time) and levels (NaN or negative numbers) dropped as invalid.
    public var skipped: Int

    public init(snapshots: [BookSnapshot], symbol: String, startMs: Int64, endMs: Int64,
                bucketMs: Int64 = 60_000, resolution: Int = Analytics.defaultRows) {
        self.symbol = symbol
        self.startMs = startMs
        self.endMs = endMs
        self.bucketMs = bucketMs
        priceStep = 0
        cells = []
        max = 0
        let (valid, skipped) = Self.validated(snapshots)
        self.skipped = skipped
        let rows = Swift.min(Swift.max(resolution, 10), 500)
        let (low, high) = Self.priceRange(valid)
        guard bucketMs > 0, let grid = PriceGrid(low: low, high: high, tick: nil, rows: rows, maxRows: 500) else { return }
        priceStep = grid.step.value
        cells = Self.cells(valid, grid: grid, bucketMs: bucketMs)
        max = cells.reduce(0) { Swift.max($0, $1.volume) }
        if max > 0 {
            for k in cells.indices { cells[k].intensity = cells[k].volume / max }
        }
    }

    /// Per bucket of time-sorted snapshots, the mean quantity per row (intensity left at 0).
    private static func cells(_ valid: [BookSnapshot], grid: PriceGrid, bucketMs: Int64) -> [HeatmapCell] {
        var cells: [HeatmapCell] = []
        var i = 0
        while i < valid.count {
            let start = bucketStart(valid[i].timeMs, width: bucketMs)
            var sums = Array(repeating: 0.0, count: grid.count)
            var j = i
            while j < valid.count && bucketStart(valid[j].timeMs, width: bucketMs) == start {
                for level in valid[j].bids { sums[grid.row(of: level.price)] += level.quantity }
                for level in valid[j].asks { sums[grid.row(of: level.price)] += level.quantity }
                j += 1
            }
            let snapshotCount = Double(j - i)
            for (r, sum) in sums.enumerated() where sum > 0 {
                cells.append(HeatmapCell(timeMs: start, price: grid.price(ofRow: r), volume: sum / snapshotCount, intensity: 0))
            }
            i = j
        }
        return cells
    }

    private static func priceRange(_ snapshots: [BookSnapshot]) -> (low: Double, high: Double) {
        var low = Double.infinity
        var high = -Double.infinity
        for s in snapshots {
            for level in s.bids { low = Swift.min(low, level.price); high = Swift.max(high, level.price) }
            for level in s.asks { low = Swift.min(low, level.price); high = Swift.max(high, level.price) }
        }
        return (low, high)
    }

    /// Snapshots with a non-negative time, sorted by time, each keeping only its valid levels.
    private static func validated(_ snapshots: [BookSnapshot]) -> ([BookSnapshot], skipped: Int) {
        var skipped = 0
        var valid: [BookSnapshot] = []
        valid.reserveCapacity(snapshots.count)
        for s in snapshots {
            guard s.timeMs >= 0 else { skipped += 1; continue }
            if s.bids.allSatisfy(\.isValid) && s.asks.allSatisfy(\.isValid) {
                valid.append(s) // shares the level arrays, no copy
                continue
            }
            var kept = s
            kept.bids = s.bids.filter(\.isValid)
            kept.asks = s.asks.filter(\.isValid)
            skipped += s.bids.count - kept.bids.count + s.asks.count - kept.asks.count
            valid.append(kept)
        }
        if !valid.indices.dropFirst().allSatisfy({ valid[$0 - 1].timeMs <= valid[$0].timeMs }) {
            valid.sort { $0.timeMs < $1.timeMs }
        }
        return (valid, skipped)
    }
}
