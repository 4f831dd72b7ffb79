import ArgumentParser
import Feeder
import Glibc
import Posix
import Runtime
import ShmRing
import Worker

/// Attaches to the segment the supervisor handed over at a fixed descriptor, or exits fatally.
func attachSegmentOrExit(role: String, log: Logger) -> Segment {
    let segment: Segment
    do {
        segment = try Segment.attach(fd: ChildDescriptors.segment, writable: true)
    } catch {
        log.critical("cannot attach the shared-memory segment (run `tterminal serve`, not the \(role) role directly): \(error)")
        Glibc.exit(ProcessExit.fatal)
    }
    // A child never outlives its supervisor: a TERM (read through the signalfd, so it is a
    // graceful stop) when the supervisor dies, and no start at all if it is already gone.
    if !Signals.followParent(segment.control.supervisorPid, with: .term) {
        log.error("the supervisor is gone; not starting")
        Glibc.exit(ProcessExit.failure)
    }
    return segment
}

struct FeederRole: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "feeder", abstract: "(internal) The feeder role, started by the supervisor.", shouldDisplay: false)

    @Option var slot: Int = 0

    func run() throws {
        Signals.block([.term, .int, .quit, .hup, .usr1, .ttin, .ttou])
        Signals.ignorePipe()
        let config = loadConfigOrExit(role: "feeder")
        let log = Logger(role: "feeder", level: config.logLevel, path: config.logFile)
        let segment = attachSegmentOrExit(role: "feeder", log: log)
        do {
            let feeder = try FeederProcess(config: config, logger: log, segment: segment, slot: slot)
            Glibc.exit(feeder.run())
        } catch {
            log.critical("feeder cannot start: \(error)")
            Glibc.exit(ProcessExit.fatal)
        }
    }
}

struct WorkerRole: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "worker", abstract: "(internal) A worker, started by the supervisor.", shouldDisplay: false)

    @Option var slot: Int
    @Option var generation: UInt64 = 1

    func run() throws {
        Signals.block([.term, .int, .quit, .hup, .usr1, .ttin, .ttou])
        Signals.ignorePipe()
        let config = loadConfigOrExit(role: "worker")
        let log = Logger(role: "worker.\(slot)", level: config.logLevel, path: config.logFile)
        let segment = attachSegmentOrExit(role: "worker", log: log)
        let worker = WorkerProcess(config: config, logger: log, segment: segment, slot: slot)
        Glibc.exit(worker.run(listenFD: ChildDescriptors.listen, wakeFD: ChildDescriptors.wake))
    }
}
