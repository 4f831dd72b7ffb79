#!/usr/bin/env python3
"""A WebSocket client from another ecosystem (Python `websockets` 15) against tterminal's
terminal route, fed by `tterminal simulate`.

One logical client over up to three connections:
  1. subscribe (spot, channels trades + depth) and take trades and the book (snapshot, then diffs);
  2. extended protocol only: close, wait, reconnect and resume with the `epoch` and last `seq`:
     the missed messages, then {"type":"recovery","status":"recovered","from_seq":last+1,...},
     then the book as a new snapshot, then live diffs;
  3. stall the simulator's spot feed (its control API), wait until the stream is quiet, write the
     book to --quiet-file and wait for the caller to compare it with the feeder's (--quiet-file.ack);
  4. take more trades once the feed is back (the feeder fills what the stall dropped);
  5. extended protocol only: a new connection resumes with a wrong epoch: "impossible",
     "epoch_changed", then a snapshot.
Checks on the way (trade ids increasing, depth diffs continuing the book, seq increasing, only
the subscribed channels); writes everything it saw as JSON to --out; exits 0 when it found
nothing wrong, 1 when it did, 2 on a protocol timeout or connection failure.

    scripts/ws-client-check.py --url ws://127.0.0.1:PORT/api/v1/websocket/connect \
        --control http://127.0.0.1:SIMPORT/sim --out result.json --quiet-file book.json [--legacy]
"""
import argparse
import asyncio
import json
import os
import sys
import time
import urllib.request
from decimal import Decimal

from websockets.asyncio.client import connect

DATA_TYPES = {"trade_update", "depth_update"}


class Client:
    """What the client saw across its connections, checked as it arrives."""

    def __init__(self, legacy):
        self.legacy = legacy
        self.trades = []             # trade ids, arrival order, every connection
        self.bids, self.asks = {}, {}  # Decimal price -> (price text, quantity text)
        self.update_id = None
        self.last_seq = 0
        self.snapshots = 0
        self.diffs = 0
        self.counts = {}
        self.gaps = []
        self.recoveries = []
        self.errors = []
        self.sessions = []

    def problem(self, text):
        if len(self.errors) < 50:
            self.errors.append(text)
        print("FAIL " + text, file=sys.stderr, flush=True)

    def take(self, m, session):
        kind = m.get("type")
        self.counts[kind] = self.counts.get(kind, 0) + 1
        session["messages"] += 1
        if kind in DATA_TYPES:
            session["data"] += 1
        if kind == "trade_update":
            self.seq(m, kind)
            self.trade(m, session)
        elif kind == "depth_update":
            if not m.get("snapshot"):
                self.seq(m, kind)
            self.depth(m, session)
        elif kind == "gap":
            self.gaps.append(m)
        elif kind == "recovery":
            self.recoveries.append(m)
        elif kind == "error":
            self.problem("server error: %s" % m)
        elif not self.legacy and kind in ("price_update", "kline_update", "mark_price_update", "liquidation_update"):
            self.problem("%s on a subscription to trades and depth only" % kind)

    def seq(self, m, kind):
        s = m.get("seq")
        if not isinstance(s, int):
            return self.problem("%s without an integer seq: %s" % (kind, m))
        if s <= self.last_seq:
            self.problem("%s seq %d after %d" % (kind, s, self.last_seq))
        self.last_seq = s

    def trade(self, m, session):
        tid = m.get("id")
        if not isinstance(tid, int) or not all(isinstance(m.get(k), (int, float)) for k in ("price", "quantity")) \
                or not isinstance(m.get("is_buyer_maker"), bool):
            return self.problem("bad trade_update %s" % m)
        if self.trades and tid <= self.trades[-1]:
            self.problem("trade %d after %d (duplicate or out of order)" % (tid, self.trades[-1]))
        self.trades.append(tid)
        session["trades"] += 1

    def depth(self, m, session):
        uid, bids, asks = m.get("update_id"), m.get("bids"), m.get("asks")
        if not isinstance(uid, int) or not isinstance(bids, list) or not isinstance(asks, list):
            return self.problem("bad depth_update %s" % m)
        session["depth"] += "s" if m.get("snapshot") is True else "d"
        if m.get("snapshot") is True:
            self.snapshots += 1
            session["snapshots"] += 1
            self.bids, self.asks = {}, {}
        else:
            self.diffs += 1
            first = m.get("first_update_id")
            if self.update_id is None:
                self.problem("a depth diff before any snapshot")
            elif not isinstance(first, int) or first > self.update_id + 1 or uid <= self.update_id:
                self.problem("diff %s..%d does not continue the book at %d" % (first, uid, self.update_id))
        for side, levels in ((self.bids, bids), (self.asks, asks)):
            for level in levels:
                price, qty = level[0], level[1]
                if Decimal(qty) == 0:
                    side.pop(Decimal(price), None)
                else:
                    side[Decimal(price)] = (price, qty)
        self.update_id = uid

    def book(self, depth):
        bids = [self.bids[p] for p in sorted(self.bids, reverse=True)[:depth]]
        asks = [self.asks[p] for p in sorted(self.asks)[:depth]]
        return {"update_id": self.update_id, "bids": [list(x) for x in bids], "asks": [list(x) for x in asks]}


