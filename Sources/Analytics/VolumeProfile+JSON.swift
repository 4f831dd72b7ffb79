extension VolumeProfile {
    /// Appends `{"s","st","et","l":[{"p","v","pct","bv","sv"}],"poc","vah","val","vav","tick"}`:
    /// the API's shape (§1.4) plus per-level buy/sell volume and the row height, which the
    /// frontend ignores.
    public func appendJSON(to out: inout [UInt8]) {
        JSONWriter.write(into: &out) { w in
            w.window(symbol: symbol, startMs: startMs, endMs: endMs, levels) { w, level in
                w.key("p", first: true); w.number(level.price)
                w.key("v"); w.number(level.volume)
                w.key("pct"); w.number(level.percent)
                w.key("bv"); w.number(level.buyVolume)
                w.key("sv"); w.number(level.sellVolume)
            }
            w.key("poc"); w.number(poc)
            w.key("vah"); w.number(valueAreaHigh)
            w.key("val"); w.number(valueAreaLow)
            w.key("vav"); w.number(valueAreaPercent)
            w.key("tick"); w.number(tickSize)
            w.raw("}")
        }
    }
}
