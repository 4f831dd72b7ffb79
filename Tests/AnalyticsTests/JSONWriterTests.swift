import Testing
@testable import Analytics

@Suite("JSON writer")
struct JSONWriterTests {
    private func write(_ body: (inout JSONWriter) -> Void) -> String {
        var out: [UInt8] = Array("prefix ".utf8)
        JSONWriter.write(into: &out, body)
        return String(decoding: out, as: UTF8.self)
    }

    @Test("doubles print in shortest round-trip form; NaN and infinities print as 0", arguments: [
        (0.1, "0.1"), (108894.7, "108894.7"), (2, "2.0"), (0.00001, "1e-05"), (1e16, "1e+16"), (-0.0, "0.0"),
        (.nan, "0"), (.infinity, "0"), (-.infinity, "0"), (-3.25, "-3.25"),
    ] as [(Double, String)])
    func numbers(value: Double, text: String) {
        #expect(write { $0.number(value) } == "prefix " + text)
    }

    @Test("integers print exactly, extremes included", arguments: [
        (Int64(0), "0"), (7, "7"), (1_748_105_400_000, "1748105400000"), (-42, "-42"),
        (.max, "9223372036854775807"), (.min, "-9223372036854775808"),
    ])
    func integers(value: Int64, text: String) {
        #expect(write { $0.integer(value) } == "prefix " + text)
    }

    @Test("strings are escaped")
    func strings() {
        #expect(write { $0.string("a\"b\\c\nd\u{01}é") } == #"prefix "a\"b\\c\u000ad\u0001é""#)
    }

    @Test("keys are separated by commas")
    func keys() {
        #expect(write { w in w.raw("{"); w.key("a", first: true); w.integer(1); w.key("b"); w.integer(2); w.raw("}") }
            == #"prefix {"a":1,"b":2}"#)
    }
}
