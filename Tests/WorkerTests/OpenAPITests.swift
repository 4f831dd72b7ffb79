import Market
import Testing
@testable import Worker

/// The OpenAPI document against the route tables: it is valid, it documents every route and
/// method the server takes and nothing else, and (`OpenAPITests+Answers.swift`) the real
/// answers fit it.
@Suite("OpenAPI document")
struct OpenAPITests {
    /// The documented template of each API route. Exhaustive on purpose: a new route does not
    /// compile until it is named here; give it a sample in `OpenAPISamples` and a path in the
    /// document.
    static func template(of route: APIRoute) -> String {
        let v1 = "/api/v1"
        return switch route {
        case .aggregationCandles: "\(v1)/aggregation/candles/{symbol}/{interval}"
        case .aggregationMulti: "\(v1)/aggregation/multi"
        case .aggregationStats: "\(v1)/aggregation/stats"
        case .aggregationVolumeProfile: "\(v1)/aggregation/volume-profile/{symbol}"
        case .aggregationFootprint: "\(v1)/aggregation/footprint/{symbol}/{interval}"
        case .aggregationCVD: "\(v1)/aggregation/cvd/{symbol}/{interval}"
        case .aggregationLiquidations: "\(v1)/aggregation/liquidations/{symbol}"
        case .aggregationHeatmap: "\(v1)/aggregation/heatmap/{symbol}"
        case .candles: "\(v1)/candles/{symbol}"
        case .candlesRaw: "\(v1)/candles/{symbol}/raw"
        case .candlesMetrics: "\(v1)/candles/{symbol}/metrics"
        case .candlesLatest: "\(v1)/candles/{symbol}/latest"
        case .candlesRange: "\(v1)/candles/{symbol}/range"
        case .candlesFetch: "\(v1)/candles/fetch"
        case .candlesWebSocket: "\(v1)/ws/candles/{symbol}"
        case .websocketStats: "\(v1)/websocket/stats"
        case .websocketPrice: "\(v1)/websocket/price/{symbol}"
        case .websocketDepth: "\(v1)/websocket/depth/{symbol}"
        case .websocketTrades: "\(v1)/websocket/trades/{symbol}"
        case .websocketKline: "\(v1)/websocket/kline/{symbol}/{interval}"
        case .websocketVolume: "\(v1)/websocket/volume/{symbol}"
        case .websocketMarkPrice: "\(v1)/websocket/markprice/{symbol}"
        case .websocketLiquidations: "\(v1)/websocket/liquidations/{symbol}"
        case .websocketAddSymbol: "\(v1)/websocket/symbols/{symbol}"
        case .symbols: "\(v1)/symbols"
        case .symbol: "\(v1)/symbols/{symbol}"
        case .dataCollectionStats: "\(v1)/data-collection/stats"
        case .dataCollectionAction(let action): "\(v1)/data-collection/\(action)"
        case .dataCollectionSymbols: "\(v1)/data-collection/symbols"
        case .dataCollectionSymbol: "\(v1)/data-collection/symbols/{symbol}"
        case .openAPI: "\(v1)/openapi.json"
        }
    }

    static let methods: [String: HTTPMethod] = ["GET": .get, "POST": .post, "PUT": .put, "DELETE": .delete, "PATCH": .patch]

