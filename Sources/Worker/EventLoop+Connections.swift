import Glibc

/// Accepting, receiving, sending and closing connections.
extension EventLoop {
    func armAccept() {
        if options.sharedListener {
            backend.armListenPoll(listenFD: fds.listen, tag: CompletionTag(op: .accept))
        } else {
            backend.armAccept(listenFD: fds.listen, multishot: true, tag: CompletionTag(op: .accept))
        }
        acceptArmed = true
    }

    func onAccept(_ completion: Completion) {
        if options.sharedListener { return onListenReadable(completion) }
        if !completion.more { acceptArmed = false }
        let result = completion.result
        if result >= 0 {
            admit(fd: result)
        } else if result != -ECANCELED && !Self.transientAcceptErrors.contains(-result) {
            // Out of descriptors or memory, or the socket itself is wrong: retrying at once
            // would spin; try again at the tick.
            counters.acceptErrors += 1
            if !completion.more { acceptRetryAtTick = true }
        }
        if !acceptArmed && !acceptRetryAtTick && !stopping { armAccept() }
    }

    /// The shared listening socket is readable: take what waits. Every worker is told of every
    /// connection (a plain poll, where io_uring's accept waits exclusively: a worker that
    /// cancels its accept while stopping could swallow the only wake-up of a connection and
    /// leave it in the backlog). The first to look takes it; the others find nothing.
    private func onListenReadable(_ completion: Completion) {
        if !completion.more { acceptArmed = false }
        if completion.result >= 0 && !stopping {
            if isFull {
                // Leave waiting connections to the other workers; what they leave is refused
                // at the tick.
                pausedWhileFull = true
                if acceptArmed { backend.cancel(CompletionTag(op: .accept), tag: CompletionTag(op: .cancel)) }
                return
            }
            takeWaiting(leavingToLessLoaded: true)
        } else if completion.result < 0 && completion.result != -ECANCELED {
            counters.acceptErrors += 1
            acceptRetryAtTick = true
        }
        if !acceptArmed && !acceptRetryAtTick && !pausedWhileFull && !stopping { armAccept() }
    }

    /// Accepts every connection waiting on the shared socket; with `leavingToLessLoaded`, as
    /// many as keep this worker within `acceptLead` of the least loaded other one, which hears
    /// of every connection too. Having taken some, it wakes that one for the rest: the other
    /// may have declined them while it was ahead and would hear of them again only from the
    /// next arrival (a burst would wait for a tick). So a burst (wrk's 100 connections at once)
    /// is split too, where the first worker awake used to take it all.
    func takeWaiting(leavingToLessLoaded: Bool) {
        var taken = 0
        while true {
            if leavingToLessLoaded, let fewest = hooks.fewestConnectionsElsewhere,
               counters.connectionsOpen - fewest.connections >= options.acceptLead {
                leftToOthers = true
                if taken > 0 { hooks.nudge(worker: fewest.worker) }
                return
            }
            let r = backend.acceptPending(listenFD: fds.listen)
            if r >= 0 {
                taken += 1
                admit(fd: r)
            } else if r == -EAGAIN {
                return
            } else if !Self.transientAcceptErrors.contains(-r) {
                counters.acceptErrors += 1
                acceptRetryAtTick = true
                return
            }
        }
    }

    /// Holding `maxConnections` (a shared listener's worker then stops taking connections).
    var isFull: Bool { table.inUse >= options.maxConnections }

    /// At the tick, a worker paused while full takes (and refuses, 503) what the others left
    /// waiting, and listens again once it has room.
    func resumeIfRoom(atTick: Bool) {
        guard pausedWhileFull, !stopping else { return }
        if atTick { takeWaiting(leavingToLessLoaded: false) }
        guard !isFull else { return }
        pausedWhileFull = false
        if !acceptArmed { armAccept() }
    }

    /// Errors of one pending connection that accept(2) reports; the next accept may succeed.
    static var transientAcceptErrors: [Int32] {
        [EAGAIN, EINTR, ECONNABORTED, EPROTO, ENETDOWN, ENOPROTOOPT, EHOSTDOWN, ENONET, EHOSTUNREACH, EOPNOTSUPP, ENETUNREACH]
    }

