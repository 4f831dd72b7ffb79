import Testing
@testable import Analytics

@Suite("Point of control and value area")
struct ProfileMathTests {
    @Test("the value area of [1,2,5,10,4,3,1] grows from the POC to rows 2 through 4")
    func knownDistribution() throws {
        let volumes: [Double] = [1, 2, 5, 10, 4, 3, 1]
        let poc = try #require(ProfileMath.pointOfControl(volumes))
        #expect(poc == 3)
        // 10 → +5 below (5 > 4) = 15 → +4 above (4 > 2) = 19 ≥ 18.2 (70 % of 26).
        #expect(ProfileMath.valueArea(volumes, poc: poc, percent: 70) == 2...4)
    }

    @Test("equal neighbours join the value area together")
    func tieAddsBoth() {
        #expect(ProfileMath.valueArea([1, 3, 10, 3, 1], poc: 2, percent: 70) == 1...3)
    }

    @Test("a side with no rows left stops competing")
    func exhaustedSide() {
        #expect(ProfileMath.valueArea([10, 1, 1, 1], poc: 0, percent: 70) == 0...0)
        #expect(ProfileMath.valueArea([10, 1, 1, 1], poc: 0, percent: 90) == 0...2)
        #expect(ProfileMath.valueArea([10, 1, 1, 1], poc: 0, percent: 100) == 0...3)
    }

    @Test("empty rows left at the value area's edge are trimmed")
    func trimsEmptyEdges() {
        // 10 → rows 2 and 4 (both empty) → row 1 (5 > 0) = 15 ≥ 14: 1…4, trimmed to 1…3.
        #expect(ProfileMath.valueArea([0, 5, 0, 10, 0, 0, 5], poc: 3, percent: 70) == 1...3)
    }

    @Test("out-of-range percents are clamped and NaN means 70")
    func percents() {
        let volumes: [Double] = [1, 2, 5, 10, 4, 3, 1]
        #expect(ProfileMath.valueArea(volumes, poc: 3, percent: 0) == 3...3)
        #expect(ProfileMath.valueArea(volumes, poc: 3, percent: -5) == 3...3)
        #expect(ProfileMath.valueArea(volumes, poc: 3, percent: 250) == 0...6)
        #expect(ProfileMath.valueArea(volumes, poc: 3, percent: .nan) == 2...4)
    }

    @Test("tied POCs resolve to the row nearest the middle, then the lower", arguments: [
        ([5, 1, 5, 1, 5], 2), ([5, 5, 1, 1], 1), ([1, 5, 5, 1], 1), ([7, 0, 0, 0, 0, 0, 7], 0), ([0, 3], 1),
    ] as [([Double], Int)])
    func pocTies(volumes: [Double], expected: Int) {
        #expect(ProfileMath.pointOfControl(volumes) == expected)
    }

    @Test("no POC without volume")
    func noPOC() {
        #expect(ProfileMath.pointOfControl([]) == nil)
        #expect(ProfileMath.pointOfControl([0, 0, 0]) == nil)
    }
}
