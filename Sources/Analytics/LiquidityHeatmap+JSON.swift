extension LiquidityHeatmap {
    /// Appends `{"s","st","et","l":[{"p","t","v","i"}],"max","step","dt"}`: the API's shape
    /// (§1.4) plus the row height and bucket width, which the frontend ignores.
    public func appendJSON(to out: inout [UInt8]) {
        JSONWriter.write(into: &out) { w in
            w.raw("{")
            w.key("s", first: true); w.string(symbol)
            w.key("st"); w.integer(startMs)
            w.key("et"); w.integer(endMs)
            w.key("l"); w.raw("[")
            for (i, cell) in cells.enumerated() {
                if i > 0 { w.raw(",") }
                w.raw("{")
                w.key("p", first: true); w.number(cell.price)
                w.key("t"); w.integer(cell.timeMs)
                w.key("v"); w.number(cell.volume)
                w.key("i"); w.number(cell.intensity)
                w.raw("}")
            }
            w.raw("]")
            w.key("max"); w.number(max)
            w.key("step"); w.number(priceStep)
            w.key("dt"); w.integer(bucketMs)
            w.raw("}")
        }
    }
}
