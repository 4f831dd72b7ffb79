/// One price row of a volume profile.
public struct VolumeLevel: Sendable, Equatable {
    /// The row's lower bound; the row covers `[price, price + tickSize)`.
    public var price: Double
    public var volume: Double
    /// Taker-buy part of `volume`.
    public var buyVolume: Double
    /// Taker-sell part of `volume`.
    public var sellVolume: Double
    /// `volume / total × 100`.
    public var percent: Double
}

/// How to bin a volume profile.
public struct VolumeProfileOptions: Sendable, Equatable {
    /// Row height; nil (or invalid) picks the nice step giving about `rows` rows.
    public var tickSize: Double?
    /// Target row count for the automatic step, clamped to 1…1000 (the result has between
    /// `rows / √2` and `rows · √2` rows, never more than 1000).
    public var rows: Int
    /// The value area's share of total volume, in percent.
    public var valueAreaPercent: Double

    public init(tickSize: Double? = nil, rows: Int = Analytics.defaultRows,
                valueAreaPercent: Double = Analytics.defaultValueAreaPercent) {
        self.tickSize = tickSize
        self.rows = rows
        self.valueAreaPercent = valueAreaPercent
    }
}

/// A binned volume profile with its point of control and contiguous value area
/// (`/aggregation/volume-profile`, `/aggregation/multi`'s `volume_profile`).
///
/// Rows are aligned multiples of `tickSize` over [lowest low, highest high]; more than 1000
/// rows from a given tick coarsen it (×2, ×5, ×10, …). `poc`, `valueAreaHigh` and
/// `valueAreaLow` are row prices (lower bounds): `valueAreaHigh` is the price of the highest
/// row in the area, not its upper edge. Empty input (or zero total volume) gives no levels and
/// zeros.
public struct VolumeProfile: Sendable, Equatable {
    public var symbol: String
    public var startMs: Int64
    public var endMs: Int64
    /// The row height used (0 when there are no rows).
    public var tickSize: Double
    /// Rows with volume, by volume descending (ties: lower price first), as the API has it.
    public var levels: [VolumeLevel]
    public var totalVolume: Double
    public var poc: Double
    public var valueAreaHigh: Double
    public var valueAreaLow: Double
    public var valueAreaPercent: Double
    /// Samples dropped as invalid (NaN, negative, low > high, taker buy > volume).
    public var skipped: Int

    /// The profile of 1m (or any) candles, each candle's volume spread over its range.
    public init(candles: [CandleSample], symbol: String, startMs: Int64, endMs: Int64,
                options: VolumeProfileOptions = VolumeProfileOptions()) {
        let valid = candles.filter(\.isValid)
        var low = Double.infinity
        var high = -Double.infinity
        for c in valid {
            low = min(low, c.low)
            high = max(high, c.high)
        }
        var bins = Self.bins(low: low, high: high, options: options)
        for c in valid { bins?.add(c) }
        self.init(bins: bins, symbol: symbol, startMs: startMs, endMs: endMs, options: options,
                  skipped: candles.count - valid.count)
    }

    /// The profile of individual trades, each in the row holding its price.
    public init(trades: [TradeSample], symbol: String, startMs: Int64, endMs: Int64,
                options: VolumeProfileOptions = VolumeProfileOptions()) {
        let valid = trades.filter(\.isValid)
        var low = Double.infinity
        var high = -Double.infinity
        for t in valid {
            low = min(low, t.price)
            high = max(high, t.price)
        }
        var bins = Self.bins(low: low, high: high, options: options)
        for t in valid { bins?.add(t) }
        self.init(bins: bins, symbol: symbol, startMs: startMs, endMs: endMs, options: options,
                  skipped: trades.count - valid.count)
    }

    private static func bins(low: Double, high: Double, options: VolumeProfileOptions) -> ProfileBins? {
        PriceGrid(low: low, high: high, tick: options.tickSize, rows: options.rows, maxRows: Analytics.maxRows)
            .map(ProfileBins.init(grid:))
    }

    private init(bins: ProfileBins?, symbol: String, startMs: Int64, endMs: Int64,
                 options: VolumeProfileOptions, skipped: Int) {
        self.symbol = symbol
        self.startMs = startMs
        self.endMs = endMs
        let percent = options.valueAreaPercent
        valueAreaPercent = percent.isNaN ? Analytics.defaultValueAreaPercent : min(max(percent, 0), 100)
        self.skipped = skipped
        tickSize = 0
        levels = []
        totalVolume = 0
        poc = 0
        valueAreaHigh = 0
        valueAreaLow = 0
        guard let bins else { return }
        let volumes = bins.volumes
        guard let pocRow = ProfileMath.pointOfControl(volumes) else { return }
        let grid = bins.grid
        let area = ProfileMath.valueArea(volumes, poc: pocRow, percent: valueAreaPercent)
        let total = volumes.reduce(0, +)
        tickSize = grid.step.value
        totalVolume = total
        poc = grid.price(ofRow: pocRow)
        valueAreaLow = grid.price(ofRow: area.lowerBound)
        valueAreaHigh = grid.price(ofRow: area.upperBound)
        levels = volumes.indices.filter { volumes[$0] > 0 }.map { r in
            VolumeLevel(price: grid.price(ofRow: r), volume: volumes[r], buyVolume: bins.buy[r],
                        sellVolume: bins.sell[r], percent: volumes[r] / total * 100)
        }
        levels.sort { $0.volume != $1.volume ? $0.volume > $1.volume : $0.price < $1.price }
    }
}
