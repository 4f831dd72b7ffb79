import Market

/// A JSON request body read the way Echo's bind (Go's `encoding/json`) fills a struct: a
/// member that is missing or `null` keeps the field's default; a member of the wrong JSON type
/// (a string where a number belongs, a fraction for an integer, a string for a list …) is a bind
/// failure, which each route answers with its own 400 (API.md §1.2–1.5), never a guess.
/// Unknown members are ignored, as Go does.
struct JSONBody {
    let value: JSONValue

    /// Why a member could not be bound: `symbol must be a string`.
    struct Mismatch: Error, Equatable {
        let member: String
        let expected: String
        var description: String { "\(member) must be \(expected)" }
    }

    /// Why a body could not be bound: `the body must be a JSON object`, `limit must be an integer`.
    struct Failure: Error {
        let reason: String
    }

    /// `read`'s members of the body, or why the body is not a JSON object or a member is of
    /// the wrong type.
    static func bind<T>(_ bytes: [UInt8], _ read: (JSONBody) throws(Mismatch) -> T) -> Result<T, Failure> {
        guard let body = JSONBody(bytes) else { return .failure(Failure(reason: "the body must be a JSON object")) }
        do throws(Mismatch) {
            return .success(try read(body))
        } catch {
            return .failure(Failure(reason: error.description))
        }
    }

    /// nil unless `bytes` is a JSON object.
    init?(_ bytes: [UInt8]) {
        guard case .success(let v) = JSONReader.parse(bytes), case .object = v else { return nil }
        value = v
    }

    /// The member's value, nil when it is missing or `null`.
    private func present(_ key: String) -> JSONValue? {
        guard let v = value[key], v != .null else { return nil }
        return v
    }

    func string(_ key: String) throws(Mismatch) -> String? {
        guard let v = present(key) else { return nil }
        guard case .string(let s) = v else { throw Mismatch(member: key, expected: "a string") }
        return s
    }

    func bool(_ key: String) throws(Mismatch) -> Bool? {
        guard let v = present(key) else { return nil }
        guard case .bool(let b) = v else { throw Mismatch(member: key, expected: "true or false") }
        return b
    }

    /// A JSON number written as an integer that fits 64 bits (Go's `int`): `10`, `-3`; not
    /// `10.5`, `1e3`, `10.0` or `"10"`.
    func integer(_ key: String) throws(Mismatch) -> Int64? {
        guard let v = present(key) else { return nil }
        guard case .number(let text) = v, let n = Int64(text) else { throw Mismatch(member: key, expected: "an integer") }
        return n
    }

    /// A list of strings (Go's `[]string`).
    func strings(_ key: String) throws(Mismatch) -> [String]? {
        guard let v = present(key) else { return nil }
        guard case .array(let items) = v else { throw Mismatch(member: key, expected: "a list of strings") }
        var out: [String] = []
        for item in items {
            guard case .string(let s) = item else { throw Mismatch(member: key, expected: "a list of strings") }
            out.append(s)
        }
        return out
    }
}
