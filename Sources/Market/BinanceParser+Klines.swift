/// REST klines: `GET /api/v3/klines` (and `/fapi/v1/klines`) rows of 12 elements.
extension BinanceParser {
    /// One row `[openTime,"o","h","l","c","v",closeTime,"q",count,"V","Q","ignore"]`.
    public func parseKlineRow(_ row: UnsafeRawBufferPointer) -> Result<KlineBar, MalformedReason> {
        guard let start = row.baseAddress, row.count > 0 else { return .failure(.truncated) }
        var scanner = makeScanner(start, row.count)
        do throws(MalformedReason) {
            let bar = try scanner.klineRow()
            scanner.skipWhitespace()
            guard scanner.pos == scanner.end else { throw .trailingBytes }
            return .success(bar)
        } catch {
            return .failure(error)
        }
    }

    /// A whole klines body (`[[…],[…]]`): calls `handle` per row in order; returns the rows
    /// parsed, or the reason the body is malformed (rows before it were already handled).
    public func parseKlineRows(
        _ body: UnsafeRawBufferPointer, _ handle: (KlineBar) -> Void
    ) -> Result<Int, MalformedReason> {
        guard let start = body.baseAddress, body.count > 0 else { return .failure(.truncated) }
        var scanner = makeScanner(start, body.count)
        do throws(MalformedReason) {
            try scanner.expect(0x5B)
            var n = 0
            if try scanner.peek() == 0x5D {
                scanner.pos += 1
            } else {
                while true {
                    handle(try scanner.klineRow())
                    n += 1
                    let c = try scanner.peek()
                    scanner.pos += 1
                    if c == 0x2C { continue }
                    guard c == 0x5D else { throw .unexpectedByte }
                    break
                }
            }
            scanner.skipWhitespace()
            guard scanner.pos == scanner.end else { throw .trailingBytes }
            return .success(n)
        } catch {
            return .failure(error)
        }
    }
}

extension FrameScanner {
    mutating func klineRow() throws(MalformedReason) -> KlineBar {
        try expect(0x5B)
        let openTime = try integerElement()
        try expect(0x2C)
        let open = try decimalString()
        try expect(0x2C)
        let high = try decimalString()
        try expect(0x2C)
        let low = try decimalString()
        try expect(0x2C)
        let close = try decimalString()
        try expect(0x2C)
        let volume = try decimalString()
        try expect(0x2C)
        let closeTime = try integerElement()
        try expect(0x2C)
        let quoteVolume = try decimalString()
        try expect(0x2C)
        let count = try integerElement()
        try expect(0x2C)
        let takerBase = try decimalString()
        try expect(0x2C)
        let takerQuote = try decimalString()
        try expect(0x2C)
        try skipValue()  // "ignore"
        try expect(0x5D)
        // A row has no trade ids: the bar keeps Binance's "none" (-1) as its `f` and `L`.
        return KlineBar(
            openTime: openTime, closeTime: closeTime, open: open, high: high, low: low, close: close,
            volume: volume, quoteVolume: quoteVolume, tradeCount: count, takerBuyBase: takerBase,
            takerBuyQuote: takerQuote)
    }

    /// An array element that must be an `Int64` integer.
    mutating func integerElement() throws(MalformedReason) -> Int64 {
        let c = try peek()
        guard c == 0x2D || (c >= 0x30 && c <= 0x39) else { throw .unexpectedByte }
        let (v, isInteger) = try number()
        guard isInteger else { throw .badNumber }
        return v
    }
}
