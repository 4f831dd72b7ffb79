/// Market analytics computed from candles, trades, order-book snapshots and liquidations: the
/// volume profile, footprint, CVD, liquidity heatmap and liquidation list the REST API serves.
///
/// Every computation is a pure function from plain input structs (`CandleSample`, `TradeSample`,
/// `BookSnapshot`, `LiquidationEvent`) to a result struct with an `appendJSON(to:)` encoder.
/// Nothing here traps on empty input, zero ranges, NaN or negative values: bad samples are
/// skipped and counted in the result's `skipped`.
///
/// Prices are binned on a `PriceGrid`: bin `k` covers `[k·step, (k+1)·step)` and is reported by
/// its **lower bound** `k·step`, so a trade at an exchange tick lands on its own price.
public enum Analytics {
    /// The value-area share used when none is given (percent of total volume).
    public static let defaultValueAreaPercent = 70.0
    /// Price rows aimed at when no tick size is given.
    public static let defaultRows = 100
    /// The most price rows a volume profile or footprint grid may have.
    public static let maxRows = 1000
}