class Session:
    """One WebSocket connection: its messages, split into JSON objects, into the client."""

    def __init__(self, client, ws, name):
        self.client, self.ws = client, ws
        self.record = {"name": name, "messages": 0, "data": 0, "depth": "", "trades": 0, "snapshots": 0, "first_seq": None,
                       "trades_from": None}
        self.pending = []
        client.sessions.append(self.record)

    async def next(self, timeout):
        """The next JSON object (a frame may carry several, one a line)."""
        if self.pending:
            return self.pending.pop(0)
        text = await asyncio.wait_for(self.ws.recv(), timeout)
        objects = [json.loads(line) for line in text.split("\n") if line.strip()]
        self.pending = objects[1:]
        m = objects[0]
        r = self.record
        if r["first_seq"] is None and m.get("type") in DATA_TYPES and isinstance(m.get("seq"), int):
            r["first_seq"] = m["seq"]
        if r["trades_from"] is None and m.get("type") == "trade_update":
            r["trades_from"] = m.get("id")
        return m

    async def until(self, what, done, timeout):
        """Takes messages until done() holds; fails after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while not done():
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("waiting for %s" % what)
            try:
                m = await self.next(left)
            except asyncio.TimeoutError:
                raise TimeoutError("waiting for %s" % what) from None
            self.client.take(m, self.record)
            yield m

    async def drain(self, what, done, timeout):
        async for _ in self.until(what, done, timeout):
            pass

    async def reply(self, kinds, timeout=5):
        """The first message of one of `kinds`, taking data messages that come before it."""
        found = []
        async for m in self.until("a %s reply" % "/".join(kinds), lambda: found, timeout):
            if m.get("type") in kinds:
                found.append(m)
        return found[0]


def subscribe_message(args, resume=None):
    m = {"type": "subscribe", "symbol": args.symbol, "market": args.market}
    if not args.legacy:
        m["channels"] = ["trades", "depth"]
    if resume:
        m["epoch"], m["seq"] = resume
    return json.dumps(m)


async def open_session(client, args, name, resume=None):
    ws = await connect(args.url, open_timeout=10, proxy=None, max_size=16 << 20)
    s = Session(client, ws, name)
    hello = await s.next(5)
    if hello.get("type") != "connected":
        client.problem("first message is not connected: %s" % hello)
    await ws.send(subscribe_message(args, resume))
    return s


def control(args, kind, extra=""):
    url = "%s/fault?kind=%s&venue=%s&symbol=%s%s" % (args.control, kind, args.market, args.symbol, extra)
    with urllib.request.urlopen(urllib.request.Request(url, data=b"", method="POST"), timeout=5) as r:
        return json.loads(r.read() or b"{}")


async def first_connection(client, args, result):
    s = await open_session(client, args, "first")
    reply = await s.reply({"subscribed", "error"})
    result["subscribed"] = reply
    if reply.get("type") != "subscribed":
        raise RuntimeError("subscribe refused: %s" % reply)
    if not args.legacy and (reply.get("channels") != ["trades", "depth"] or not isinstance(reply.get("epoch"), int)):
        client.problem("extended subscribed reply lacks channels/epoch: %s" % reply)
    await s.drain("%d trades and a book" % args.trades,
                  lambda: s.record["trades"] >= args.trades and client.diffs >= 5, 30)
    return s, reply.get("epoch")


async def resume(client, args, result, s, epoch):
    """Closes, lets messages pass, reconnects with epoch and seq: every missed one, then recovery."""
    last_seq, last_trade = client.last_seq, client.trades[-1]
    result["resume"] = {"epoch": epoch, "seq": last_seq, "last_trade": last_trade}
    await s.ws.close()
    await asyncio.sleep(args.away)
    s = await open_session(client, args, "resumed", (epoch, last_seq))
    got = await s.reply({"recovery"}, 15)
    result["resume"]["recovery"] = got
    result["resume"]["snapshots_before_recovery"] = s.record["snapshots"]
    result["resume"]["trades_before_recovery"] = s.record["trades"]
    result["resume"]["data_before_recovery"] = s.record["data"]
    if got.get("status") != "recovered" or got.get("from_seq") != last_seq + 1:
        client.problem("resume from seq %d: %s" % (last_seq, got))
    replayed_depth = len(s.record["depth"])
    if s.record["trades_from"] is not None and s.record["trades_from"] != last_trade + 1:
        client.problem("after resuming, trades start at %s, not %d" % (s.record["trades_from"], last_trade + 1))
    before = s.record["trades"]
    await s.drain("%d trades after recovery" % args.trades, lambda: s.record["trades"] - before >= args.trades, 30)
    # Any depth diffs among the missed messages continue the book (checked as they came);
    # after `recovery`, the book comes again as one snapshot, then diffs.
    after = s.record["depth"][replayed_depth:]
    result["resume"]["depth_after_recovery"] = after[:10]
    if not after.startswith("s") or "s" in after[1:]:
        client.problem("after recovery the depth messages run %r, not one snapshot then diffs" % after[:10])
    return s


async def frozen_book(client, args, result, s):
    """Stalls the feed, waits for quiet, hands the book over and waits for the caller's check."""
    control(args, "stall", "&durationMs=%d" % args.stall_ms)
    stalled_at = time.monotonic()
    quiet = {"since": time.monotonic()}
    deadline = stalled_at + args.stall_ms / 1000 - 1

    def settled():
        return time.monotonic() - quiet["since"] >= args.quiet or time.monotonic() > deadline

    while not settled():
        try:
            m = await s.next(max(0.05, args.quiet - (time.monotonic() - quiet["since"])))
        except asyncio.TimeoutError:
            continue
        client.take(m, s.record)
        if m.get("type") in DATA_TYPES:
            quiet["since"] = time.monotonic()
    if time.monotonic() > deadline:
        client.problem("the stream did not go quiet during the stall")
    book = client.book(args.book_depth)
    result["book"] = book
    with open(args.quiet_file + ".tmp", "w") as f:
        json.dump(book, f)
    os.rename(args.quiet_file + ".tmp", args.quiet_file)
    ack = args.quiet_file + ".ack"
    while not os.path.exists(ack) and time.monotonic() < stalled_at + args.stall_ms / 1000 + 10:
        await asyncio.sleep(0.05)
    result["book_acknowledged"] = os.path.exists(ack)
    first = len(client.trades)
    await s.drain("%d trades after the stall" % args.trades, lambda: len(client.trades) - first >= args.trades, 45)


