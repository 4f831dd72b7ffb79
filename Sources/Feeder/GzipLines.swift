import CZlib

/// Reads a gzip (or plain) text file line by line through zlib, reusing one buffer.
public final class GzipLines {
    private let file: gzFile
    private var buffer: UnsafeMutablePointer<CChar>
    private let capacity: Int
    public let path: String

    public init?(path: String, maxLine: Int = 1 << 20) {
        guard let f = gzopen(path, "rb") else { return nil }
        gzbuffer(f, 256 * 1024)
        file = f
        capacity = maxLine
        buffer = .allocate(capacity: maxLine)
        self.path = path
    }

    deinit {
        gzclose(file)
        buffer.deallocate()
    }

    /// The next line without its newline, valid until the next call; nil at the end.
    /// A line longer than the buffer comes back in pieces (callers reject them as malformed).
    public func next() -> UnsafeRawBufferPointer? {
        guard gzgets(file, buffer, Int32(capacity)) != nil else { return nil }
        var n = strlenBounded(buffer, capacity)
        while n > 0 && (buffer[n - 1] == 10 || buffer[n - 1] == 13) { n -= 1 }
        return UnsafeRawBufferPointer(start: buffer, count: n)
    }

    private func strlenBounded(_ p: UnsafeMutablePointer<CChar>, _ max: Int) -> Int {
        var i = 0
        while i < max && p[i] != 0 { i += 1 }
        return i
    }
}
