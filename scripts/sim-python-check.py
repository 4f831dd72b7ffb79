#!/usr/bin/env python3
"""Checks `tterminal simulate` with Binance's own Python client, unchanged.

Uses binance-connector 3.13.0 (`pip install binance-connector==3.13.0`): its REST client
(time, exchange_info, depth, klines, agg_trades, ticker_24hr) and its spot WebSocket stream
client (subscribe to trade and diff depth, check the frames' shapes and sequence, unsubscribe,
list). Prints one line per check and a summary; exits 0 only when every check passed,
1 when one failed, 3 when the `binance` package is missing.

    scripts/sim-python-check.py --rest http://127.0.0.1:PORT --ws ws://127.0.0.1:PORT [--cert cert.pem]
    scripts/sim-python-check.py --ready-file ready.json      # the line `tterminal simulate` prints
"""
import argparse
import json
import os
import sys
import threading
import time
from decimal import Decimal

RESULTS = []


def check(name, ok, detail=""):
    RESULTS.append((name, bool(ok)))
    print(("ok   " if ok else "FAIL ") + name + (": " + str(detail) if detail and not ok else ""), flush=True)
    return bool(ok)


def is_decimal_string(v):
    if not isinstance(v, str):
        return False
    try:
        Decimal(v)
        return True
    except Exception:
        return False


def rest_checks(base, symbol):
    from binance.spot import Spot
    from binance.error import ClientError

    client = Spot(base_url=base, show_limit_usage=True, timeout=10)
    r = client.time()
    server = r["data"]["serverTime"]
    check("time: serverTime is an int close to now", isinstance(server, int) and abs(server - time.time() * 1000) < 120_000, r)
    check("weight header x-mbx-used-weight-1m present", "x-mbx-used-weight-1m" in r["limit_usage"], r["limit_usage"])

    plain = Spot(base_url=base, timeout=10)
    info = plain.exchange_info(symbol=symbol)
    syms = info.get("symbols", [])
    check("exchange_info(symbol): one symbol with filters",
          len(syms) == 1 and syms[0]["symbol"] == symbol
          and {"PRICE_FILTER", "LOT_SIZE"} <= {f["filterType"] for f in syms[0]["filters"]}, info)
    check("exchange_info: rateLimits with REQUEST_WEIGHT",
          any(l["rateLimitType"] == "REQUEST_WEIGHT" for l in info.get("rateLimits", [])))
    both = plain.exchange_info(symbols=[symbol, "ETHUSDT"])
    check("exchange_info(symbols=[...]): two symbols", [s["symbol"] for s in both["symbols"]] == [symbol, "ETHUSDT"], both)

    depth = plain.depth(symbol, limit=10)
    bids, asks = depth.get("bids", []), depth.get("asks", [])
    shapes = all(len(l) == 2 and is_decimal_string(l[0]) and is_decimal_string(l[1]) for l in bids + asks)
    ordered = [Decimal(b[0]) for b in bids] == sorted([Decimal(b[0]) for b in bids], reverse=True) \
        and [Decimal(a[0]) for a in asks] == sorted([Decimal(a[0]) for a in asks])
    check("depth: lastUpdateId, <=10 levels per side of [price, qty] strings, sorted, not crossed",
          isinstance(depth.get("lastUpdateId"), int) and 0 < len(bids) <= 10 and 0 < len(asks) <= 10 and shapes
          and ordered and Decimal(bids[0][0]) < Decimal(asks[0][0]), depth)

    klines = plain.klines(symbol, "1m", limit=5)
    k_ok = 1 <= len(klines) <= 5 and all(
        len(k) == 12 and isinstance(k[0], int) and isinstance(k[6], int) and k[6] == k[0] + 59_999
        and all(is_decimal_string(k[i]) for i in (1, 2, 3, 4, 5, 7, 9, 10)) and isinstance(k[8], int)
        for k in klines)
    check("klines: 12-field rows, close time = open + 1m - 1", k_ok, klines[:2])

    aggs = plain.agg_trades(symbol, limit=10)
    keys_ok = all(set(a.keys()) == {"a", "p", "q", "f", "l", "T", "m", "M"} for a in aggs)
    ids = [a["a"] for a in aggs]
    check("agg_trades: Binance keys, contiguous ids", len(aggs) > 0 and keys_ok and ids == list(range(ids[0], ids[0] + len(ids))), aggs[:2])
    if aggs:
        from_id = plain.agg_trades(symbol, fromId=aggs[0]["a"], limit=3)
        # Trades keep coming: with fewer than 3 in the first answer, this one may hold more.
        got = [a["a"] for a in from_id]
        check("agg_trades(fromId): starts at the id asked for",
              0 < len(got) <= 3 and got[:len(ids[:3])] == ids[:3] and got == list(range(ids[0], ids[0] + len(got))), from_id)

    t = plain.ticker_24hr(symbol)
    fields = {"symbol", "priceChange", "priceChangePercent", "weightedAvgPrice", "lastPrice", "openPrice",
              "highPrice", "lowPrice", "volume", "quoteVolume", "openTime", "closeTime", "firstId", "lastId", "count"}
    check("ticker_24hr(symbol): FULL fields", fields <= set(t.keys()) and t["symbol"] == symbol, t)
    many = plain.ticker_24hr(symbols=[symbol, "ETHUSDT"])
    check("ticker_24hr(symbols=[...]): a list of two", isinstance(many, list) and len(many) == 2, many)

    try:
        plain.depth("NOSUCHSYMBOL")
        check("unknown symbol raises ClientError -1121", False, "no error")
    except ClientError as e:
        check("unknown symbol raises ClientError -1121 (HTTP 400)", e.status_code == 400 and e.error_code == -1121, e)


