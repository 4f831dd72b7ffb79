import Glibc
import ShmRing
import Testing
import WebSocketCore
@testable import Worker

/// The terminal route's subscriptions in the loop, over a scripted backend, with a fixed set
/// of served symbols and hooks that record what the loop told them.
@Suite("Terminal subscriptions over a scripted backend")
struct TerminalScriptedTests {
    static func script() throws -> (WebSocketScript, RecordingHooks) {
        let hooks = RecordingHooks(symbols: ["BTCUSDT", "ETHUSDT"], markers: true)
        let ws = try WebSocketScript(path: "/api/v1/websocket/connect", hooks: hooks)
        _ = ws.texts()
        return (ws, hooks)
    }

    @Test("an unknown symbol is refused with an error naming it and the served symbols, and indexes nothing")
    func unknownSymbol() throws {
        let (ws, hooks) = try Self.script()
        ws.send(text: #"{"type":"subscribe","symbol":"dogeusdt"}"#)
        #expect(ws.texts() == [#"{"type":"error","message":"unknown symbol DOGEUSDT: this server streams BTCUSDT, ETHUSDT","symbol":"DOGEUSDT"}"#])
        #expect(ws.s.loop.subscriptionIndex.isEmpty && hooks.subscriptionEvents.withLock { $0 }.isEmpty)
    }

    @Test("subscribe is answered with its market, then the hook's first message; a second market of the symbol replaces the first")
    func subscribeAndSwitch() throws {
        let (ws, hooks) = try Self.script()
        ws.send(text: #"{"type":"subscribe","symbol":"ethusdt"}"#)
        var replies = ws.texts()
        #expect(replies.count == 2)
        #expect(replies[0].hasPrefix(#"{"type":"subscribed","symbol":"ETHUSDT","message":"Successfully subscribed to ETHUSDT","timestamp":"#))
        #expect(replies[0].hasSuffix(#","market":"futures"}"#))
        #expect(replies[1] == #"{"type":"marker","key":"1/futures"}"#)
        ws.send(text: #"{"type":"subscribe","symbol":"ETHUSDT","market":"spot"}"#)
        replies = ws.texts()
        #expect(replies.count == 2 && replies[0].hasSuffix(#","market":"spot"}"#))
        let eth = SubscriptionKey(symbol: 1, market: .spot)
        #expect(ws.s.loop.subscriptionIndex.subscribers(of: eth) == [ws.tag.slot])
        #expect(ws.s.loop.subscriptionIndex.count(of: SubscriptionKey(symbol: 1, market: .futures)) == 0)
        ws.send(text: #"{"type":"getStats"}"#)
        let stats = try #require(ws.texts().first)
        #expect(stats.contains(#""subscriptions":{"ETHUSDT":1},"yourSymbols":["ETHUSDT"]"#) && stats.hasSuffix(#""yourMarkets":{"ETHUSDT":"spot"}}"#))
        ws.send(text: #"{"type":"unsubscribe","symbol":"ETHUSDT"}"#)
        #expect(ws.texts().first?.hasSuffix(#","market":"spot"}"#) == true)
        #expect(ws.s.loop.subscriptionIndex.isEmpty)
        #expect(hooks.subscriptionEvents.withLock { $0 } == ["+1/futures", "+1/spot(-1/futures)", "-1/futures=0", "-1/spot=0"])
    }

    @Test("repeating the subscription a connection has is answered subscribed and asks the hooks for nothing (no snapshot each time); other channels or a resume do")
    func repeatedSubscribe() throws {
        let (ws, hooks) = try Self.script()
        ws.send(text: #"{"type":"subscribe","symbol":"BTCUSDT"}"#)
        #expect(ws.texts().count == 2)
        for _ in 0..<50 { ws.send(text: #"{"type":"subscribe","symbol":"btcusdt","market":"futures"}"#) }
        let replies = ws.texts()
        #expect(replies.count == 50 && replies.allSatisfy { $0.hasPrefix(#"{"type":"subscribed","symbol":"BTCUSDT""#) })
        #expect(hooks.subscriptionEvents.withLock { $0 } == ["+0/futures"])
        ws.send(text: #"{"type":"subscribe","symbol":"BTCUSDT","channels":["depth"]}"#)
        #expect(ws.texts().last == #"{"type":"marker","key":"0/futures"}"#)
        ws.send(text: #"{"type":"subscribe","symbol":"BTCUSDT","channels":["depth"],"epoch":1,"seq":0}"#)
        #expect(ws.texts().last == #"{"type":"marker","key":"0/futures"}"#)
        #expect(hooks.subscriptionEvents.withLock { $0 }.count == 3)
    }

    @Test("the tick publishes terminal clients and subscribers per symbol, kept as they come and go; getStats adds the other workers' figures")
    func serverWideStats() throws {
        let (ws, hooks) = try Self.script()
        ws.send(text: #"{"type":"subscribe","symbol":"BTCUSDT"}"#)
        ws.send(text: #"{"type":"subscribe","symbol":"ETHUSDT"}"#)
        ws.send(text: #"{"type":"subscribe","symbol":"ETHUSDT","market":"spot"}"#)
        _ = ws.texts()
        ws.tick(afterMilliseconds: 20)
        #expect(hooks.publishedClients.withLock { $0.clients } == 1)
        #expect(hooks.publishedClients.withLock { $0.perSymbol } == [1, 1], "switching market counts the client once")
        hooks.elsewhere.withLock { $0 = TerminalClients(clients: 4, subscribers: [0, 2, 5]) }
        ws.send(text: #"{"type":"getStats"}"#)
        let stats = try #require(ws.texts().first)
        #expect(stats.hasPrefix(#"{"type":"stats","clientCount":5,"subscriptions":{"BTCUSDT":1,"ETHUSDT":3},"yourSymbols":["BTCUSDT","ETHUSDT"]"#),
                "symbol 2 has no name here, so it is left out: \(stats)")
        ws.send(text: #"{"type":"unsubscribe","symbol":"BTCUSDT"}"#)
        _ = ws.texts()
        ws.send(.close, WebSocketClosePayload.make(code: .normalClosure))
        _ = ws.frames()
        ws.s.backend.complete(ws.tag, result: -ECANCELED)
        ws.tick(afterMilliseconds: 20)
        #expect(hooks.publishedClients.withLock { $0.clients } == 0)
        #expect(hooks.publishedClients.withLock { $0.perSymbol } == [0, 0])
    }

    @Test("a broadcast to one market of a symbol never reaches the other market's subscribers")
    func marketsApart() throws {
        let (ws, _) = try Self.script()
        ws.send(text: #"{"type":"subscribe","symbol":"BTCUSDT","market":"spot"}"#)
        _ = ws.texts()
        let message = Array(#"{"type":"trade_update"}"#.utf8)
        #expect(message.withUnsafeBytes { ws.s.loop.broadcast(text: $0, to: SubscriptionKey(symbol: 0, market: .futures), channel: .trades(of: .futures).union(.trades), sequence: 1) } == 0)
        #expect(message.withUnsafeBytes { ws.s.loop.broadcast(text: $0, to: SubscriptionKey(symbol: 0, market: .spot), channel: .trades(of: .futures).union(.trades), sequence: 1) } == 1)
        ws.s.loop.flush()
        #expect(ws.texts() == [#"{"type":"trade_update"}"#])
    }

    @Test("a closed subscriber leaves every key it had, and a message addressed to it never reaches the slot's next connection")
    func closedSubscriber() throws {
        let (ws, hooks) = try Self.script()
        ws.send(text: #"{"type":"subscribe","symbol":"BTCUSDT"}"#)
        ws.send(text: #"{"type":"subscribe","symbol":"ETHUSDT"}"#)
        _ = ws.texts()
        let connection = try #require(ws.s.loop.table.lookup(ws.tag))
        let id = connection.subscriberID
        ws.send(.close, WebSocketClosePayload.make(code: .normalClosure))
        _ = ws.frames()
        ws.s.backend.complete(ws.tag, result: -ECANCELED)
        ws.s.turn()
        #expect(ws.s.loop.subscriptionIndex.isEmpty)
        #expect(Set(hooks.subscriptionEvents.withLock { $0 }.suffix(2)) == ["-0/futures=0", "-1/futures=0"])
        let next = try #require(ws.s.accept(fd: 11))
        #expect(next.slot == id.slot)
        let text = Array("x".utf8)
        #expect(!text.withUnsafeBytes { ws.s.loop.send(text: $0, to: id) })
    }
}
