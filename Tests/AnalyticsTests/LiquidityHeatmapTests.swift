import Testing
@testable import Analytics

@Suite("Liquidity heatmap")
struct LiquidityHeatmapTests {
    private func heatmap(_ snapshots: [BookSnapshot], resolution: Int = 10) -> LiquidityHeatmap {
        LiquidityHeatmap(snapshots: snapshots, symbol: "BTCUSDT", startMs: 0, endMs: 120_000,
                         bucketMs: 60_000, resolution: resolution)
    }

    @Test("bids and asks are binned by price and averaged over the bucket's snapshots")
    func binsAndAverages() {
        let snapshots = [
            BookSnapshot(timeMs: 30_000, bids: [(99, 3)], asks: [(101, 1), (102, 4)]),
            BookSnapshot(timeMs: 0, bids: [(99, 1), (98, 2)], asks: [(101, 3)]),
            BookSnapshot(timeMs: 60_000, bids: [(100, 5)], asks: []),
        ]
        let h = heatmap(snapshots)
        #expect(h.priceStep == 0.5) // 4 / 10 = 0.4 is nearer 0.5 than 0.25: 9 rows over 98…102
        #expect(h.cells.map(\.timeMs) == [0, 0, 0, 0, 60_000])
        #expect(h.cells.map(\.price) == [98, 99, 101, 102, 100])
        #expect(h.cells.map(\.volume) == [1, 2, 2, 2, 5])
        #expect(h.cells.map(\.intensity) == [0.2, 0.4, 0.4, 0.4, 1])
        #expect(h.max == 5)
    }

    @Test("a book with nothing resting has no cells and zero max, never NaN")
    func zeroQuantities() {
        let h = heatmap([BookSnapshot(timeMs: 0, bids: [(100, 0)], asks: [(101, 0)])])
        #expect(h.cells.isEmpty)
        #expect(h.max == 0)
        #expect(encoded(h.appendJSON).contains(#""l":[],"max":0.0"#))
    }

    @Test("no snapshots give an empty heatmap, not one made up from candles")
    func empty() {
        #expect(encoded(heatmap([]).appendJSON) ==
            #"{"s":"BTCUSDT","st":0,"et":120000,"l":[],"max":0.0,"step":0.0,"dt":60000}"#)
    }

    @Test("bad levels and snapshots are skipped and counted")
    func badInput() {
        let snapshots = [
            BookSnapshot(timeMs: 0, bids: [(.nan, 1), (100, -1), (100, 2)], asks: [(.infinity, 1)]),
            BookSnapshot(timeMs: -1, bids: [(100, 1)], asks: []),
        ]
        let h = heatmap(snapshots)
        #expect(h.skipped == 4)
        #expect(h.cells.map(\.volume) == [2])
    }

    @Test("resolution is clamped to 10…500 rows, and 500 is a hard cap")
    func resolution() {
        let wide = BookSnapshot(timeMs: 0, bids: (0..<2000).map { (1000 + Double($0) * 0.1, 1) }, asks: [])
        #expect(Set(heatmap([wide], resolution: 5_000).cells.map(\.price)).count <= 500)
        #expect(Set(heatmap([wide], resolution: 1).cells.map(\.price)).count <= 15)
    }

    @Test("the JSON has the API's cells plus the row height and bucket width")
    func json() {
        let h = heatmap([BookSnapshot(timeMs: 5000, bids: [(100, 2)], asks: [])], resolution: 100)
        #expect(encoded(h.appendJSON) ==
            #"{"s":"BTCUSDT","st":0,"et":120000,"l":[{"p":100.0,"t":0,"v":2.0,"i":1.0}],"max":2.0,"step":0.01,"dt":60000}"#)
    }
}
