import Glibc
import Posix
import ShmRing

/// (1) The bare eventfd floor: the parent stores a CLOCK_MONOTONIC stamp in shared memory
/// and signals a child's eventfd; the child, blocked in poll, wakes, reads the eventfd and
/// the stamp, and records now − stamp (one-way), then answers on a second eventfd.
struct PingFloor {
    let samples: Int
    let warmup: Int
    let intervalMicros: Int

    /// The one-way samples (ns), warm-up dropped.
    func run() -> [Int64] {
        let results = ResultsArea.create()
        let ping = Children.makeEventFD()
        let pong = Children.makeEventFD()
        let total = warmup + samples
        let child = Children.spawn("ping-child", ["--samples", "\(total)"], descriptors: [
            (ping, Children.eventFD), (results.fd, Children.resultsFD), (pong, Children.pongFD),
        ])
        guard results.waitReady(1) else { Arguments.fail("ping child did not start") }
        for _ in 0..<total {
            usleep(UInt32(intervalMicros))
            // Pairs with the loadAcquiring in `PingChild.run`.
            results.stamp.storeReleasing(UInt64(Clock.monotonicNanos()))
            EventFD.signal(ping)
            guard EventFD.wait(pong, timeoutMillis: 5_000) else { Arguments.fail("ping child stopped answering") }
            EventFD.drain(pong)
        }
        Children.reap([child])
        close(ping)
        close(pong)
        return Array(results.child(0).copySamples().dropFirst(warmup))
    }
}

/// The child side of the ping: eventfd at 4, results at 5, pong at 6.
struct PingChild {
    let samples: Int

    init(_ arguments: Arguments) { samples = arguments.int("samples", default: 1_000) }

    func run() -> Never {
        let results = ResultsArea.inherited()
        let figures = results.child(0)
        results.ready.increment()
        for _ in 0..<samples {
            guard EventFD.wait(Children.eventFD, timeoutMillis: 10_000) else { exit(1) }
            EventFD.drain(Children.eventFD)
            // Pairs with the storeReleasing in `PingFloor.run`.
            let stamp = Int64(bitPattern: results.stamp.loadAcquiring())
            figures.record(sample: Clock.monotonicNanos() - stamp)
            EventFD.signal(Children.pongFD)
        }
        exit(0)
    }
}
