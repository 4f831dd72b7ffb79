import Glibc
import Simulator

/// One recorded file, decompressed and split into lines: hftbacktest (`<local_ns> <frame>`),
/// cryptofeed (`<seconds>: <frame>`, `<url> -> <seconds>: <body>`) or plain JSON lines.
struct ReplayFile {
    struct Line {
        /// Local receive time, when the line has one.
        var localNanos: Int64?
        /// `symbol=` of a REST URL prefix (cryptofeed depth snapshots).
        var urlSymbol: String?
        var json: ArraySlice<UInt8>
    }

    let path: String
    let venue: Venue
    let lines: [Line]

    init(path: String) throws(ReplayError) {
        self.path = path
        let bytes = try Self.read(path)
        var lines: [Line] = []
        var header = ""
        for raw in bytes.split(separator: 0x0A) {
            if header.isEmpty { header = String(decoding: raw.prefix(200), as: UTF8.self) }
            if let line = Self.parse(raw) { lines.append(line) }
        }
        self.lines = lines
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let lower = name.lowercased()
        // Futures-only payload fields give a file without a telling name away.
        let futuresMarks = ["\"pu\":", "\"e\":\"forceOrder\"", "\"X\":\""].map { Array($0.utf8) }
        let looksFutures = lines.prefix(50).contains { line in
            futuresMarks.contains { ReplayRecording.find($0, in: line.json) != nil }
        }
        venue = lower.contains("usdm") || lower.contains("futures") || header.contains("fstream")
            || header.contains("/fapi/") || looksFutures ? .futures : .spot
    }

    /// The whole file; gzip files go through `gzip -dc` (SimulatorServer links no zlib).
    static func read(_ path: String) throws(ReplayError) -> [UInt8] {
        guard let f = fopen(path, "rb") else { throw ReplayError("cannot open \(path): \(String(cString: strerror(errno)))") }
        var magic = [UInt8](repeating: 0, count: 2)
        let n = fread(&magic, 1, 2, f)
        fclose(f)
        if n == 2 && magic == [0x1F, 0x8B] {
            let quoted = "'" + path.replacingAll("'", with: "'\\''") + "'"
            guard let pipe = popen("gzip -dc " + quoted, "r") else { throw ReplayError("cannot run gzip for \(path)") }
            let bytes = readAll(pipe)
            let status = pclose(pipe)
            guard status == 0 else { throw ReplayError("gzip -dc \(path) failed (status \(status))") }
            return bytes
        }
        guard let g = fopen(path, "rb") else { throw ReplayError("cannot open \(path)") }
        defer { fclose(g) }
        return readAll(g)
    }

    static func readAll(_ f: UnsafeMutablePointer<FILE>) -> [UInt8] {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = fread(&chunk, 1, chunk.count, f)
            if n <= 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }

    /// Splits `prefix {json}`; nil for lines without a JSON object.
    static func parse(_ raw: ArraySlice<UInt8>) -> Line? {
        guard let brace = raw.firstIndex(of: UInt8(ascii: "{")) else { return nil }
        var json = raw[brace...]
        while let last = json.last, last == 0x0D || last == 0x20 { json = json.dropLast() }
        let prefix = String(decoding: raw[..<brace], as: UTF8.self)
        var timeText = Substring(prefix)
        var urlSymbol: String?
        if let arrow = prefix.firstRange(of: " -> ") {
            let url = prefix[..<arrow.lowerBound]
            timeText = prefix[arrow.upperBound...]
            if let s = url.firstRange(of: "symbol=") {
                urlSymbol = String(url[s.upperBound...].prefix { $0.isLetter || $0.isNumber }).uppercased()
            }
        }
        return Line(localNanos: timestamp(timeText), urlSymbol: urlSymbol, json: json)
    }

    /// A leading `123…` or `123.456`: seconds with a fraction, else by digit count ns/µs/ms/s.
    static func timestamp(_ text: Substring) -> Int64? {
        let token = text.prefix { $0.isNumber || $0 == "." }
        guard !token.isEmpty else { return nil }
        if let dot = token.firstIndex(of: ".") {
            guard let seconds = Int64(token[..<dot]) else { return nil }
            let fraction = token[token.index(after: dot)...].prefix(9)
            let padded = fraction + String(repeating: "0", count: 9 - fraction.count)
            return seconds * 1_000_000_000 + (Int64(padded) ?? 0)
        }
        guard let v = Int64(token) else { return nil }
        switch token.count {
        case 18...: return v
        case 15...17: return v * 1_000
        case 12...14: return v * 1_000_000
        default: return v * 1_000_000_000
        }
    }
}

/// Why a recording could not be loaded.
public struct ReplayError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ d: String) { description = d }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}