def ws_checks(ws_base, symbol):
    from binance.websocket.spot.websocket_stream import SpotWebsocketStreamClient

    lock = threading.Lock()
    frames = []  # (kind, obj)
    replies = {}
    errors = []

    def on_message(_, text):
        try:
            msg = json.loads(text)
        except ValueError as e:
            errors.append(f"bad JSON: {e}: {text[:120]}")
            return
        with lock:
            if isinstance(msg, dict) and "id" in msg and ("result" in msg or "error" in msg):
                replies[msg["id"]] = msg
            elif isinstance(msg, dict) and "stream" in msg and "data" in msg:
                frames.append((msg["stream"], msg["data"]))
            else:
                errors.append(f"unexpected message: {text[:120]}")

    client = SpotWebsocketStreamClient(stream_url=ws_base, on_message=on_message, is_combined=True, timeout=10)
    try:
        client.trade(symbol=symbol, id=1)
        time.sleep(0.3)
        client.diff_book_depth(symbol=symbol, speed=100, id=2)

        def wait(pred, seconds):
            end = time.time() + seconds
            while time.time() < end:
                with lock:
                    if pred():
                        return True
                time.sleep(0.05)
            return False

        got = wait(lambda: 1 in replies and 2 in replies and sum(1 for s, _ in frames if s.endswith("@trade")) >= 5
                   and sum(1 for s, _ in frames if "@depth" in s) >= 5, 20)
        check("subscribe: replies {result: null, id} for both", replies.get(1) == {"result": None, "id": 1}
              and replies.get(2) == {"result": None, "id": 2}, replies)
        check("received >= 5 trade and >= 5 depth frames", got, {s for s, _ in frames})
        with lock:
            trades = [d for s, d in frames if s == f"{symbol.lower()}@trade"]
            depth = [d for s, d in frames if s == f"{symbol.lower()}@depth@100ms"]
        check("trade frames: Binance shape (e,E,s,t,p,q,T,m,M)", trades and all(
            set(d.keys()) == {"e", "E", "s", "t", "p", "q", "T", "m", "M"} and d["e"] == "trade" and d["s"] == symbol
            and is_decimal_string(d["p"]) and is_decimal_string(d["q"]) and isinstance(d["t"], int) for d in trades),
            trades[:1])
        ids = [d["t"] for d in trades]
        check("trade ids strictly increasing", all(b > a for a, b in zip(ids, ids[1:])), ids[:10])
        check("depth frames: Binance shape (e,E,s,U,u,b,a)", depth and all(
            set(d.keys()) == {"e", "E", "s", "U", "u", "b", "a"} and d["e"] == "depthUpdate" for d in depth), depth[:1])
        check("depth updates contiguous: U == previous u + 1",
              all(b["U"] == a["u"] + 1 for a, b in zip(depth, depth[1:])), [(d["U"], d["u"]) for d in depth[:5]])

        time.sleep(0.3)
        client.trade(symbol=symbol, id=3, action=client.ACTION_UNSUBSCRIBE)
        check("unsubscribe: reply", wait(lambda: 3 in replies, 5) and replies[3] == {"result": None, "id": 3}, replies.get(3))
        with lock:
            seen = len(frames)
        time.sleep(0.5)
        client.list_subscribe(id=4)
        check("list: only the depth stream is left", wait(lambda: 4 in replies, 5)
              and replies[4] == {"result": [f"{symbol.lower()}@depth@100ms"], "id": 4}, replies.get(4))
        time.sleep(0.5)
        with lock:
            late = [s for s, _ in frames[seen:] if s.endswith("@trade")]
        check("no trade frames after the unsubscribe was answered", not late, late[:3])
        check("every message parsed and was routed", not errors, errors[:3])
    finally:
        client.stop()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rest", help="REST base URL, e.g. http://127.0.0.1:PORT")
    p.add_argument("--ws", help="spot WebSocket base URL, e.g. ws://127.0.0.1:PORT")
    p.add_argument("--cert", help="PEM certificate to trust (the simulator's --tls cert)")
    p.add_argument("--ready-file", help="the JSON line tterminal simulate printed")
    p.add_argument("--symbol", default="BTCUSDT")
    a = p.parse_args()
    if a.ready_file:
        ready = json.load(open(a.ready_file))
        a.rest, a.ws, a.cert = a.rest or ready["rest"], a.ws or ready["spot"], a.cert or ready.get("cert")
    if not a.rest or not a.ws:
        p.error("need --rest and --ws (or --ready-file)")
    if a.cert:  # both libraries read these before verifying the server
        os.environ["REQUESTS_CA_BUNDLE"] = a.cert
        os.environ["WEBSOCKET_CLIENT_CA_BUNDLE"] = a.cert
    try:
        import binance  # noqa: F401
    except ImportError:
        print("SKIP: the `binance` package (binance-connector==3.13.0) is not installed", flush=True)
        return 3
    for name, part in (("REST", lambda: rest_checks(a.rest, a.symbol)), ("WebSocket", lambda: ws_checks(a.ws, a.symbol))):
        try:
            part()
        except Exception as e:  # a crash in one part fails it, the summary still prints
            check(f"{name} checks ran to the end", False, repr(e))
    failed = [n for n, ok in RESULTS if not ok]
    print(f"summary: {len(RESULTS) - len(failed)}/{len(RESULTS)} checks passed" + (f"; failed: {failed}" if failed else ""))
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
