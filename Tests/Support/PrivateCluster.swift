import Glibc

/// A throwaway PostgreSQL cluster for tests that stop the database under a writer: initdb
/// into a temporary folder (as the postgres user when running as root, since PostgreSQL
/// refuses root), a free loopback port, and `destroy()` stops it and deletes the folder.
public final class PrivateCluster {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let bin: String
    public let dir: String
    public let port: Int
    private var destroyed = false

    public var data: String { dir + "/data" }
    public var url: String { "postgres://postgres@127.0.0.1:\(port)/postgres?sslmode=disable" }

    public init() throws {
        bin = getenv("PG_BIN").map { String(cString: $0) } ?? "/usr/lib/postgresql/15/bin"
        guard access(bin + "/initdb", X_OK) == 0 else { throw Failure(description: "no initdb in \(bin) (set PG_BIN)") }
        var template = Array("/tmp/tt-pg-test-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw Failure(description: "mkdtemp failed: errno \(errno)") }
        dir = String(cString: made)
        port = Self.freePort(from: 55500 + Int(getpid()) % 400)
        if getuid() == 0, let pw = getpwnam("postgres") { chown(dir, pw.pointee.pw_uid, pw.pointee.pw_gid) }
        do {
            try run("\(bin)/initdb -D \(data) -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync", log: "initdb.log")
            // synchronous_commit stays on: with it off, a crash loses commits the client was
            // told about, and the test would see rows missing that the persister did write.
            let conf = """
                listen_addresses = '127.0.0.1'
                port = \(port)
                unix_socket_directories = '\(dir)'
                fsync = off
                full_page_writes = off
                max_connections = 20
                shared_buffers = 16MB
                """
            // Appending keeps the file's owner (the postgres user).
            guard let f = fopen(data + "/postgresql.conf", "a") else { throw Failure(description: "cannot open postgresql.conf") }
            fputs(conf + "\n", f)
            fclose(f)
            try start()
        } catch {
            destroy()
            throw error
        }
    }

    deinit { destroy() }

    /// Starts the server and waits until it accepts connections.
    public func start() throws {
        try run("\(bin)/pg_ctl -D \(data) -l \(dir)/postgres.log -w -t 60 start", log: "pg_ctl.log")
    }

    /// Kills the server the way a crash would (`-m immediate`): connections drop at once.
    public func stopImmediately() throws {
        try run("\(bin)/pg_ctl -D \(data) -m immediate -w -t 60 stop", log: "pg_ctl.log")
    }

    /// Stops the server (if it runs) and deletes the folder. Idempotent.
    public func destroy() {
        guard !destroyed else { return }
        destroyed = true
        _ = try? run("\(bin)/pg_ctl -D \(data) -m immediate -w -t 30 stop", log: "pg_ctl.log")
        _ = Self.shell("rm -rf '\(dir)'")
    }

    /// Runs `command` as the cluster's owner from `/`, output appended to `log` in the folder.
    private func run(_ command: String, log: String) throws {
        let owner = getuid() == 0 ? "runuser -u postgres -- " : ""
        let quoted = command.replacingQuotes
        let status = Self.shell("cd / && \(owner)sh -c '\(quoted)' >> '\(dir)/\(log)' 2>&1")
        guard status == 0 else {
            throw Failure(description: "`\(command)` exited with \(status); see \(dir)/\(log)")
        }
    }

    /// `/bin/sh -c command`; its exit status.
    public static func shell(_ command: String) -> Int32 {
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sh"), strdup("-c"), strdup(command), nil]
        defer { argv.forEach { free($0) } }
        guard posix_spawn(&pid, "/bin/sh", nil, nil, argv, environ) == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// The first loopback port from `start` that nothing listens on.
    public static func freePort(from start: Int) -> Int {
        for port in start..<(start + 200) {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = in_port_t(UInt16(port).bigEndian)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            let rc = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            close(fd)
            if rc == 0 { return port }
        }
        return start
    }
}

extension String {
    /// The string inside single quotes for `sh`: each `'` becomes `'\''`.
    public var replacingQuotes: String {
        var out = ""
        for c in self { if c == "'" { out += "'\\''" } else { out.append(c) } }
        return out
    }
}
