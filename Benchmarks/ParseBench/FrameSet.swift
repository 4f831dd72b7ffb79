import Glibc

/// All frames of the input files in one byte array, each line's `<local_ns> ` prefix removed.
/// Loading uses popen(`/bin/zcat`) for `.gz` files; it is outside the timed part.
struct FrameSet {
    var bytes: [UInt8] = []
    var starts: [Int] = []
    var lengths: [Int] = []

    var count: Int { starts.count }

    mutating func load(_ path: String) {
        let gz = path.hasSuffix(".gz")
        let escaped = path.replacing("'", with: "'\\''")
        guard let file = gz ? popen("/bin/zcat '\(escaped)'", "r") : fopen(path, "r") else {
            fail("cannot open \(path)")
        }
        var line: UnsafeMutablePointer<CChar>? = nil
        var capacity = 0
        while true {
            let n = getline(&line, &capacity, file)
            if n < 0 { break }
            line!.withMemoryRebound(to: UInt8.self, capacity: n) { add(UnsafeBufferPointer(start: $0, count: n)) }
        }
        free(line)
        if gz { guard pclose(file) == 0 else { fail("zcat \(path) failed") } } else { fclose(file) }
    }

    /// Drops the trailing newline and a leading all-digit timestamp followed by a space.
    mutating func add(_ line: UnsafeBufferPointer<UInt8>) {
        var end = line.count
        while end > 0, line[end - 1] == 0x0A || line[end - 1] == 0x0D { end -= 1 }
        var start = 0
        while start < end, line[start] >= 0x30, line[start] <= 0x39 { start += 1 }
        if start > 0, start < end, line[start] == 0x20 { start += 1 } else { start = 0 }
        guard end > start else { return }
        starts.append(bytes.count)
        lengths.append(end - start)
        bytes.append(contentsOf: line[start..<end])
    }
}

func fail(_ message: String) -> Never {
    let text = "tterminal-parse-bench: \(message)\n"
    _ = text.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
    exit(2)
}

func monotonicNanos() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}
