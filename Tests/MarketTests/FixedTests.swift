import Testing
@testable import Market

@Suite("Fixed-point decimals")
struct FixedTests {
    @Test("Binance decimals parse to 8-decimal integers", arguments: [
        ("61837.63000000", Int64(6_183_763_000_000)), ("0.00000001", 1), ("12", 1_200_000_000),
        ("-0.5", -50_000_000), ("0", 0), ("1.12345678000", 112_345_678), ("92233720368.54775807", Int64.max),
    ])
    func parses(text: String, value: Int64) {
        #expect(Fixed.parse(text) == value)
    }

    @Test("malformed or imprecise numbers are rejected", arguments: ["", "-", ".", "1.2.3", "abc", "1e5", "1.000000001", "92233720368.54775808", " 1"])
    func rejects(text: String) {
        #expect(Fixed.parse(text) == nil)
    }

    @Test("formatting trims trailing zeros and round-trips")
    func formats() {
        #expect(Fixed.format(6_183_763_000_000) == "61837.63")
        #expect(Fixed.format(1) == "0.00000001")
        #expect(Fixed.format(-50_000_000) == "-0.5")
        #expect(Fixed.format(1_200_000_000) == "12")
        for v: Int64 in [0, 1, 99, 123_456_789_012, -7, Int64.max] {
            #expect(Fixed.parse(Fixed.format(v)) == v)
        }
    }
}
