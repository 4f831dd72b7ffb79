@testable import Worker

/// Feeds a parser in chosen chunk sizes and collects every result, the way a connection does.
enum ParserHarness {
    /// How the input is cut before feeding.
    enum Feeding: CaseIterable, CustomStringConvertible {
        case allAtOnce
        case byteByByte
        case unevenChunks

        var description: String {
            switch self {
            case .allAtOnce: "all at once"
            case .byteByByte: "byte by byte"
            case .unevenChunks: "uneven chunks"
            }
        }

        func chunks(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
            switch self {
            case .allAtOnce: return [bytes[...]]
            case .byteByByte: return bytes.indices.map { bytes[$0...$0] }
            case .unevenChunks:
                var result: [ArraySlice<UInt8>] = []
                var i = 0
                var size = 1
                while i < bytes.count {
                    let end = min(i + size, bytes.count)
                    result.append(bytes[i..<end])
                    i = end
                    size = size % 13 + 3
                }
                return result
            }
        }
    }

    /// Every request or error the input yields, in order; stops at the first error.
    static func results(_ text: String, _ feeding: Feeding, limits: HTTPLimits = HTTPLimits()) -> [HTTPParseResult] {
        results(Array(text.utf8), feeding, limits: limits)
    }

    static func results(_ bytes: [UInt8], _ feeding: Feeding, limits: HTTPLimits = HTTPLimits()) -> [HTTPParseResult] {
        var parser = HTTPParser(limits: limits)
        var out: [HTTPParseResult] = []
        for chunk in feeding.chunks(bytes) {
            chunk.withUnsafeBytes { raw in
                var input = raw
                while true {
                    let result = parser.parse(&input)
                    if result == .needMoreData { break }
                    out.append(result)
                    if case .error = result { break }
                }
            }
            if case .error = out.last { break }
        }
        return out
    }

    /// The single outcome of `text` fed all at once (the last result, or needMoreData).
    static func outcome(_ text: String, limits: HTTPLimits = HTTPLimits()) -> HTTPParseResult {
        results(text, .allAtOnce, limits: limits).last ?? .needMoreData
    }

    static func request(_ method: HTTPMethod = .get, _ target: String, _ version: HTTPVersion = .http11,
                        keepAlive: Bool = true, body: String = "") -> HTTPParseResult {
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        return .request(HTTPRequest(method: method, path: String(parts[0]), query: parts.count > 1 ? String(parts[1]) : nil,
                                    version: version, keepAlive: keepAlive, body: Array(body.utf8)))
    }
}
