import Market
import ShmRing
import Supervisor
import Testing
@testable import Worker

/// Real answers against the document: each status must be documented for its operation and
/// each body must fit the schema documented for that status.
extension OpenAPITests {
    /// Issues for a body that does not fit `response` (a documented response object).
    static func expectFits(_ body: [UInt8], _ response: JSONValue, _ model: OpenAPIModel, _ context: String) {
        guard let schema = model.jsonSchema(of: response) else {
            #expect(body.isEmpty, "\(context): a body where the document has no JSON content")
            return
        }
        switch JSONReader.parse(body) {
        case .failure(let error):
            Issue.record("\(context): not JSON (\(error.message)): \(String(decoding: body.prefix(200), as: UTF8.self))")
        case .success(let value):
            let errors = SchemaChecker(model: model).check(value, schema)
            #expect(errors.isEmpty, "\(context):\n\(errors.prefix(12).joined(separator: "\n"))")
        }
    }

    @Test("every answer has the expected status, documented for its operation, a body that fits the documented schema, and only documented query parameters",
          arguments: OpenAPISamples.answered)
    func answerFitsTheDocument(_ sample: APISample) throws {
        let fixture = try OpenAPIFixture()
        let model = try OpenAPIModel()
        let response = fixture.respond(sample)
        let text = String(decoding: response.body.prefix(300), as: UTF8.self)
        #expect(response.status == sample.status, "\(sample): got \(response.status) \(text)")
        let (template, item) = try #require(model.template(for: sample.path), "\(sample): no documented path")
        let operation = try #require(model.operation(item, sample.method), "\(sample): method not documented")
        let parameters = ((item["parameters"]?.array ?? []) + (operation["parameters"]?.array ?? [])).compactMap(model.resolved)
        let documentedQuery = Set(parameters.filter { $0["in"] == .string("query") }.compactMap { $0["name"]?.string })
        for pair in (sample.request.query ?? "").split(separator: "&") {
            let name = String(pair.split(separator: "=", maxSplits: 1)[0])
            #expect(documentedQuery.contains(name), "\(sample): query parameter `\(name)` is not documented")
        }
        guard let documented = model.response(operation, status: response.status) else {
            Issue.record("\(sample): status \(response.status) is not documented for \(sample.method) \(template): \(text)")
            return
        }
        Self.expectFits(response.body, documented, model, "\(sample)")
    }

