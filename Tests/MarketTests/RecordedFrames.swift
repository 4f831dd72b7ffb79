import Glibc

/// The repository's fixture folder `fixtures/binance/<name>`, found from this file's path.
func binanceFixtures(_ name: String) -> String {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/") + "/fixtures/binance/" + name
}

/// The repository's recorded Binance frames (`fixtures/binance/hftbacktest`, MIT, © 2022
/// nkaz001).
let recordings = binanceFixtures("hftbacktest")

/// Calls `body` with each line of gzip file `path`, its line end dropped (bytes valid during
/// the call only), until it returns false. Through `/bin/gzip -dc`: Market has no zlib, and a
/// pipe keeps the test's memory flat.
func forEachGzipLine(_ path: String, _ body: (UnsafeRawBufferPointer) -> Bool) throws {
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
        guard n > 0, let bytes = line else { return }
        var end = n
        while end > 0 && (bytes[end - 1] == 10 || bytes[end - 1] == 13) { end -= 1 }
        guard body(UnsafeRawBufferPointer(start: bytes, count: end)) else { return }
    }
}

/// Reads a recording (`<local_ns> <frame>` per line, gzip). Calls `body` with each frame's
/// bytes (valid during the call only).
func forEachRecordedFrame(_ file: String, _ body: (UnsafeRawBufferPointer) -> Void) throws {
    try forEachGzipLine(recordings + "/" + file) { line in
        guard let space = line.firstIndex(of: 32), space + 1 < line.count else { return true }
        body(UnsafeRawBufferPointer(rebasing: line[(space + 1)...]))
        return true
    }
}

struct RecordingError: Error, CustomStringConvertible {
    let description: String
}
