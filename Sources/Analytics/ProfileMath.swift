/// Point of control and value area over a dense column of per-row volumes (row 0 = lowest
/// price). Shared by the volume profile and the footprint.
enum ProfileMath {
    /// The row with the most volume; nil when there is none or every row is zero.
    ///
    /// Ties go to the row nearest the middle of the column (`|2r − (n−1)|` smallest), then to
    /// the lower row: a flat profile's POC sits in the middle of the range, not at an edge.
    static func pointOfControl(_ volumes: [Double]) -> Int? {
        var best: Int?
        var bestVolume = 0.0
        let n = volumes.count
        for (r, v) in volumes.enumerated() where v > 0 {
            guard let b = best else { best = r; bestVolume = v; continue }
            if v > bestVolume || (v == bestVolume && abs(2 * r - (n - 1)) < abs(2 * b - (n - 1))) {
                best = r
                bestVolume = v
            }
        }
        return best
    }

    /// The contiguous value area: start at `poc` and repeatedly add the neighbouring row
    /// (one below the area vs one above it) with the larger volume, until the area holds at
    /// least `percent` of the total volume. On a tie both rows are added in the same step, so
    /// neither direction is favoured. A side that runs out of rows stops competing. Empty rows
    /// left at the area's edges are trimmed off.
    /// `percent` outside 0…100 is clamped; NaN means 70.
    static func valueArea(_ volumes: [Double], poc: Int, percent: Double) -> ClosedRange<Int> {
        let share = percent.isNaN ? Analytics.defaultValueAreaPercent : min(max(percent, 0), 100)
        let total = volumes.reduce(0, +)
        let target = total * share / 100 * (1 - 1e-12) // tolerate rounding in the running sum
        var low = poc
        var high = poc
        var inside = volumes[poc]
        while inside < target && (low > 0 || high < volumes.count - 1) {
            let below = low > 0 ? volumes[low - 1] : -1
            let above = high < volumes.count - 1 ? volumes[high + 1] : -1
            if above > below {
                high += 1
                inside += above
            } else if below > above {
                low -= 1
                inside += below
            } else { // equal, hence both exist (volumes are ≥ 0, the sentinel is −1)
                low -= 1
                high += 1
                inside += above + below
            }
        }
        // Adding an empty row never crosses the target, but a tie of two empty rows can leave
        // one at an edge: trim those, the area's volume is unchanged.
        while low < poc && volumes[low] == 0 { low += 1 }
        while high > poc && volumes[high] == 0 { high -= 1 }
        return low...high
    }
}