    @Test("unknown paths answer the documented 404; other methods the documented 405, whose Allow lists the documented methods")
    func refusalsFitTheDocument() throws {
        let fixture = try OpenAPIFixture()
        let model = try OpenAPIModel()
        for sample in OpenAPISamples.refusals {
            let response = fixture.respond(sample)
            #expect(response.status == sample.status, "\(sample)")
            switch response.status {
            case 404:
                #expect(model.template(for: sample.path) == nil, "\(sample): a documented path answered 404")
                Self.expectFits(response.body, try #require(model.componentResponse("NotFound")), model, "\(sample)")
            case 405:
                let (_, item) = try #require(model.template(for: sample.path), "\(sample)")
                #expect(model.operation(item, sample.method) == nil, "\(sample): the document has this method")
                Self.expectFits(response.body, try #require(model.componentResponse("MethodNotAllowed")), model, "\(sample)")
                let allow = response.headers.split(separator: "\r\n").first { $0.hasPrefix("Allow: ") }?.dropFirst(7)
                let allowed = Set((allow ?? "").split(separator: ",").map { $0.trimmingSpaces }).subtracting(["HEAD"])
                let documented = Set(OpenAPIModel.methods.filter { item[$0] != nil }.map { $0.uppercased() })
                #expect(allowed == documented, "\(sample): Allow \(allowed.sorted()) vs documented \(documented.sorted())")
            default:
                Issue.record("\(sample): unexpected \(response.status)")
            }
        }
    }

    @Test("GET /api/v1/openapi.json through MarketREST.answer returns the document, cacheable, and HEAD the same")
    func servesTheDocument() throws {
        let fixture = try OpenAPIFixture()
        for method in [HTTPMethod.get, .head] {
            let request = HTTPRequest(method: method, path: "/api/v1/openapi.json")
            guard case .response(let response) = fixture.rest.answer(request, subscriber: OpenAPIFixture.client) else {
                Issue.record("the document was not answered at once")
                return
            }
            #expect(response.status == 200 && response.body == OpenAPIDocument.bytes && response.taggable)
            #expect(response.headers.contains("Cache-Control: public, max-age=300\r\n"))
        }
        let model = try OpenAPIModel()
        let operation = try #require(model.template(for: "/api/v1/openapi.json").flatMap { model.operation($0.item, .get) })
        Self.expectFits(OpenAPIDocument.bytes, try #require(model.response(operation, status: 200)), model, "openapi.json")
    }

    @Test("health, system status, metrics and the loop's own refusals fit their documented responses")
    func loopAnswersFitTheDocument() throws {
        let fixture = try OpenAPIFixture()
        let model = try OpenAPIModel()
        func documented(_ path: String, _ status: Int) throws -> JSONValue {
            let item = try #require(model.template(for: path), "\(path)").item
            return try #require(model.operation(item, .get).flatMap { model.response($0, status: status) }, "\(path) \(status)")
        }
        let health = HealthDocument(segment: fixture.segment, slot: fixture.segment.control.slot(1),
                                    reader: RingReader(segment: fixture.segment)).render()
        Self.expectFits(Array(health.1.utf8), try documented("/api/v1/health", health.0), model, "health \(health.0)")
        let status = StatusReport(segment: fixture.segment).json()
        Self.expectFits(Array(status.utf8), try documented("/api/v1/system/status", 200), model, "system status")
        let metrics = try documented("/metrics", 200)
        #expect(model.jsonSchema(of: metrics) == nil && metrics["content"]?["text/plain; version=0.0.4"] != nil)
        #expect(MetricsReport(segment: fixture.segment).render().contains("tterminal_"))
        for path in ["/api/v1/websocket/connect", "/api/v1/websocket/echo"] {
            Self.expectFits(HTTPStatus.upgradeRequired.messageBody, try documented(path, 426), model, "\(path) 426")
        }
        Self.expectFits(Array("\(EventLoop<ScriptedBackend>.rateLimitedBody)".utf8), try documented("/api/v1/health", 429), model, "429")
        Self.expectFits(Array("\(HTTPResponse.notFoundBody)".utf8), try #require(model.componentResponse("NotFound")), model, "loop 404")
        Self.expectFits(Array("\(HTTPResponse.methodNotAllowedBody)".utf8), try #require(model.componentResponse("MethodNotAllowed")),
                        model, "loop 405")
    }

    @Test("the schema checker refuses what does not fit: types, integers, required, enums, null, anyOf, items")
    func checkerRefuses() throws {
        let model = try OpenAPIModel()
        let checker = SchemaChecker(model: model)
        func errors(_ json: String, _ schema: String) throws -> [String] {
            checker.check(try JSONReader.parse(Array(json.utf8)).get(), try JSONReader.parse(Array(schema.utf8)).get())
        }
        let candle = ##"{"$ref":"#/components/schemas/Candle"}"##
        #expect(try errors(#"{"t":1,"o":1.5,"h":2,"l":1,"c":1,"v":1,"bv":0.5,"sv":0.5}"#, candle).isEmpty)
        #expect(try !errors(#"{"t":1.5,"o":1,"h":2,"l":1,"c":1,"v":1,"bv":0.5,"sv":0.5}"#, candle).isEmpty, "t must be an integer")
        #expect(try !errors(#"{"t":1,"o":"1","h":2,"l":1,"c":1,"v":1,"bv":0.5,"sv":0.5}"#, candle).isEmpty, "o must be a number")
        #expect(try !errors(#"{"t":1,"o":1,"h":2,"l":1,"c":1,"v":1,"bv":0.5}"#, candle).isEmpty, "sv is required")
        #expect(try errors(#"{"symbol":"X","interval":"1m","candle":null}"#, ##"{"$ref":"#/components/schemas/LatestCandle"}"##).isEmpty)
        #expect(try !errors(#"{"t":null}"#, #"{"properties":{"t":{"type":"integer"}}}"#).isEmpty, "null needs nullable")
        #expect(try !errors(#""perp""#, ##"{"$ref":"#/components/schemas/MarketName"}"##).isEmpty)
        #expect(try !errors(#"{"message":"x"}"#, ##"{"$ref":"#/components/schemas/NotFoundEither"}"##).isEmpty)
        #expect(try !errors(#"[["1","2","3"]]"#, ##"{"type":"array","items":{"$ref":"#/components/schemas/PriceLevel"}}"##).isEmpty)
        #expect(try !errors(#"{"a":1}"#, #"{"additionalProperties":{"type":"string"}}"#).isEmpty)
        #expect(try !errors("5", #"{"type":"integer","minimum":1,"maximum":4}"#).isEmpty)
        #expect(try !errors(#"{"x":1}"#, ##"{"$ref":"#/components/schemas/Nowhere"}"##).isEmpty)
    }
}

extension Substring {
    fileprivate var trimmingSpaces: String { String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed()) }
}