async def wrong_epoch(client, args, result, epoch):
    """A resume with an epoch the server never had: impossible, epoch_changed, then a snapshot."""
    probe = Client(args.legacy)
    s = await open_session(probe, args, "wrong-epoch", ((epoch or 0) + 1000, client.last_seq))
    got = await s.reply({"recovery"}, 10)
    await s.drain("a snapshot after an impossible recovery", lambda: probe.snapshots >= 1, 10)
    result["wrong_epoch"] = {"recovery": got, "snapshot_update_id": probe.update_id, "errors": probe.errors}
    if got.get("status") != "impossible" or got.get("reason") != "epoch_changed":
        client.problem("resume with a wrong epoch: %s" % got)
    await s.ws.close()


async def run(args):
    client = Client(args.legacy)
    result = {"protocol": "legacy" if args.legacy else "extended"}
    try:
        s, epoch = await first_connection(client, args, result)
        if not args.legacy:
            s = await resume(client, args, result, s, epoch)
        await frozen_book(client, args, result, s)
        await s.ws.close()
        if not args.legacy:
            await wrong_epoch(client, args, result, epoch)
        status = 1 if client.errors else 0
    except Exception as e:  # a timeout or a refused connection: report what was seen so far
        client.problem("%s: %s" % (type(e).__name__, e))
        status = 2
    result.update(trades=client.trades, last_seq=client.last_seq, snapshots=client.snapshots, diffs=client.diffs,
                  counts=client.counts, gaps=client.gaps, recoveries=client.recoveries, sessions=client.sessions,
                  errors=client.errors)
    with open(args.out, "w") as f:
        json.dump(result, f)
    print("%d trades (%s..%s), %d snapshots, %d diffs, %d recoveries, %d errors" % (
        len(client.trades), client.trades[0] if client.trades else "-", client.trades[-1] if client.trades else "-",
        client.snapshots, client.diffs, len(client.recoveries), len(client.errors)), flush=True)
    return status


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--url", required=True, help="ws://HOST:PORT/api/v1/websocket/connect")
    p.add_argument("--control", required=True, help="the simulator's control API, http://127.0.0.1:PORT/sim")
    p.add_argument("--out", required=True, help="where the JSON result goes")
    p.add_argument("--quiet-file", required=True, help="the frozen book goes here; the caller writes FILE.ack")
    p.add_argument("--symbol", default="BTCUSDT")
    p.add_argument("--market", default="spot")
    p.add_argument("--legacy", action="store_true", help="the original subscribe (no channels, no resume)")
    p.add_argument("--trades", type=int, default=40, help="trades to take in each phase")
    p.add_argument("--away", type=float, default=2.0, help="seconds disconnected before resuming")
    p.add_argument("--stall-ms", type=int, default=7000)
    p.add_argument("--quiet", type=float, default=1.5, help="seconds without data that count as frozen")
    p.add_argument("--book-depth", type=int, default=20)
    sys.exit(asyncio.run(run(p.parse_args())))


if __name__ == "__main__":
    main()
