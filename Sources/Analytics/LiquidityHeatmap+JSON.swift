extension LiquidityHeatmap {
    /// Appends `{"s","st","et","l":[{"p","t","v","i"}],"max","step","dt"}`: the API's shape
    /// (§1.4) plus the row height and bucket width, which the frontend ignores.
    public func appendJSON(to out: inout [UInt8]) {
        JSONWriter.write(into: &out) { w in
            w.window(symbol: symbol, startMs: startMs, endMs: endMs, cells) { w, cell in
                w.key("p", first: true); w.number(cell.price)
                w.key("t"); w.integer(cell.timeMs)
                w.key("v"); w.number(cell.volume)
                w.key("i"); w.number(cell.intensity)
            }
            w.key("max"); w.number(max)
            w.key("step"); w.number(priceStep)
            w.key("dt"); w.integer(bucketMs)
            w.raw("}")
        }
    }
}
