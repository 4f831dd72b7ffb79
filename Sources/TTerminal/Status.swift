import ArgumentParser
import Glibc
import Runtime
import ShmRing
import Supervisor

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the running server's children, pids, uptime, restarts, ring position and lag.")

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Option(help: "The segment name (default: SHM_NAME, or /tterminal-<PORT>).")
    var segment: String?

    func run() throws {
        let name: String
        if let segment {
            name = segment
        } else {
            do {
                name = try Config.segmentName()
            } catch {
                FileHandleStderr.write("tterminal status: configuration error: \(error)\n")
                throw ExitCode(2)
            }
        }
        let seg: Segment
        do {
            seg = try Segment.open(name: name)
        } catch {
            FileHandleStderr.write("tterminal status: no running server on segment \(name): \(error)\n")
            throw ExitCode(1)
        }
        let report = StatusReport(segment: seg)
        print(json ? report.json() : report.table(), terminator: json ? "\n" : "")
        if !report.supervisorAlive { throw ExitCode(3) }
    }
}
