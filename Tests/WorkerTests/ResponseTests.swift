import Testing
@testable import Worker

/// Response bytes, the Date cache, send queues and routing.
@Suite("Responses, dates and routes")
struct ResponseTests {
    @Test("dates render as IMF-fixdate")
    func imfFixdate() {
        #expect(DateCache.imfFixdate(epochSeconds: 784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(DateCache.imfFixdate(epochSeconds: 0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(DateCache.imfFixdate(epochSeconds: 951_782_400) == "Tue, 29 Feb 2000 00:00:00 GMT")
        #expect(DateCache.imfFixdate(epochSeconds: 4_102_444_799) == "Thu, 31 Dec 2099 23:59:59 GMT")
    }

    @Test("a response carries status, date, type, length, connection and body")
    func rendering() {
        var dates = DateCache()
        dates.update(epochSeconds: 784_111_777)
        var queue = SendQueue()
        queue.withPending { out in
            HTTPResponse.write(status: .notFound, body: StaticString("{}").bytes, connection: .close, date: dates, into: &out)
        }
        let bytes = queue.beginSend()?.gathered ?? []
        #expect(String(decoding: bytes, as: UTF8.self) == "HTTP/1.1 404 Not Found\r\n"
            + "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\nServer: tterminal\r\nContent-Type: application/json\r\n"
            + "Content-Length: 2\r\nConnection: close\r\n\r\n{}")
        queue.sendCompleted(bytes.count)
        let empty = queue.isEmpty
        #expect(empty)
    }

    @Test("shared frames and own bytes leave in the order queued, in one vectored send, and a short send resumes mid-frame")
    func sharedFrames() {
        func frame(_ text: String) -> SharedFrame {
            let f = SharedFrame(count: text.utf8.count)
            f.bytes.copyBytes(from: Array(text.utf8))
            return f
        }
        var queue = SendQueue()
        weak var watched: SharedFrame?
        do {
            let shared = frame("XYZ")
            watched = shared
            queue.withPending { $0.append(Array("ab".utf8)) }
            queue.append(shared)
            queue.withPending { $0.append(Array("cd".utf8)) }
            queue.append(shared)
        }
        #expect(queue.queuedBytes == 10 && watched != nil)
        let first = queue.beginSend()
        #expect(first?.gathered == Array("abXYZcdXYZ".utf8))
        queue.append(frame("!"))
        queue.sendCompleted(3)
        #expect(queue.queuedBytes == 8)
        #expect(queue.beginSend()?.gathered == Array("YZcdXYZ".utf8))
        queue.sendCompleted(7)
        #expect(queue.beginSend()?.gathered == Array("!".utf8))
        queue.sendCompleted(1)
        let empty = queue.isEmpty
        #expect(empty && watched == nil, "the frame is freed once every queue has sent it")
    }

    @Test("a frame queued to many queues lives until the last lets go: by sending it, by a reset, or by the queue's end")
    func sharedFrameHolds() {
        weak var watched: SharedFrame?
        var sender = SendQueue()
        var resetter = SendQueue()
        var twice = SendQueue()
        do {
            let shared = SharedFrame(count: 4)
            shared.bytes.copyBytes(from: Array("WXYZ".utf8))
            watched = shared
            sender.append(shared)
            resetter.append(shared)
            twice.append(shared)
            twice.append(shared, from: 2)
            var ending = SendQueue()
            ending.append(shared)
            _ = ending.beginSend()
            ending.sendCompleted(0)  // a failed send: the frame is still queued when the queue ends
        }
        #expect(watched != nil, "queues hold the frame after its creator let go")
        #expect(sender.beginSend()?.gathered == Array("WXYZ".utf8))
        sender.sendCompleted(4)
        #expect(watched != nil)
        resetter.reset()
        #expect(watched != nil)
        #expect(twice.beginSend()?.gathered == Array("WXYZYZ".utf8))
        twice.sendCompleted(5)
        #expect(watched != nil, "one byte of the second piece is still to send")
        #expect(twice.beginSend()?.gathered == Array("Z".utf8))
        twice.sendCompleted(1)
        #expect(watched == nil, "freed when the last queue sent its last byte")
    }

    @Test("a send queue resends the rest of a short send, then what was appended meanwhile")
    func partialSends() {
        var queue = SendQueue()
        queue.withPending { $0.append(Array("abcdef".utf8)) }
        let first = queue.beginSend()?.gathered
        queue.withPending { $0.append(Array("gh".utf8)) }
        let whileInFlight = queue.beginSend()
        #expect(whileInFlight == nil)
        queue.sendCompleted(4)
        let rest = queue.beginSend()?.gathered
        #expect(rest == Array("ef".utf8))
        queue.sendCompleted(2)
        let appended = queue.beginSend()?.gathered
        #expect(appended == Array("gh".utf8))
        queue.sendCompleted(2)
        #expect(first == Array("abcdef".utf8))
        let drained = queue.isEmpty && queue.queuedBytes == 0
        #expect(drained)
    }

    @Test("every status the worker sends has a constant status line matching its reason")
    func statusLines() {
        for code in [200, 204, 400, 404, 405, 408, 413, 414, 429, 431, 500, 501, 503, 505] {
            let status = HTTPStatus(code)
            #expect(status.statusLine.map { Array($0.bytes) } == status.renderedStatusLine)
        }
        #expect(HTTPStatus(299).statusLine == nil)
        // The REST API's other statuses have their reason phrase too (no "Status 201").
        for code in [201, 202, 304, 409, 415, 502, 504, 507] {
            #expect(!HTTPStatus(code).reason.hasPrefix("Status"), "\(code)")
        }
    }

    @Test("the router tells a route from a wrong method and an unknown path")
    func routing() {
        let router = Router.standard
        #expect(router.match(method: .get, path: "/api/v1/health") == .route(.health))
        #expect(router.match(method: .head, path: "/api/v1/health") == .route(.health))
        #expect(router.match(method: .post, path: "/api/v1/health")
            == .methodNotAllowed(allowHeader: Array("Allow: GET, HEAD\r\n".utf8)))
        #expect(router.match(method: .get, path: "/nope") == .notFound)
    }
}
