import Posix
import Market
import ShmRing

/// Subscriptions with recovery: a resuming client is sent every message of its channels it
/// missed, straight from the ring, before anything live.
extension WorkerProcess {
    public var ringPosition: ResumePoint { ResumePoint(epoch: reader.epoch, sequence: reader.lastSequence) }

    public func onSubscribed(_ key: SubscriptionKey, subscriber: SubscriberID, channels: ChannelSet,
                             replacing: SubscriptionKey?, resume: ResumePoint?, broadcaster: Broadcaster) {
        if let resume, let symbol = directory.name(of: key.symbol) {
            let outcome = replay(key, channels: channels, after: resume, symbol: symbol, to: subscriber, via: broadcaster)
            var text = TerminalProtocol.recovery(symbol, market: key.market, outcome: outcome,
                                                 timestamp: Clock.realtimeNanos() / 1_000_000)
            text.withUTF8 { _ = broadcaster.send(text: UnsafeRawBufferPointer($0), to: subscriber) }
        }
        if channels.contains(.depth) {
            feed.subscribed(key, subscriber: subscriber, replacing: replacing, via: broadcaster)
        }
    }

    public func onResnapshot(_ key: SubscriptionKey, subscriber: SubscriberID, broadcaster: Broadcaster) {
        feed.subscribed(key, subscriber: subscriber, replacing: nil, via: broadcaster)
    }

    /// Sends `subscriber` the messages of `channels` of `key` with a sequence after the
    /// client's, up to the last record this worker handled; all or nothing: they are encoded
    /// first, and sent only if the ring still held every record and they are not too many.
    func replay(_ key: SubscriptionKey, channels: ChannelSet, after resume: ResumePoint, symbol: String,
                to subscriber: SubscriberID, via broadcaster: Broadcaster) -> RecoveryOutcome {
        let end = reader.lastSequence
        let epoch = reader.epoch
        // An earlier epoch of this ring resumes too: a restarted feeder continues the ring's
        // sequence, and a client that stayed connected across the restart never heard of the
        // new epoch. A ring's epochs start at its segment's creation time, so an epoch outside
        // [first, current] is another ring's (a server since restarted), and so is a sequence
        // this ring never published.
        guard resume.epoch >= reader.firstEpoch, resume.epoch <= epoch, resume.sequence <= reader.publishedSequence else {
            return refused(.epochChanged, epoch: epoch, end: end)
        }
        guard resume.sequence < end else {
            // The client saw records this worker has still to read: nothing was missed.
            return .recovered(from: resume.sequence &+ 1, to: resume.sequence, messages: 0, epoch: epoch)
        }
        var found = replayIndex.start(after: resume.sequence)
        if found == nil && !replayIndexFromOldest {
            // The index starts where this worker started (a restarted worker): the ring may hold
            // older records still. Index them all once, from the oldest.
            indexFromOldest(upTo: end)
            found = replayIndex.start(after: resume.sequence)
        }
        guard let start = found else { return refused(.tooOld, epoch: epoch, end: end) }
        var replayer = RingReader(segment: segment, position: start.position, after: start.sequence)
        var messages: [UInt8] = []
        var ends: [Int] = []
        var out = JSONBytes(capacity: 1024)
        var continuous = false
        reading: while replayer.lastSequence < end {
            switch replayer.next(into: replayBuffer) {
            case .record(let type, let sequence, let length):
                guard sequence > resume.sequence else { continue }
                // The first record after the client's must be the very next one: anything older
                // than what the ring still holds cannot be replayed whole.
                if !continuous {
                    guard sequence == resume.sequence &+ 1 else { return refused(.tooOld, epoch: epoch, end: end) }
                    continuous = true
                }
                guard sequence <= end else { break reading }
                let event = RingEvent(type: type, payload: UnsafeRawBufferPointer(rebasing: replayBuffer[..<length]))
                guard let (k, channel) = TerminalFeed.route(event), k == key, !channels.isDisjoint(with: channel) else { continue }
                guard ends.count < replayMax else { return refused(.tooOld, epoch: epoch, end: end) }
                out.removeAll()
                TerminalFeed.encode(event, symbol: symbol, sequence: sequence, into: &out)
                messages.append(contentsOf: out.bytes)
                ends.append(messages.count)
            case .lapped:
                return refused(.tooOld, epoch: epoch, end: end)
            case .empty:
                break reading
            case .tooLarge:
                continue
            }
        }
        messages.withUnsafeBytes { all in
            var from = 0
            for to in ends {
                _ = broadcaster.send(text: UnsafeRawBufferPointer(rebasing: all[from..<to]), to: subscriber)
                from = to
            }
        }
        replayCounts.recovered += 1
        replayCounts.replayed += ends.count
        return .recovered(from: resume.sequence &+ 1, to: end, messages: ends.count, epoch: epoch)
    }

    /// Samples every record from the ring's oldest up to `end` into a new index (once per
    /// worker: later samples come as the ring is read). A lap while walking leaves the index as it was.
    func indexFromOldest(upTo end: UInt64) {
        replayIndexFromOldest = true
        var walker = RingReader(segment: segment, start: .oldest)
        var index = ReplayIndex()
        index.note(sequence: walker.lastSequence, position: walker.position)
        while walker.lastSequence < end {
            switch walker.next(into: replayBuffer) {
            case .record, .tooLarge:
                index.note(sequence: walker.lastSequence, position: walker.position)
            case .lapped, .empty:
                return
            }
        }
        // The samples the worker took as it read continue the rebuilt index.
        for (sequence, position) in zip(replayIndex.sequences, replayIndex.positions) where sequence > end {
            index.note(sequence: sequence, position: position)
        }
        replayIndex = index
    }

    private func refused(_ reason: RecoveryRefusal, epoch: UInt64, end: UInt64) -> RecoveryOutcome {
        replayCounts.refused += 1
        return .impossible(reason, epoch: epoch, sequence: end)
    }
}
