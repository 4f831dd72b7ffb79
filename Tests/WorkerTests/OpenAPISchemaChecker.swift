import Market
@testable import Worker

/// The served OpenAPI document, read with `Market.JSONValue` (which keeps number text, so
/// integers and numbers are told apart), and what the tests ask of it: the operation for a
/// method and path, the response for a status, and `$ref`s resolved.
struct OpenAPIModel {
    let root: JSONValue

    init() throws {
        root = try JSONReader.parse(OpenAPIDocument.bytes).get()
    }

    /// `(template, path item)` in document order.
    var paths: [(template: String, item: JSONValue)] {
        guard case .object(let members)? = root["paths"] else { return [] }
        return members.map { ($0.key, $0.value) }
    }

    /// Every `(template, method)` documented, methods upper-case.
    var operations: [(template: String, method: String)] {
        paths.flatMap { path -> [(String, String)] in
            guard case .object(let members) = path.item else { return [] }
            return members.map(\.key).filter(Self.methods.contains).map { (path.template, $0.uppercased()) }
        }
    }

    static let methods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    /// The documented template a concrete path falls under: `{name}` takes one non-empty
    /// segment; of several matches the one with the most literal segments wins (OpenAPI's rule).
    func template(for path: String) -> (template: String, item: JSONValue)? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        var best: (String, JSONValue, Int)?
        for (template, item) in paths {
            let parts = template.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == segments.count else { continue }
            var literals = 0
            let fits = zip(parts, segments).allSatisfy { part, segment in
                if part.hasPrefix("{") && part.hasSuffix("}") { return !segment.isEmpty }
                literals += 1
                return part == segment
            }
            if fits && literals > (best?.2 ?? -1) { best = (template, item, literals) }
        }
        return best.map { ($0.0, $0.1) }
    }

    /// The operation of `method` (HEAD falls back to GET) on the path item.
    func operation(_ item: JSONValue, _ method: HTTPMethod) -> JSONValue? {
        let name = method.description.lowercased()
        return item[name] ?? (method == .head ? item["get"] : nil)
    }

    /// The response an operation documents for `status` (or its `default`), `$ref` resolved.
    func response(_ operation: JSONValue, status: Int) -> JSONValue? {
        guard let r = operation["responses"]?["\(status)"] ?? operation["responses"]?["default"] else { return nil }
        return resolved(r)
    }

    /// A component response by name (`NotFound`, `MethodNotAllowed`).
    func componentResponse(_ name: String) -> JSONValue? { root["components"]?["responses"]?[name] }

    /// The JSON schema of a response, nil when it has no JSON content.
    func jsonSchema(of response: JSONValue) -> JSONValue? { response["content"]?["application/json"]?["schema"] }

    /// `value` with a `$ref` followed (once per level, until there is none).
    func resolved(_ value: JSONValue) -> JSONValue? {
        var v = value
        var hops = 0
        while let ref = v["$ref"]?.string {
            guard let target = lookup(ref), hops < 16 else { return nil }
            v = target
            hops += 1
        }
        return v
    }

    /// A local reference `#/a/b/c`.
    func lookup(_ ref: String) -> JSONValue? {
        guard ref.hasPrefix("#/") else { return nil }
        var v: JSONValue? = root
        for part in ref.dropFirst(2).split(separator: "/") { v = v?[String(part)] }
        return v
    }
}

/// A JSON Schema checker for the subset the document uses (OpenAPI 3.0's dialect): `type`,
/// `nullable`, `enum`, `properties`, `required`, `additionalProperties`, `items`,
/// `minItems`/`maxItems`, `minimum`/`maximum`, `oneOf`/`anyOf`/`allOf` and local `$ref`s.
/// `integer` means a number written without fraction or exponent.
struct SchemaChecker {
    let model: OpenAPIModel

    /// The keywords `check` understands, and the annotations it may skip; the document must use
    /// no other, so no constraint is silently ignored.
    static let keywords: Set<String> = [
        "type", "nullable", "enum", "properties", "required", "additionalProperties", "items", "minItems", "maxItems",
        "minimum", "maximum", "oneOf", "anyOf", "allOf", "$ref",
        "exclusiveMinimum", "format", "description", "example", "default", "title",
    ]

    /// Why `value` does not fit `schema` (empty when it does); `at` names the place.
    func check(_ value: JSONValue, _ schema: JSONValue, at path: String = "$") -> [String] {
        if let ref = schema["$ref"]?.string {
            guard let target = model.lookup(ref) else { return ["\(path): unresolved \(ref)"] }
            return check(value, target, at: path)
        }
        if value == .null {
            return schema["nullable"] == .bool(true) ? [] : ["\(path): null where \(schema["type"]?.string ?? "a value") is required"]
        }
        var errors: [String] = []
        if let type = schema["type"]?.string, !Self.fits(value, type) {
            return ["\(path): \(Self.describe(value)) where \(type) is required"]
        }
        if let allowed = schema["enum"]?.array, !allowed.contains(value) {
            errors.append("\(path): \(Self.describe(value)) is not one of \(allowed.compactMap(\.string))")
        }
        errors += checkObject(value, schema, at: path)
        errors += checkArray(value, schema, at: path)
        errors += checkNumber(value, schema, at: path)
        errors += checkCombinations(value, schema, at: path)
        return errors
    }

