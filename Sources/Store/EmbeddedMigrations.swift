extension Migration {
    /// The migrations built into the binary (`Sources/Store/migrations`, embedded by the package
    /// manifest), ordered by version, so a binary copied anywhere carries the schema it expects.
    /// A new migration file is listed here too; `MigrationFileTests` fails until it is.
    public static let embedded: [Migration] = [
        embed(1, "create_symbols", PackageResources._001_create_symbols_up_sql, PackageResources._001_create_symbols_down_sql),
        embed(2, "create_candles", PackageResources._002_create_candles_up_sql, PackageResources._002_create_candles_down_sql),
        embed(3, "create_trades", PackageResources._003_create_trades_up_sql, PackageResources._003_create_trades_down_sql),
        embed(4, "create_liquidations", PackageResources._004_create_liquidations_up_sql,
              PackageResources._004_create_liquidations_down_sql),
        embed(5, "create_book_snapshots", PackageResources._005_create_book_snapshots_up_sql,
              PackageResources._005_create_book_snapshots_down_sql),
    ]

    private static func embed(_ version: Int, _ name: String, _ up: [UInt8], _ down: [UInt8]) -> Migration {
        Migration(version: version, name: name, up: String(decoding: up, as: UTF8.self), down: String(decoding: down, as: UTF8.self))
    }
}
