import Market

/// Binance prints decimals with a fixed number of places (`"61837.63000000"` on spot,
/// `"61800.30"` on futures); `JSONBytes.fixedString` trims, so the simulator adds this.
extension JSONBytes {
    /// `v` as a JSON string with at least `places` decimals (more when `v` needs them, so the
    /// value always survives the round trip).
    public mutating func decimal(_ v: Int64, places: Int) {
        raw("\"")
        if v < 0 { raw("-") }
        let magnitude = v.magnitude
        let scale = UInt64(Fixed.scale)
        integer(Int64(magnitude / scale))
        var fraction = magnitude % scale
        var needed = Fixed.decimals
        var probe = fraction
        if probe == 0 { needed = 0 } else { while probe % 10 == 0 { probe /= 10; needed -= 1 } }
        let count = min(Fixed.decimals, max(places, needed))
        if count > 0 {
            raw(".")
            var divisor = scale / 10
            for _ in 0..<count {
                digit(Int(fraction / divisor))
                fraction %= divisor
                divisor /= 10
            }
        }
        raw("\"")
    }

    mutating func digit(_ d: Int) {
        switch d {
        case 0: raw("0")
        case 1: raw("1")
        case 2: raw("2")
        case 3: raw("3")
        case 4: raw("4")
        case 5: raw("5")
        case 6: raw("6")
        case 7: raw("7")
        case 8: raw("8")
        default: raw("9")
        }
    }

    /// `"key":` followed by an integer.
    public mutating func member(_ k: StaticString, _ v: Int64, first: Bool = false) {
        key(k, first: first)
        integer(v)
    }

    /// `"key":"1.23000000"`.
    public mutating func member(_ k: StaticString, decimal v: Int64, places: Int) {
        key(k)
        decimal(v, places: places)
    }

    public mutating func member(_ k: StaticString, _ v: Bool) {
        key(k)
        bool(v)
    }

    public mutating func member(_ k: StaticString, ascii s: String, first: Bool = false) {
        key(k, first: first)
        asciiString(s)
    }
}
