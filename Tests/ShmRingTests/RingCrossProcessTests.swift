import Glibc
import Posix
import Testing
@testable import ShmRing

/// A writer in another process (`tterminal-bench writer`), this process reading.
@Suite("Event ring across processes")
struct RingCrossProcessTests {
    static let records = 100_000

    /// `tterminal-bench`, built beside this test bundle (same scratch path, same configuration).
    static func benchBinary() -> String? {
        let me = Spawn.selfExecutable
        guard let slash = me.lastIndex(of: "/") else { return nil }
        let candidate = String(me[..<slash]) + "/tterminal-bench"
        return access(candidate, X_OK) == 0 ? candidate : nil
    }

    /// Starts a writer process on the segment behind `fd`.
    static func startWriter(_ bench: String, fd: Int32) throws -> pid_t {
        // posix_spawn's dup2 needs the source off the target number.
        let source = fcntl(fd, F_DUPFD_CLOEXEC, 64)
        defer { close(source) }
        return try Spawn.start(SpawnRequest(path: bench, arguments: ["writer", "--records", "\(records)"],
                                            descriptors: [(source: source, target: 3)]))
    }

    /// Reads until `final`, checking every record; returns (accepted, missed) or nil on timeout.
    static func read(_ reader: inout RingReader, until final: UInt64) -> (accepted: UInt64, missed: UInt64)? {
        let deadline = Clock.monotonicNanos() + 30_000_000_000
        let tally = ReaderTally()
        var previous = reader.lastSequence
        TestSupport.withScratch(64 * 1024) { buffer in
            while reader.lastSequence < final && Clock.monotonicNanos() < deadline {
                let delivered = reader.drain(into: buffer) { result, payload in
                    RingStressTests.check(result, payload, tally, &previous)
                }
                if delivered == 0 { usleep(100) }
            }
        }
        #expect(tally.torn == 0 && tally.outOfOrder == 0 && tally.unexplainedGaps == 0)
        return reader.lastSequence >= final ? (UInt64(tally.accepted), tally.missed) : nil
    }

    @Test("records a writer process publishes arrive intact here, and a second writer process starts the next epoch")
    func writerProcess() throws {
        let bench = try #require(Self.benchBinary(),
            "tterminal-bench not found beside \(Spawn.selfExecutable): build it with the same scratch path, e.g. swift build --scratch-path .build-ring")
        let (segment, fd) = try TestSupport.segmentAndDescriptor(ringCapacity: 16 << 20, symbols: 1)
        defer { close(fd) }
        var reader = RingReader(segment: segment, start: .latest)
        let perWriter = UInt64(Self.records) + 1  // an epoch start, then the records

        var epochs: [UInt64] = []
        for epoch in 1...2 {
            let pid = try Self.startWriter(bench, fd: fd)
            let final = perWriter * UInt64(epoch)
            let before = reader.lastSequence
            let seen = try #require(Self.read(&reader, until: final), "no sequence \(final) from writer \(epoch) in 30 s")
            #expect(seen.accepted + seen.missed == final - before)
            #expect(Wait.waitFor(pid, timeoutMillis: 10_000) == Posix.ExitStatus.exited(0))
            epochs.append(reader.epoch)
        }
        #expect(epochs.count == 2 && epochs[0] == reader.firstEpoch && epochs[1] == epochs[0] + 1)
        #expect(reader.laps == 0)
    }
}
