import Glibc
import Posix
import Store
import ShmRing

/// Checks the database every few seconds on its own thread and publishes the answer in the
/// control block, so the feeder's ring writer never waits on a network round trip.
enum DatabaseProbe {
    static func start(url: String?, control: ControlBlock, intervalSeconds: UInt32 = 5) {
        let word = control.word(Layout.Control.databaseState)
        let checked = control.word(Layout.Control.databaseCheckedRealtimeNs)
        guard let url else {
            word.storeRelaxed(DatabaseState.notConfigured.rawValue)
            return
        }
        word.storeRelaxed(DatabaseState.unknown.rawValue)
        let body: @Sendable () -> Void = {
            while true {
                let ok = Postgres.ping(url: url)
                word.storeRelaxed(ok ? DatabaseState.healthy.rawValue : DatabaseState.unhealthy.rawValue)
                var ts = timespec()
                clock_gettime(CLOCK_REALTIME, &ts)
                checked.storeRelaxed(UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec))
                sleep(intervalSeconds)
            }
        }
        DetachedThread.start(body)
    }
}
