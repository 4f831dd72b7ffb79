import Testing
@testable import Worker

/// Every REST route with each documented query parameter, and each path parameter, set to
/// values a careless or hostile client sends: empty, negative, huge, overflowing, fractional,
/// exponent, encoded bytes, very long. Every answer must be one the document lists for the
/// operation, with a body that fits it: a refusal is a 4xx saying why, never a trap, a 500 or
/// a shape the frontend does not expect.
@Suite("Damaged parameters on every REST route")
struct MutatedQueryTests {
    static let values = [
        "", "-1", "0", "1", "abc", "1e3", "1.5", "-0", "+5", "NaN", "0x10", "99999999999999999999",
        "9223372036854775807", "-9223372036854775808", "18446744073709551616", "%00", "%FF%FE", "%25",
        "%E2%82%AC", String(repeating: "9", count: 300), String(repeating: "A", count: 300), "1,2", "null", "1m", "spot",
    ]

    /// `target` with the query parameter `name` set to `value` (replaced, or added).
    static func with(_ target: String, _ name: String, _ value: String) -> String {
        let parts = target.split(separator: "?", maxSplits: 1).map(String.init)
        var pairs = parts.count > 1 ? parts[1].split(separator: "&").map(String.init) : []
        pairs.removeAll { $0.split(separator: "=", maxSplits: 1).first.map(String.init) == name }
        pairs.append("\(name)=\(value)")
        return parts[0] + "?" + pairs.joined(separator: "&")
    }

    /// `target` with its `index`th path segment replaced by `value`.
    static func with(_ target: String, segment index: Int, _ value: String) -> String {
        let parts = target.split(separator: "?", maxSplits: 1).map(String.init)
        var segments = parts[0].split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        segments[index] = value
        return segments.joined(separator: "/") + (parts.count > 1 ? "?" + parts[1] : "")
    }

    @Test("each documented parameter set to each damaged value: a documented status with a body that fits, never a 500")
    func damagedParameters() throws {
        let fixture = try OpenAPIFixture()
        let model = try OpenAPIModel()
        var asked = 0, refused = 0
        for sample in OpenAPISamples.answered {
            guard let (template, item) = model.template(for: sample.path),
                  let operation = model.operation(item, sample.method) else { continue }
            let parameters = ((item["parameters"]?.array ?? []) + (operation["parameters"]?.array ?? [])).compactMap(model.resolved)
            let queryNames = parameters.filter { $0["in"] == .string("query") }.compactMap { $0["name"]?.string }
            let templateSegments = template.split(separator: "/", omittingEmptySubsequences: false)
            let pathSlots = templateSegments.indices.filter { templateSegments[$0].hasPrefix("{") }
            var targets = queryNames.flatMap { name in Self.values.map { Self.with(sample.target, name, $0) } }
            targets += pathSlots.flatMap { index in
                Self.values.filter { !$0.isEmpty }.map { Self.with(sample.target, segment: index, $0) }
            }
            for target in targets {
                let damaged = APISample(sample.method, target, 0, body: sample.body)
                let response = fixture.respond(damaged)
                asked += 1
                let text = String(decoding: response.body.prefix(200), as: UTF8.self)
                #expect(response.status != 500, "\(damaged): \(text)")
                if response.status >= 400 { refused += 1 }
                if response.status == 404 && model.template(for: damaged.path)?.template != template { continue }
                guard let documented = model.response(operation, status: response.status) else {
                    Issue.record("\(damaged): status \(response.status) is not documented for \(sample.method) \(template): \(text)")
                    continue
                }
                OpenAPITests.expectFits(response.body, documented, model, "\(damaged)")
            }
        }
        #expect(asked > 2_000 && refused > asked / 10, "\(asked) asked, \(refused) refused")
    }
}
