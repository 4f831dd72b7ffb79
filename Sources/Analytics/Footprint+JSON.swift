extension Footprint {
    /// Appends `{"symbol","interval","data":[{"t","l":[{"p","bv","sv","d"}],"tbv","tsv","td",
    /// "poc"}],"count"}` (API §1.4), `count` being the number of candles.
    public func appendJSON(to out: inout [UInt8]) {
        JSONWriter.write(into: &out) { w in
            w.raw("{")
            w.key("symbol", first: true); w.string(symbol)
            w.key("interval"); w.string(interval)
            w.key("data"); w.raw("[")
            for (i, candle) in candles.enumerated() {
                if i > 0 { w.raw(",") }
                w.raw("{")
                w.key("t", first: true); w.integer(candle.timeMs)
                w.key("l"); w.raw("[")
                for (j, level) in candle.levels.enumerated() {
                    if j > 0 { w.raw(",") }
                    w.raw("{")
                    w.key("p", first: true); w.number(level.price)
                    w.key("bv"); w.number(level.buyVolume)
                    w.key("sv"); w.number(level.sellVolume)
                    w.key("d"); w.number(level.delta)
                    w.raw("}")
                }
                w.raw("]")
                w.key("tbv"); w.number(candle.buyVolume)
                w.key("tsv"); w.number(candle.sellVolume)
                w.key("td"); w.number(candle.delta)
                w.key("poc"); w.number(candle.poc)
                w.raw("}")
            }
            w.raw("]")
            w.key("count"); w.integer(candles.count)
            w.raw("}")
        }
    }
}
