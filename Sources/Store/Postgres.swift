import CLibPQ
import Glibc
import Posix

/// A PostgreSQL error: what was being done and libpq's message.
public struct PostgresError: Error, CustomStringConvertible, Equatable {
    public let context: String
    public let message: String
    /// The server's SQLSTATE (`23505`, `57P01`…), empty when the error came from libpq
    /// itself (no connection, the connection broke).
    public var sqlState: String = ""
    public var description: String { "\(context): \(message.trimmingTrailingNewlines)" }

    /// The statement's data was refused (SQLSTATE class 22, data exception, e.g. a value too
    /// long or out of range) or broke a constraint (23): the caller's input, not the database.
    public var isClientData: Bool { sqlState.hasPrefix("22") || sqlState.hasPrefix("23") }

    /// The connection is gone: libpq's own error (no SQLSTATE), a connection exception (08),
    /// or the server shutting down or restarting (57P01–57P03).
    public var isConnectionLoss: Bool { sqlState.isEmpty || sqlState.hasPrefix("08") || sqlState.hasPrefix("57P") }

    /// The description on one line (libpq's messages carry newlines and tabs), for logs and status.
    public var oneLine: String {
        var out = ""
        var space = false
        for c in description {
            if c == "\n" || c == "\t" || c == "\r" || c == " " {
                space = true
            } else {
                if space && !out.isEmpty { out.append(" ") }
                space = false
                out.append(c)
            }
        }
        return out
    }
}

/// One libpq connection, closed when the owner goes away. Blocking: use it off the hot path
/// (the migration command, the feeder's persistence thread).
public final class PostgresConnection {
    let conn: OpaquePointer

    /// Connects to a `postgres://` URL; `connect_timeout` defaults to 5 s.
    public init(url: String, connectTimeoutSeconds: Int = 5) throws(PostgresError) {
        let conninfo = Postgres.withDefaults(url, connectTimeoutSeconds: connectTimeoutSeconds)
        guard let c = PQconnectdb(conninfo) else { throw PostgresError(context: "connect", message: "out of memory") }
        guard PQstatus(c) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(c))
            PQfinish(c)
            throw PostgresError(context: "connect to \(Postgres.redacted(url))", message: message)
        }
        conn = c
        // Notices (a server shutting down warns each session) would go to stderr; drop them.
        PQsetNoticeProcessor(c, { _, _ in }, nil)
        _ = try? execute("SET client_min_messages TO warning")
    }

    deinit { PQfinish(conn) }

    /// Runs one or more statements without parameters; returns the rows of the last one as text.
    @discardableResult
    public func execute(_ sql: String) throws(PostgresError) -> [[String?]] {
        guard let result = PQexec(conn, sql) else { throw PostgresError(context: "exec", message: lastError) }
        defer { PQclear(result) }
        return try rows(result, sql: sql)
    }

    /// Runs one statement with text parameters.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [String?]) throws(PostgresError) -> [[String?]] {
        let cStrings = parameters.map { $0.map { strdup($0) } ?? nil }
        defer { cStrings.forEach { free($0) } }
        let pointers: [UnsafePointer<CChar>?] = cStrings.map { $0.map { UnsafePointer($0) } }
        guard let result = PQexecParams(conn, sql, Int32(parameters.count), nil, pointers, nil, nil, 0) else {
            throw PostgresError(context: "exec", message: lastError)
        }
        defer { PQclear(result) }
        return try rows(result, sql: sql)
    }

    private func rows(_ result: OpaquePointer, sql: String) throws(PostgresError) -> [[String?]] {
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            let first = sql.split(separator: "\n").first.map(String.init) ?? sql
            throw PostgresError(context: "\(first.prefix(80))", message: String(cString: PQresultErrorMessage(result)),
                                sqlState: Self.sqlState(result))
        }
        var out: [[String?]] = []
        for r in 0..<PQntuples(result) {
            var row: [String?] = []
            for c in 0..<PQnfields(result) {
                row.append(PQgetisnull(result, r, c) == 1 ? nil : String(cString: PQgetvalue(result, r, c)))
            }
            out.append(row)
        }
        return out
    }

    var lastError: String { String(cString: PQerrorMessage(conn)) }

    /// The first column of the first row of `sql` ("" when it returns no rows), or nil when it
    /// fails or takes longer than `timeoutMillis`. Sent without blocking and waited for with
    /// poll(2): a server that stopped answering mid-session (a stuck backend, a network that
    /// drops packets) reads as down after the timeout instead of holding the caller forever.
    /// After a timeout the session is in an unknown state: drop it.
    public func value(of sql: String, timeoutMillis: Int32) -> String? {
        guard PQstatus(conn) == CONNECTION_OK, PQsendQuery(conn, sql) == 1 else { return nil }
        let deadline = Clock.monotonicNanos() + Int64(timeoutMillis) * 1_000_000
        while true {
            guard PQconsumeInput(conn) == 1 else { return nil }
            if PQisBusy(conn) == 0 {
                // Every result of the query, then nil: the session is idle again.
                var value: String?
                while let result = PQgetResult(conn) {
                    if PQresultStatus(result) == PGRES_TUPLES_OK {
                        value = PQntuples(result) > 0 && PQnfields(result) > 0 ? String(cString: PQgetvalue(result, 0, 0)) : ""
                    }
                    PQclear(result)
                }
                return value
            }
            let left = (deadline - Clock.monotonicNanos()) / 1_000_000
            guard left > 0 else { return nil }
            var fds = pollfd(fd: PQsocket(conn), events: Int16(POLLIN), revents: 0)
            if poll(&fds, 1, Int32(left)) < 0 && errno != EINTR { return nil }
        }
    }

    /// The socket, for `Postgres.abort(socket:)` from another thread (libpq's own calls block on it).
    public var socket: Int32 { PQsocket(conn) }

    /// Whether the connection is still usable (false once the server went away).
    public var isConnected: Bool { PQstatus(conn) == CONNECTION_OK }

    /// Connected and outside any transaction: ready for the next statement as it is.
    public var isUsable: Bool { isConnected && PQtransactionStatus(conn) == PQTRANS_IDLE }

    /// A failed result's SQLSTATE, or "".
    static func sqlState(_ result: OpaquePointer) -> String {
        guard let field = PQresultErrorField(result, Int32(UInt8(ascii: "C"))) else { return "" }  // PG_DIAG_SQLSTATE
        return String(cString: field)
    }
}

