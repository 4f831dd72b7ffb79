import Testing
@testable import Store

@Suite("COPY text format")
struct CopyTextTests {
    func line(_ build: (inout CopyText) -> Void) -> String {
        var t = CopyText()
        build(&t)
        t.endRow()
        return String(decoding: t.bytes, as: UTF8.self)
    }

    @Test("fixed-point values print as PostgreSQL prints the NUMERIC, trailing zeros trimmed")
    func decimals() {
        let cases: [(Int64, String)] = [
            (0, "0"), (1, "0.00000001"), (-1, "-0.00000001"), (100_000_000, "1"), (4_200_010_000_000, "42000.1"),
            (6_183_763_000_000, "61837.63"), (12_345_678_901_234_567, "123456789.01234567"),
            (Int64.max, "92233720368.54775807"), (Int64.min, "-92233720368.54775808"), (-150_000_000, "-1.5"),
        ]
        for (v, s) in cases { #expect(StoreDecimal.format(v) == s, "\(v)") }
    }

    @Test("columns are tab-separated, NULL is \\N, and special characters are escaped")
    func escaping() {
        #expect(line { $0.text("a\tb\nc\\d\re") } == "a\\tb\\nc\\\\d\\re\n")
        #expect(line { $0.integer(-42); $0.integer(nil); $0.boolean(true); $0.boolean(false) } == "-42\t\\N\tt\tf\n")
        #expect(line { $0.text("x\u{0}y"); $0.text("") } == "xy\t\n", "NUL bytes are left out; an empty text is empty")
        #expect(line { $0.text("BTCUSDT"); $0.decimal(1) } == "BTCUSDT\t0.00000001\n")
    }

    @Test("decimal arrays are array literals")
    func arrays() {
        #expect(line { $0.decimalArray([Int64]()); $0.decimalArray([150_000_000, 1, -225_000_000]) } == "{}\t{1.5,0.00000001,-2.25}\n")
    }

    @Test("rows are counted and removeAll starts afresh")
    func rows() {
        var t = CopyText()
        t.integer(1); t.endRow(); t.integer(2); t.endRow()
        #expect(t.rows == 2)
        t.removeAll()
        t.integer(3); t.endRow()
        #expect(String(decoding: t.bytes, as: UTF8.self) == "3\n" && t.rows == 1)
    }

    @Test("an error prints on one line")
    func oneLine() {
        let e = PostgresError(context: "connect to x", message: "refused\n\tIs the server running?\n")
        #expect(e.oneLine == "connect to x: refused Is the server running?")
    }

    @Test("URL parameters are added unless present")
    func urlParameters() {
        #expect(Postgres.url("postgres://h/db", adding: [("a", "1")]) == "postgres://h/db?a=1")
        #expect(Postgres.url("postgres://h/db?sslmode=disable&a=5", adding: [("a", "1"), ("b", "2")])
            == "postgres://h/db?sslmode=disable&a=5&b=2")
    }
}
