import Testing
@testable import WebSocketCore

@Suite("Connection state machine")
struct StateMachineTests {
    @Test("messages are delivered and pings answered while open")
    func openConnection() {
        var machine = WebSocketStateMachine(role: .server)
        #expect(machine.received(.text([0x61])) == .deliverText([0x61]))
        #expect(machine.received(.binary([1])) == .deliverBinary([1]))
        #expect(machine.received(.ping([7, 8])) == .sendPong([7, 8]))
        #expect(machine.received(.pong([9])) == WebSocketStateMachine.Action.none)
        #expect(machine.state == .open)
    }

    @Test("a peer's close is echoed with its code and the connection then closes")
    func peerCloses() {
        var machine = WebSocketStateMachine(role: .server)
        #expect(machine.received(.close(code: .goingAway, reason: "bye")) == .sendClose(payload: [0x03, 0xE9], thenCloseConnection: true))
        #expect(machine.state == .closed)
        #expect(machine.received(.text([0x61])) == WebSocketStateMachine.Action.none)
    }

    @Test("a close without a code is echoed without a code")
    func peerClosesWithoutCode() {
        var machine = WebSocketStateMachine(role: .client)
        #expect(machine.received(.close(code: nil, reason: "")) == .sendClose(payload: [], thenCloseConnection: true))
    }

    @Test("our close waits for theirs, ignoring data meanwhile, then closes the connection")
    func weClose() {
        var machine = WebSocketStateMachine(role: .server)
        #expect(machine.close(code: .normalClosure, reason: "done") == .sendClose(payload: [0x03, 0xE8] + Array("done".utf8), thenCloseConnection: false))
        #expect(machine.state == .closeSent)
        #expect(machine.close() == WebSocketStateMachine.Action.none)
        #expect(machine.received(.text([0x61])) == WebSocketStateMachine.Action.none)
        #expect(machine.received(.ping([])) == WebSocketStateMachine.Action.none)
        #expect(machine.received(.close(code: .normalClosure, reason: "")) == .closeConnection)
        #expect(machine.state == .closed)
    }

    @Test("an unanswered close times out into closing the connection")
    func closeTimeout() {
        var machine = WebSocketStateMachine(role: .client)
        #expect(machine.closeTimedOut() == WebSocketStateMachine.Action.none)
        _ = machine.close()
        #expect(machine.closeTimedOut() == .closeConnection)
        #expect(machine.state == .closed)
    }

    @Test("a protocol error sends a close with its code and drops the connection")
    func protocolError() {
        var machine = WebSocketStateMachine(role: .server)
        let action = machine.received(.error(.invalidFramePayloadData, "bad"))
        #expect(action == .sendClose(payload: [0x03, 0xEF] + Array("bad".utf8), thenCloseConnection: true))
        #expect(machine.state == .closed)
    }
}