/// Connection-free helpers.
public enum Postgres {
    /// Ends a session from another thread while its owner may be blocked in libpq: the socket
    /// is shut down (not closed, so its number cannot be reused under libpq), the blocked call
    /// fails as a lost connection, and the owner drops the session as it would any broken one.
    /// The only way out of a call to a server that stopped answering but whose kernel still
    /// acknowledges (a frozen process): TCP keepalives and user timeouts never fire then.
    public static func abort(socket: Int32) {
        if socket >= 0 { _ = shutdown(socket, Int32(SHUT_RDWR)) }
    }

    /// Whether the server at `url` accepts connections (PQping: no authentication needed).
    public static func ping(url: String, timeoutSeconds: Int = 2) -> Bool {
        return PQping(withDefaults(url, connectTimeoutSeconds: timeoutSeconds)) == PQPING_OK
    }

    /// `url` with a connect timeout, and GSSAPI encryption off unless the URL asks for it:
    /// libpq's default tries Kerberos first, which costs a round trip and, from a thread of a
    /// process that never initialised Kerberos, can abort in krb5's own locking.
    static func withDefaults(_ url: String, connectTimeoutSeconds: Int) -> String {
        var out = url
        func add(_ option: String) { out += (out.contains("?") ? "&" : "?") + option }
        if !url.contains("connect_timeout") { add("connect_timeout=\(connectTimeoutSeconds)") }
        if !url.contains("gssencmode") { add("gssencmode=disable") }
        return out
    }

    /// The URL (or keyword/value conninfo) with every password replaced, for logs and status:
    /// `user:password@` and each `password=` value (up to `&`, a space, or its closing quote).
    public static func redacted(_ url: String) -> String {
        var text = url
        if let schemeEnd = text.range(of: "://"), let at = text[schemeEnd.upperBound...].firstIndex(of: "@"),
           let colon = text[schemeEnd.upperBound..<at].firstIndex(of: ":") {
            text = String(text[..<colon]) + ":***" + String(text[at...])
        }
        // Each `password=` value, matched without regard to case, byte by byte.
        let bytes = Array(text.utf8)
        let key = Array("password=".utf8)
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            guard i + key.count <= bytes.count,
                  zip(bytes[i..<i + key.count], key).allSatisfy({ ($0 | 0x20) == $1 || $0 == $1 }) else {
                out.append(bytes[i])
                i += 1
                continue
            }
            out += key + Array("***".utf8)
            i += key.count
            if i < bytes.count && bytes[i] == UInt8(ascii: "'") {
                i += 1
                while i < bytes.count && bytes[i] != UInt8(ascii: "'") { i += bytes[i] == UInt8(ascii: "\\") ? 2 : 1 }
                i += 1
            } else {
                while i < bytes.count && bytes[i] != UInt8(ascii: "&") && bytes[i] != UInt8(ascii: " ") { i += 1 }
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension String {
    var trimmingTrailingNewlines: String {
        var s = Substring(self)
        while let l = s.last, l == "\n" || l == "\r" || l == " " { s = s.dropLast() }
        return String(s)
    }

    /// The range of the first occurrence of `needle` (no Foundation).
    func range(of needle: String) -> Range<String.Index>? {
        guard !needle.isEmpty else { return nil }
        var i = startIndex
        while i < endIndex {
            if self[i...].hasPrefix(needle) { return i..<index(i, offsetBy: needle.count) }
            i = index(after: i)
        }
        return nil
    }
}