    private func admit(fd: Int32) {
        counters.connectionsAccepted += 1
        // A connection accepted while stopping (the accept raced the cancel) is still served:
        // its client is already waiting, and its response will carry `Connection: close`.
        guard let connection = table.open(fd: fd, now: now) else {
            counters.connectionsRejected += 1
            backend.closeSocket(fd: fd)
            return
        }
        counters.connectionsOpen += 1
        hooks.onConnectionCount(counters.connectionsOpen)
        backend.configureAccepted(fd: fd)
        if let refusal = checkLimits(connection, fd: fd) {
            connection.refusal = refusal
            if refusal == .full { counters.connectionsRejected += 1 } else { counters.refusedPerAddress += 1 }
        }
        armReceive(connection)
    }

    /// Arms `connection`'s receive at the end of this turn.
    func deferReceive(_ connection: Connection) {
        guard !connection.receiveDeferred else { return }
        connection.receiveDeferred = true
        deferredReceives.append(connection)
    }

    /// The receives deferred for lack of buffers, armed now that the turn's buffers are back.
    func armDeferredReceives() {
        for connection in deferredReceives {
            connection.receiveDeferred = false
            if connection.phase == .open && !connection.receiveArmed { armReceive(connection) }
        }
        deferredReceives.removeAll(keepingCapacity: true)
    }

    func armReceive(_ connection: Connection) {
        backend.armReceive(fd: connection.fd, tag: connection.tag(.receive))
        connection.receiveArmed = true
    }

    func onReceive(_ completion: Completion) {
        guard let connection = table.lookup(completion.tag) else { return }
        if !completion.more { connection.receiveArmed = false }
        guard connection.phase == .open else { return releaseIfDone(connection) }
        let result = completion.result
        if result > 0, let id = completion.bufferID {
            ingest(connection, backend.receivedBytes(bufferID: id, count: Int(result)))
        } else if result == 0 {
            peerClosed(connection)
            return
        } else if result == -ENOBUFS {
            // Out of provided buffers: they come back as this turn's completions are handled
            // and are published at the next submit. Arming again now would fail at once, and
            // with thousands of connections the turn would never end: arm at the turn's end.
            if !connection.receiveArmed { deferReceive(connection) }
            return
        } else {
            drop(connection)
            return
        }
        // The kernel ended the multishot: arm again.
        if connection.phase == .open && !connection.receiveArmed { armReceive(connection) }
    }

    /// The client shut its side: finish what is queued, then close.
    private func peerClosed(_ connection: Connection) {
        if connection.sends.isEmpty {
            close(connection)
        } else {
            connection.closeAfterSend = true
        }
    }

    func onSend(_ completion: Completion) {
        guard let connection = table.lookup(completion.tag) else { return }
        connection.sends.sendCompleted(max(Int(completion.result), 0))
        guard connection.phase == .open else { return releaseIfDone(connection) }
        guard completion.result >= 0 else { return drop(connection) }
        connection.lastSendProgress = now
        if connection.sends.isEmpty { connection.lastActivity = now }
        if connection.webSocket != nil { caughtUp(connection) }
        queueFlush(connection)
    }

    /// Closes the socket; the slot is released once the kernel holds nothing of it.
    func close(_ connection: Connection) {
        guard connection.phase == .open else { return }
        backend.closeSocket(fd: connection.fd)
        connection.phase = .closing
        counters.connectionsOpen -= 1
        hooks.onConnectionCount(counters.connectionsOpen)
        if connection.webSocket != nil { counters.webSocketsOpen -= 1 }
        if connection.webSocket?.kind == .terminal { counters.terminalClients -= 1 }
        forgetPeer(connection)
        if connection.receiveArmed { backend.cancel(connection.tag(.receive), tag: CompletionTag(op: .cancel)) }
        releaseIfDone(connection)
    }

    /// Closes without finishing: errors, stalls, the shutdown deadline.
    func drop(_ connection: Connection) {
        guard connection.phase == .open else { return }
        counters.connectionsDropped += 1
        close(connection)
    }

    func releaseIfDone(_ connection: Connection) {
        if connection.phase == .closing && !connection.receiveArmed && !connection.sends.inFlight {
            unindexSubscriptions(of: connection)
            table.release(connection)
            resumeIfRoom(atTick: false)
        }
    }
}