    private func checkObject(_ value: JSONValue, _ schema: JSONValue, at path: String) -> [String] {
        guard case .object(let members) = value else { return [] }
        var errors: [String] = []
        for name in schema["required"]?.array?.compactMap(\.string) ?? [] where !members.contains(where: { $0.key == name }) {
            errors.append("\(path): missing required `\(name)`")
        }
        let properties = schema["properties"]
        for member in members {
            if let property = properties?[member.key] {
                errors += check(member.value, property, at: "\(path).\(member.key)")
            } else if let extra = schema["additionalProperties"] {
                if extra == .bool(false) {
                    errors.append("\(path): `\(member.key)` is not allowed")
                } else if case .object = extra {
                    errors += check(member.value, extra, at: "\(path).\(member.key)")
                }
            }
        }
        return errors
    }

    private func checkArray(_ value: JSONValue, _ schema: JSONValue, at path: String) -> [String] {
        guard case .array(let items) = value else { return [] }
        var errors: [String] = []
        if let min = schema["minItems"]?.int64, items.count < min { errors.append("\(path): \(items.count) items, fewer than \(min)") }
        if let max = schema["maxItems"]?.int64, items.count > max { errors.append("\(path): \(items.count) items, more than \(max)") }
        if let itemSchema = schema["items"] {
            for (i, item) in items.enumerated() { errors += check(item, itemSchema, at: "\(path)[\(i)]") }
        }
        return errors
    }

    private func checkNumber(_ value: JSONValue, _ schema: JSONValue, at path: String) -> [String] {
        guard case .number(let text) = value, let v = Double(text) else { return [] }
        var errors: [String] = []
        if let min = schema["minimum"].flatMap(Self.double) {
            let exclusive = schema["exclusiveMinimum"] == .bool(true)
            if exclusive ? v <= min : v < min { errors.append("\(path): \(text) below \(min)") }
        }
        if let max = schema["maximum"].flatMap(Self.double), v > max { errors.append("\(path): \(text) above \(max)") }
        return errors
    }

    private func checkCombinations(_ value: JSONValue, _ schema: JSONValue, at path: String) -> [String] {
        var errors: [String] = []
        for part in schema["allOf"]?.array ?? [] { errors += check(value, part, at: path) }
        if let options = schema["anyOf"]?.array, !options.contains(where: { check(value, $0, at: path).isEmpty }) {
            errors.append("\(path): fits none of anyOf: " + options.map { check(value, $0, at: path).joined(separator: "; ") }.joined(separator: " | "))
        }
        if let options = schema["oneOf"]?.array {
            let fitting = options.filter { check(value, $0, at: path).isEmpty }.count
            if fitting != 1 { errors.append("\(path): fits \(fitting) of oneOf's \(options.count), not exactly one") }
        }
        return errors
    }

    static func fits(_ value: JSONValue, _ type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("number", .number): true
        case ("integer", .number(let text)): !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" })
        default: false
        }
    }

    static func double(_ v: JSONValue) -> Double? {
        if case .number(let text) = v { return Double(text) }
        return nil
    }

    static func describe(_ v: JSONValue) -> String {
        switch v {
        case .null: "null"
        case .bool(let b): "\(b)"
        case .number(let t): "number \(t)"
        case .string(let s): "string \"\(s.prefix(40))\""
        case .array(let a): "array of \(a.count)"
        case .object: "object"
        }
    }

    /// Keywords used in `schema` (and the schemas inside it) that `check` does not know.
    static func unknownKeywords(in schema: JSONValue, at path: String) -> [String] {
        guard case .object(let members) = schema else { return ["\(path): a schema must be an object"] }
        var found: [String] = []
        for member in members {
            let here = "\(path)/\(member.key)"
            if !keywords.contains(member.key) { found.append(here) }
            switch member.key {
            case "properties":
                if case .object(let properties) = member.value {
                    for p in properties { found += unknownKeywords(in: p.value, at: "\(here)/\(p.key)") }
                }
            case "items", "additionalProperties":
                if case .object = member.value { found += unknownKeywords(in: member.value, at: here) }
            case "oneOf", "anyOf", "allOf":
                for (i, s) in (member.value.array ?? []).enumerated() { found += unknownKeywords(in: s, at: "\(here)/\(i)") }
            default: break
            }
        }
        return found
    }
}