    /// A concrete path for a template: a served symbol and a served interval.
    static func instance(of template: String) -> String {
        template.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0 == "{symbol}" ? "BTCUSDT" : $0 == "{interval}" ? "1m" : String($0) }.joined(separator: "/")
    }

    @Test("the document is OpenAPI 3.0.3 JSON with info, paths and components, and the served bytes are the text without indentation")
    func wellFormed() throws {
        let model = try OpenAPIModel()
        #expect(model.root["openapi"] == .string("3.0.3"))
        #expect(model.root["info"]?["title"]?.string?.isEmpty == false && model.root["info"]?["version"]?.string != nil)
        #expect(model.paths.count >= 39 && model.operations.count >= 42)
        #expect(model.root["components"]?["schemas"] != nil)
        let pretty = try JSONReader.parse(Array(OpenAPIDocument.text.utf8)).get()
        let same = Self.canonical(pretty) == Self.canonical(model.root)
        #expect(same, "the served bytes hold another document than the text")
        #expect(OpenAPIDocument.bytes.count < OpenAPIDocument.text.utf8.count && !OpenAPIDocument.bytes.contains(0x0A))
    }

    /// `value` as text with its keys in order, to compare documents by content.
    static func canonical(_ value: JSONValue) -> String {
        switch value {
        case .object(let members): "{" + members.map { "\($0.key.debugDescription):\(canonical($0.value))" }.joined(separator: ",") + "}"
        case .array(let items): "[" + items.map(canonical).joined(separator: ",") + "]"
        case .string(let s): s.debugDescription
        case .number(let text): text
        case .bool(let b): "\(b)"
        case .null: "null"
        }
    }

    @Test("no object in the document repeats a key, and every $ref points at something")
    func keysAndReferences() throws {
        let model = try OpenAPIModel()
        var duplicates: [String] = []
        var dangling: [String] = []
        func walk(_ v: JSONValue, _ path: String) {
            switch v {
            case .object(let members):
                let keys = members.map(\.key)
                if Set(keys).count != keys.count { duplicates.append(path) }
                for m in members {
                    if m.key == "$ref", let ref = m.value.string, model.lookup(ref) == nil { dangling.append("\(path): \(ref)") }
                    walk(m.value, "\(path)/\(m.key)")
                }
            case .array(let items): for (i, item) in items.enumerated() { walk(item, "\(path)/\(i)") }
            default: break
            }
        }
        walk(model.root, "#")
        #expect(duplicates.isEmpty, "\(duplicates)")
        #expect(dangling.isEmpty, "\(dangling)")
    }

    @Test("every schema uses only keywords the checker understands")
    func keywords() throws {
        let model = try OpenAPIModel()
        var unknown: [String] = []
        if case .object(let schemas)? = model.root["components"]?["schemas"] {
            for s in schemas { unknown += SchemaChecker.unknownKeywords(in: s.value, at: "schemas/\(s.key)") }
        }
        func media(_ v: JSONValue?, _ at: String) {
            guard case .object(let types)? = v?["content"] else { return }
            for t in types { if let schema = t.value["schema"] { unknown += SchemaChecker.unknownKeywords(in: schema, at: "\(at)/\(t.key)") } }
        }
        if case .object(let responses)? = model.root["components"]?["responses"] {
            for r in responses { media(r.value, "responses/\(r.key)") }
        }
        for (template, item) in model.paths {
            for method in OpenAPIModel.methods {
                guard let op = item[method] else { continue }
                media(op["requestBody"], "\(template) \(method) body")
                if case .object(let responses)? = op["responses"] { for r in responses { media(r.value, "\(template) \(method) \(r.key)") } }
                for p in (op["parameters"]?.array ?? []) + (item["parameters"]?.array ?? []) {
                    if let schema = model.resolved(p)?["schema"] { unknown += SchemaChecker.unknownKeywords(in: schema, at: "\(template) \(method) parameter") }
                }
            }
        }
        #expect(unknown.isEmpty, "\(unknown)")
    }

    @Test("every operation has a unique id, described responses, and exactly the path parameters its template names")
    func operationsAreComplete() throws {
        let model = try OpenAPIModel()
        var ids: [String] = []
        for (template, item) in model.paths {
            let named = Set(template.split(separator: "/").filter { $0.hasPrefix("{") }.map { String($0.dropFirst().dropLast()) })
            for method in OpenAPIModel.methods {
                guard let op = item[method] else { continue }
                let place = "\(method.uppercased()) \(template)"
                ids.append(op["operationId"]?.string ?? "")
                let parameters = ((item["parameters"]?.array ?? []) + (op["parameters"]?.array ?? [])).compactMap(model.resolved)
                let inPath = parameters.filter { $0["in"] == .string("path") }
                #expect(Set(inPath.compactMap { $0["name"]?.string }) == named, "\(place): path parameters")
                #expect(inPath.allSatisfy { $0["required"] == .bool(true) }, "\(place): path parameters are required")
                guard case .object(let responses)? = op["responses"] else {
                    Issue.record("\(place) has no responses")
                    continue
                }
                #expect(responses.contains { $0.key != "429" }, "\(place): only the rate limit is documented")
                for r in responses {
                    #expect(Int(r.key) != nil, "\(place): status \(r.key)")
                    #expect(model.resolved(r.value)?["description"]?.string != nil, "\(place) \(r.key) has no description")
                }
                #expect(responses.contains { $0.key == "429" }, "\(place): every request can be rate limited")
            }
        }
        #expect(!ids.contains("") && Set(ids).count == ids.count, "operation ids: \(ids)")
    }

    @Test("every sample resolves to the route whose template the document has, and every documented API operation has a sample")
    func samplesCoverTheDocument() throws {
        let model = try OpenAPIModel()
        var covered = Set<String>()
        for sample in OpenAPISamples.answered {
            guard Router.standard.match(method: sample.method, path: sample.path) == .route(.api),
                  case .route(let route) = APIRoute.match(method: sample.method, path: sample.path) else {
                Issue.record("\(sample) is not an API route")
                continue
            }
            let documented = model.template(for: sample.path)
            #expect(documented?.template == Self.template(of: route), "\(sample)")
            #expect(documented.flatMap { model.operation($0.item, sample.method) } != nil, "\(sample): method not documented")
            covered.insert("\(sample.method) \(Self.template(of: route))")
        }
        let loopPaths = Set(Router.standard.entries.map(\.path))
        let documented = Set(model.operations.filter { !loopPaths.contains($0.template) }.map { "\($0.method) \($0.template)" })
        #expect(documented.subtracting(covered).isEmpty, "documented without a sample: \(documented.subtracting(covered).sorted())")
        #expect(covered.subtracting(documented).isEmpty, "answered but not documented: \(covered.subtracting(documented).sorted())")
    }

    @Test("every documented operation resolves to a route of the API or of the loop, HEAD follows GET, and every loop route is documented")
    func documentMatchesTheRouters() throws {
        let model = try OpenAPIModel()
        let loop = Router.standard.entries
        for (template, method) in model.operations {
            let path = Self.instance(of: template)
            let m = try #require(Self.methods[method], "\(method) \(template)")
            switch Router.standard.match(method: m, path: path) {
            case .route(.api):
                guard case .route(let route) = APIRoute.match(method: m, path: path) else {
                    Issue.record("\(method) \(template) is documented, but no route takes \(path)")
                    continue
                }
                #expect(Self.template(of: route) == template, "\(method) \(template)")
                if m == .get { #expect(APIRoute.match(method: .head, path: path) == .route(route)) }
            case .route:
                #expect(loop.contains { $0.path == template && $0.methods.contains(m) && (m != .get || $0.methods.contains(.head)) })
            default:
                Issue.record("\(method) \(template) is documented, but the router refuses \(path)")
            }
        }
        for entry in loop {
            for m in entry.methods where m != .head {
                #expect(model.operations.contains { $0.template == entry.path && $0.method == m.description }, "\(m) \(entry.path) undocumented")
            }
        }
    }
}
