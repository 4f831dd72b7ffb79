/// The OpenAPI 3.0 document of the REST API, served at `/api/v1/openapi.json`.
enum OpenAPIDocument {
    static let bytes: [UInt8] = Array(text.utf8)
    static let text = #"{"openapi":"3.0.3","info":{"title":"tterminal","version":"1"},"paths":{}}"#
}
