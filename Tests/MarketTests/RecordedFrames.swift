import Glibc

/// The repository's recorded Binance frames (`fixtures/binance/hftbacktest`, MIT, © 2022
/// nkaz001), found from this file's path.
let recordings: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/") + "/fixtures/binance/hftbacktest"
}()

/// Reads a recording (`<local_ns> <frame>` per line, gzip) through `/bin/gzip -dc`: Market
/// has no zlib, and a pipe keeps the test's memory flat. Calls `body` with each frame's
/// bytes (valid during the call only).
func forEachRecordedFrame(_ file: String, _ body: (UnsafeRawBufferPointer) -> Void) throws {
    let path = recordings + "/" + file
    guard access(path, R_OK) == 0 else { throw RecordingError(description: "no recording at \(path)") }
    guard let pipe = popen("gzip -dc '\(path)'", "r") else { throw RecordingError(description: "popen failed") }
    var line: UnsafeMutablePointer<CChar>? = nil
    var capacity = 0
    defer {
        free(line)
        _ = pclose(pipe)
    }
    while true {
        let n = getline(&line, &capacity, pipe)
        guard n > 0, let bytes = line else { break }
        var end = n
        while end > 0 && (bytes[end - 1] == 10 || bytes[end - 1] == 13) { end -= 1 }
        var start = 0
        while start < end && bytes[start] != 32 { start += 1 }
        start += 1
        guard start < end else { continue }
        body(UnsafeRawBufferPointer(start: bytes + start, count: end - start))
    }
}

struct RecordingError: Error, CustomStringConvertible {
    let description: String
}
