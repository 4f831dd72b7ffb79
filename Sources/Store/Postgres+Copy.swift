import CLibPQ
import Glibc

/// `COPY … FROM STDIN` over libpq: PQputCopyData in chunks, PQputCopyEnd, then PQgetResult
/// until libpq has nothing more to say.
extension PostgresConnection {
    /// Bytes handed to libpq per PQputCopyData call.
    static let copyChunk = 256 * 1024

    /// Runs `sql` (a `COPY … FROM STDIN`) and sends `data`, rows in COPY text format;
    /// returns the rows the server says it copied.
    @discardableResult
    public func copyIn(_ sql: String, _ data: [UInt8]) throws(PostgresError) -> Int {
        guard let start = PQexec(conn, sql) else { throw PostgresError(context: "copy", message: lastError) }
        guard PQresultStatus(start) == PGRES_COPY_IN else {
            defer { PQclear(start) }
            throw PostgresError(context: "copy: \(sql.prefix(60))", message: String(cString: PQresultErrorMessage(start)),
                                sqlState: Self.sqlState(start))
        }
        PQclear(start)
        let sendError = data.withUnsafeBytes { send($0) }
        // A message given to PQputCopyEnd makes the server fail the COPY, so nothing half-sent is kept.
        if PQputCopyEnd(conn, sendError) != 1 {
            throw PostgresError(context: "copy end", message: lastError)
        }
        var failure: PostgresError?
        var copied = 0
        // Each result is read and cleared; a live connection ends with nil after one or two.
        for _ in 0..<16 {
            guard let result = PQgetResult(conn) else { break }
            let status = PQresultStatus(result)
            if status == PGRES_COMMAND_OK {
                copied = Int(String(cString: PQcmdTuples(result))) ?? 0
            } else if failure == nil {
                failure = PostgresError(context: "copy: \(sql.prefix(60))", message: String(cString: PQresultErrorMessage(result)),
                                        sqlState: Self.sqlState(result))
            }
            PQclear(result)
        }
        if let failure { throw failure }
        if let sendError { throw PostgresError(context: "copy data", message: sendError) }
        return copied
    }

    /// Hands `bytes` to libpq; returns libpq's message if it refused them.
    private func send(_ bytes: UnsafeRawBufferPointer) -> String? {
        var offset = 0
        while offset < bytes.count {
            let n = min(Self.copyChunk, bytes.count - offset)
            let chunk = (bytes.baseAddress! + offset).assumingMemoryBound(to: CChar.self)
            // Blocking connection: 1 is sent (or queued), -1 is an error; 0 never happens.
            if PQputCopyData(conn, chunk, Int32(n)) != 1 { return lastError }
            offset += n
        }
        return nil
    }

    /// Runs one statement without parameters; returns the rows it changed (`INSERT 0 n` → n).
    public func executeCount(_ sql: String) throws(PostgresError) -> Int {
        guard let result = PQexec(conn, sql) else { throw PostgresError(context: "exec", message: lastError) }
        defer { PQclear(result) }
        guard PQresultStatus(result) == PGRES_COMMAND_OK else {
            let first = sql.split(separator: "\n").first.map(String.init) ?? sql
            throw PostgresError(context: "\(first.prefix(80))", message: String(cString: PQresultErrorMessage(result)),
                                sqlState: Self.sqlState(result))
        }
        return Int(String(cString: PQcmdTuples(result))) ?? 0
    }
}
