/// Market analytics computed from candles, trades and order-book snapshots: volume profile,
/// footprint, CVD and the liquidity heatmap (README "Analytics" gives each formula).
public enum Analytics {}
