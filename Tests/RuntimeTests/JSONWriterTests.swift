import Testing
@testable import Runtime

@Suite("JSON writer")
struct JSONWriterTests {
    @Test("nested objects and arrays are separated correctly")
    func nesting() {
        var w = JSONWriter()
        w.beginObject()
        w.field("a", 1)
        w.beginObject("b"); w.field("c", true); w.null("d"); w.endObject()
        w.beginArray("e"); w.beginObject(); w.field("f", "x"); w.endObject(); w.beginObject(); w.endObject(); w.endArray()
        w.endObject()
        #expect(w.text == #"{"a":1,"b":{"c":true,"d":null},"e":[{"f":"x"},{}]}"#)
    }

    @Test("strings are escaped")
    func escapes() {
        #expect(JSONWriter.quote("a\"b\\c\n\u{01}") == #""a\"b\\c\n\u0001""#)
    }
}
