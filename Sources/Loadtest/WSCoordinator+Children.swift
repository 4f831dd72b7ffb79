import Glibc
import Posix

/// One client process as the parent sees it.
struct ClientChild {
    var pid: Int32
    /// The parent's ends: commands out, reports in.
    var controlFD: Int32
    var reportFD: Int32
    var buffer = ByteStash()
    var latest: ChildReport?
    /// When `latest` arrived (monotonic ns).
    var latestAt: Int64 = 0
    var final: ChildReport?
    /// Its report pipe ended (it exited or died).
    var gone = false
}

extension WSCoordinator {
    func spawnChildren() throws(LoadtestError) {
        for index in 0..<config.processes {
            do throws(SystemError) {
                let control = try ClientSocket.pipe()
                let report = try ClientSocket.pipe()
                var request = SpawnRequest(
                    path: executable,
                    arguments: [Loadtest.childRole, "--index", "\(index)", "--parent", "\(getpid())"] + config.arguments,
                    descriptors: [(control.read, WSClientProcess.controlFD), (report.write, WSClientProcess.reportFD)])
                request.resetSignals = true
                // A terminal's Ctrl-C (and `timeout`'s signal to its group) reaches only this
                // process, which stops the clients in order and reports; they end on "stop" or
                // when this process is gone (end of file on their control pipe).
                request.ownProcessGroup = true
                let pid: Int32
                do throws(SystemError) {
                    pid = try Spawn.start(request)
                } catch {
                    [control.read, control.write, report.read, report.write].forEach(FD.close)
                    throw error
                }
                FD.close(control.read)
                FD.close(report.write)
                try FD.setNonBlocking(report.read)
                children.append(ClientChild(pid: pid, controlFD: control.write, reportFD: report.read))
            } catch {
                stopChildren()
                throw LoadtestError("cannot start client process \(index): \(error)")
            }
        }
    }

    /// Waits for reports at most `timeoutMillis` and reads every line that arrived.
    func pollChildren(timeoutMillis: Int32) {
        var fds = children.map { pollfd(fd: $0.gone ? -1 : $0.reportFD, events: Int16(POLLIN), revents: 0) }
        fds.append(pollfd(fd: stopSignalFD, events: Int16(POLLIN), revents: 0))  // wakes for INT/TERM (-1: ignored)
        let ready = fds.withUnsafeMutableBufferPointer { poll($0.baseAddress, nfds_t($0.count), timeoutMillis) }
        guard ready > 0 else { return }
        for index in children.indices where fds[index].revents != 0 { readReports(index) }
    }

    func readReports(_ index: Int) {
        if !children[index].buffer.fill(from: children[index].reportFD) { children[index].gone = true }
        while let line = children[index].buffer.takeLine() {
            guard let report = ChildReport(line: line[...]) else { continue }
            switch report.kind {
            case .progress:
                children[index].latest = report
                children[index].latestAt = Clock.monotonicNanos()
            case .final: children[index].final = report
            }
        }
    }

    /// Reaps every child (killing those that did not finish in time) and merges the reports.
    func finishChildren() -> RunReport {
        stopChildren()
        var missing = 0
        for child in children where child.final == nil { missing += 1 }
        for index in children.indices { children[index].buffer.release() }
        var report = RunReport.merge(children.compactMap(\.final), config: config)
        report.processesWithoutReport = missing
        report.addSamples(samples, servers: servers)
        return report
    }

    /// Tells the children to stop and reaps them, reading what they still report; after 5 s
    /// whatever is left is killed.
    func stopChildren() {
        for child in children { try? FD.writeAll(child.controlFD, "stop\n") }
        var running = Set(children.map(\.pid))
        let deadline = Clock.monotonicNanos() + 5_000_000_000
        while !running.isEmpty && Clock.monotonicNanos() < deadline {
            pollChildren(timeoutMillis: 20)
            var status: Int32 = 0
            for pid in running where waitpid(pid, &status, WNOHANG) == pid { running.remove(pid) }
        }
        for pid in running {
            _ = Signal.kill.send(to: pid)
            _ = Wait.waitFor(pid, timeoutMillis: 2_000)
        }
        for index in children.indices where !children[index].gone { readReports(index) }
    }
}
