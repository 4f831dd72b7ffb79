import Testing
@testable import Analytics

@Suite("Nice steps and price grids")
struct NiceStepTests {
    @Test("the smallest nice step at least a minimum is 1, 2, 2.5 or 5 times a power of ten", arguments: [
        (0.37, 5, 1), (3, 5, 0), (0.021, 25, 3), (1, 1, 0), (0.1, 1, 1), (1.3e-8, 2, 8), (120, 200, 0), (2.2, 25, 1),
    ] as [(Double, Int64, Int)])
    func atLeast(minimum: Double, units: Int64, decimals: Int) throws {
        let step = try #require(NiceStep.atLeast(minimum))
        #expect(step == PriceStep(units: units, decimals: decimals))
        #expect(step.value >= minimum)
    }

    @Test("no nice step exists for zero, negative or non-finite minimums", arguments: [0, -1, .nan, .infinity])
    func noStep(minimum: Double) {
        #expect(NiceStep.atLeast(minimum) == nil)
        #expect(NiceStep.forSpan(minimum, rows: 100) == nil)
    }

    @Test("a given tick becomes the exact decimal it names", arguments: [
        (0.1, 1, 1), (0.25, 25, 2), (5, 5, 0), (0.00001, 1, 5), (2.5, 25, 1), (1e-8, 1, 8),
    ] as [(Double, Int64, Int)])
    func exactTick(tick: Double, units: Int64, decimals: Int) {
        #expect(PriceStep(tick: tick) == PriceStep(units: units, decimals: decimals))
    }

    @Test("ticks with too many decimals are rounded at the last decimal that fits")
    func roundedTick() {
        #expect(PriceStep(tick: 1.0 / 3) == PriceStep(units: 3_333_333_333_333_333, decimals: 16))
        #expect(PriceStep(tick: 123_456_789_012.345_678_9) == PriceStep(units: 1_234_567_890_123_457, decimals: 4))
    }

    @Test("bad ticks are refused", arguments: [0, -0.1, .nan, .infinity, 1e300])
    func badTick(tick: Double) {
        #expect(PriceStep(tick: tick) == nil)
    }

    @Test("row prices print as the decimals they are")
    func rowPrices() throws {
        let grid = try #require(PriceGrid(low: 108894.7, high: 108903.8, tick: 0.1, rows: 100, maxRows: 1000))
        #expect(grid.count == 92)
        #expect(grid.price(ofRow: 0) == 108894.7)
        #expect(grid.price(ofRow: 0).description == "108894.7")
        #expect(grid.price(ofRow: 91) == 108903.8)
        #expect(grid.row(of: 108894.75) == 0)
        #expect(grid.row(of: 108903.8) == 91)
    }

    @Test("a price on a row boundary belongs to the row it starts")
    func boundary() throws {
        let grid = try #require(PriceGrid(low: 100, high: 101, tick: 0.1, rows: 100, maxRows: 1000))
        #expect(grid.row(of: 100.3) == 3)
        #expect(grid.row(of: 100.29999) == 2)
        #expect(grid.row(ofUpperEnd: 100.3) == 2)
        #expect(grid.row(ofUpperEnd: 100.35) == 3)
    }

    @Test("a given tick too fine for the row cap is coarsened by 2, 5, 10, 20")
    func coarsened() throws {
        let grid = try #require(PriceGrid(low: 100, high: 200, tick: 0.01, rows: 100, maxRows: 1000))
        #expect(grid.step == PriceStep(units: 2, decimals: 1))
        #expect(grid.count == 501)
    }

    @Test("the step about a target picks the nearer nice step in ratio", arguments: [
        (557, 100, 5, 0), (1.5, 100, 2, 2), (316, 100, 25, 1), (100, 100, 1, 0), (0.004, 10, 5, 4),
    ] as [(Double, Int, Int64, Int)])
    func about(span: Double, rows: Int, units: Int64, decimals: Int) {
        #expect(NiceStep.about(span, rows: rows) == PriceStep(units: units, decimals: decimals))
    }

    @Test("the automatic step gives about the rows asked for, never more than the cap")
    func automaticRows() throws {
        for span in [1.0, 3.7, 123.45, 0.00123, 9_999.9, 0.5, 557, 316] {
            for rows in [10, 100, 1000] {
                let low = 1234.5678
                let grid = try #require(PriceGrid(low: low, high: low + span, tick: nil, rows: rows, maxRows: 1000))
                #expect(grid.count <= min(Int(Double(rows) * 2.0.squareRoot()) + 2, 1000))
                // Near the cap the step may have to be the next nice one up (2.5 times coarser).
                let fewest = rows * 2 <= 1000 ? Double(rows) / 2.0.squareRoot() - 1 : Double(rows) / 2.5
                #expect(Double(grid.count) >= fewest)
            }
        }
    }

    @Test("a zero price range is one row")
    func zeroRange() throws {
        let grid = try #require(PriceGrid(low: 0.3512, high: 0.3512, tick: nil, rows: 100, maxRows: 1000))
        #expect(grid.count == 1)
        #expect(grid.price(ofRow: 0) == 0.3512)
    }

    @Test("no grid for empty, inverted or non-finite bounds", arguments: [
        (Double.infinity, -Double.infinity), (2, 1), (.nan, 1), (-1, 1), (0, 1),
    ] as [(Double, Double)])
    func noGrid(low: Double, high: Double) {
        #expect(PriceGrid(low: low, high: high, tick: nil, rows: 100, maxRows: 1000) == nil)
    }
}
