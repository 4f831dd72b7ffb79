import Glibc
import Posix

/// Plain command-line parsing: a command, `--name value` options and `--flag`s.
struct Arguments {
    let command: String
    private var values: [String: String] = [:]
    private var flags: Set<String> = []

    init(_ words: [String]) {
        command = words.first ?? ""
        var index = 1
        while index < words.count {
            let word = words[index]
            guard word.hasPrefix("--") else { Self.fail("unexpected argument \(word)") }
            let name = String(word.dropFirst(2))
            if index + 1 < words.count, !words[index + 1].hasPrefix("--") {
                values[name] = words[index + 1]
                index += 2
            } else {
                flags.insert(name)
                index += 1
            }
        }
    }

    func flag(_ name: String) -> Bool { flags.contains(name) }

    func int(_ name: String, default value: Int) -> Int {
        guard let text = values[name] else { return value }
        guard let number = Int(text.replacingUnderscores), number >= 0 else { Self.fail("--\(name): not a count: \(text)") }
        return number
    }

    static func fail(_ message: String) -> Never {
        try? FD.writeAll(2, "tterminal-bench: \(message)\n")
        exit(2)
    }
}

extension String {
    fileprivate var replacingUnderscores: String { String(filter { $0 != "_" }) }
}
