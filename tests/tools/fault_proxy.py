#!/usr/bin/python3
"""Latency and fault-injecting HTTP/1.1 forwarding proxy for an S3-compatible server.

Sits between a client and a server on loopback (e.g. s3rver) and, per request:
  * waits --delay-ms before forwarding it (what one S3 round trip costs from Lambda),
  * or, chosen at the configured rates, injects a fault instead of (or in the middle of)
    the real answer:
      error  - answers 503 SlowDown (S3's XML error body) without forwarding;
      reset  - aborts the client connection with a TCP RST, either before forwarding
               or half-way through the response (the request may have taken effect);
      stall  - stops sending for --stall-seconds half-way through the response, then goes on
               (unless the client gave up and closed).
  * or, with --max-in-flight N, answers 503 SlowDown to a request that arrives while N
    others are being served (a server that throttles above a request rate it can take), so
    a client that adapts how many requests it sends at once sees fewer of them.
  * or, with --serve-at-once N, serves at most N requests at once and queues the others in
    arrival order (a server that is saturated but does not refuse): each answer's first byte
    comes later as more requests are sent, which only a client watching latency notices.
  * or, when asked for, makes the server unreachable or loses its answers:
      blackout   - from request number --blackout-after (or --blackout-at seconds after the
                   start) for --blackout-seconds, every connection is reset: the open ones at
                   once, new ones as soon as they are accepted (an endpoint that went away);
      lost reply - a request matching a --lose-reply rule ("COUNT:REGEX", REGEX searched in
                   "METHOD TARGET", COUNT times, 0 for always) is forwarded and answered by
                   the server, but the client gets a reset instead of the answer: the work was
                   done, the reply lost (e.g. "1:^POST .*[?&]uploadId=" loses the reply to one
                   CompleteMultipartUpload).
The client connects to the proxy as if it were the server; the Host header is forwarded
untouched, so SigV4 signatures stay valid.

Bodies are streamed in both directions (Content-Length, chunked, or until close) and never
held whole in memory; connections are kept alive on both sides.

Determinism: request number i (counted from 0 in the order request heads arrive) draws its
fault from random.Random(f"{seed}:{i}"), so a serial client sees the same faults on every
run with the same --seed; a concurrent one sees the same rates.

Observability: --log-file gets one JSON line per request (flushed at once): number, start
time "t" (seconds since the proxy started), method, target, fault, status, body bytes up and
down, duration "ms";
--stats-file gets a JSON summary on exit. The first line on stdout is the listening port.

Exit: SIGINT/SIGTERM, or after --max-seconds (bounded lifetime for tests and benchmarks).
"""

import argparse
import asyncio
import json
import math
import random
import re
import signal
import socket
import struct
import sys
import time

CHUNK = 256 * 1024
MAX_HEAD = 64 * 1024
UPSTREAM_IDLE_SECONDS = 2.0  # well under Node's 5 s keep-alive timeout (s3rver)
SLOWDOWN_BODY = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
                 b"<Error><Code>SlowDown</Code>"
                 b"<Message>Please reduce your request rate. (injected by fault_proxy)</Message>"
                 b"</Error>")


class HttpError(Exception):
    """Malformed HTTP from either side: the connection is closed."""


class Head:
    """A request or response head: first line and ordered headers (original case kept)."""

    def __init__(self, first_line, headers):
        self.first_line = first_line
        self.headers = headers

    def get(self, name, default=None):
        lname = name.lower()
        for k, v in self.headers:
            if k.lower() == lname:
                return v
        return default

    def encode(self):
        lines = [self.first_line] + [f"{k}: {v}" for k, v in self.headers]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def read_head(reader):
    """Reads one head; returns None on a clean EOF before any byte."""
    try:
        raw = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as e:
        if not e.partial:
            return None
        raise HttpError("connection closed inside a message head")
    except asyncio.LimitOverrunError:
        raise HttpError("message head too large")
    text = raw[:-4].decode("latin-1")
    lines = text.split("\r\n")
    headers = []
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep:
            raise HttpError(f"bad header line {line!r}")
        headers.append((name.strip(), value.strip()))
    return Head(lines[0], headers)


async def pump_body(head, reader, writer, *, no_body=False, until_close_ok=False,
                    stop_after=None):
    """Forwards one message body from reader to writer (writer may be None to discard).

    Returns the number of body bytes forwarded. `stop_after` (bytes) returns early with
    -1 once that many bytes were forwarded (used to place resets and stalls mid-body).
    """
    if no_body:
        return 0
    te = (head.get("Transfer-Encoding") or "").lower()
    cl = head.get("Content-Length")
    sent = 0

    async def emit(data):
        nonlocal sent
        if writer is not None:
            writer.write(data)
            await writer.drain()
        sent += len(data)

    if "chunked" in te:
        while True:
            size_line = await reader.readuntil(b"\r\n")
            await emit(size_line)
            size = int(size_line.split(b";")[0].strip(), 16)
            if size == 0:
                # Trailers, then the empty line.
                while True:
                    line = await reader.readuntil(b"\r\n")
                    await emit(line)
                    if line == b"\r\n":
                        return sent
            remaining = size + 2  # data plus its CRLF
            while remaining:
                data = await reader.read(min(CHUNK, remaining))
                if not data:
                    raise HttpError("connection closed inside a chunk")
                remaining -= len(data)
                await emit(data)
                if stop_after is not None and sent >= stop_after:
                    return -1
    if cl is not None:
        remaining = int(cl)
        half = stop_after
        while remaining:
            want = min(CHUNK, remaining)
            if half is not None and sent < half:
                want = min(want, half - sent)
            data = await reader.read(want)
            if not data:
                raise HttpError("connection closed inside a body")
            remaining -= len(data)
            await emit(data)
            if half is not None and sent >= half and remaining:
                return -1
        return sent
    if until_close_ok:
        while True:
            data = await reader.read(CHUNK)
            if not data:
                return sent
            await emit(data)
    return 0


def response_has_no_body(method, status):
    return method == "HEAD" or status in (204, 304) or 100 <= status < 200


def abort_with_rst(writer):
    """Closes a connection so the peer sees a TCP reset rather than a clean FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    writer.transport.abort()


class Proxy:
    def __init__(self, args):
        self.args = args
        up_host, _, up_port = args.upstream.rpartition(":")
        self.up_host = up_host or "127.0.0.1"
        self.up_port = int(up_port)
        self.next_request = 0
        self.stats = {"requests": 0, "by_method": {}, "errors_injected": 0,
                      "resets_injected": 0, "stalls_injected": 0, "bytes_up": 0,
                      "bytes_down": 0, "upstream_connections": 0, "client_connections": 0,
                      "blackout_resets": 0, "lost_replies": 0, "throttled": 0,
                      "max_in_flight_seen": 0, "queued": 0}
        self.in_flight = 0  # requests being served now (their heads read, not yet answered)
        # Bounds the requests served at once (--serve-at-once); None: no bound.
        self.serving = asyncio.Semaphore(args.serve_at_once) if args.serve_at_once > 0 else None
        self.log = open(args.log_file, "a", buffering=1) if args.log_file else None
        self.started = time.monotonic()
        self.client_writers = set()  # open client connections, reset when a blackout starts
        self.blackout_until = None  # monotonic end of the blackout once it started
        self.lose_rules = []  # [remaining (None: always), compiled regex]
        for rule in args.lose_reply:
            count, _, pattern = rule.partition(":")
            self.lose_rules.append([int(count) or None, re.compile(pattern)])

    def start_blackout(self):
        if self.blackout_until is not None:
            return
        seconds = self.args.blackout_seconds
        self.blackout_until = time.monotonic() + seconds
        if self.log:
            self.log.write(json.dumps({"t": round(time.monotonic() - self.started, 4),
                                       "event": "blackout",
                                       "seconds": seconds if math.isfinite(seconds) else None})
                           + "\n")
        for writer in list(self.client_writers):
            self.stats["blackout_resets"] += 1
            abort_with_rst(writer)

    def in_blackout(self):
        return self.blackout_until is not None and time.monotonic() < self.blackout_until

    def loses_reply(self, method, target):
        """True (and one use of the rule spent) if a --lose-reply rule matches."""
        for rule in self.lose_rules:
            if rule[0] != 0 and rule[1].search(f"{method} {target}"):
                if rule[0] is not None:
                    rule[0] -= 1
                return True
        return False

    def choose_fault(self, index):
        """Returns None or one of 'error', 'reset', 'stall' for request number `index`."""
        a = self.args
        draw = random.Random(f"{a.seed}:{index}").random()
        for name, rate in (("error", a.error_rate), ("reset", a.reset_rate),
                           ("stall", a.stall_rate)):
            if draw < rate:
                return name
            draw -= rate
        return None

    def record(self, entry):
        self.stats["requests"] += 1
        m = self.stats["by_method"]
        m[entry["method"]] = m.get(entry["method"], 0) + 1
        if self.log:
            self.log.write(json.dumps(entry, ensure_ascii=False) + "\n")

    async def handle_client(self, creader, cwriter):
        self.stats["client_connections"] += 1
        if self.in_blackout():
            self.stats["blackout_resets"] += 1
            abort_with_rst(cwriter)
            return
        self.client_writers.add(cwriter)
        upstream_box = [None]  # (reader, writer) to the server, kept alive across requests
        try:
            while True:
                head = await read_head(creader)
                if head is None:
                    return
                if not await self.serve_in_turn(head, creader, cwriter, upstream_box):
                    return
        except (HttpError, ConnectionError, asyncio.IncompleteReadError, ValueError):
            return
        finally:
            self.client_writers.discard(cwriter)
            if upstream_box[0] is not None:
                upstream_box[0][1].close()
            if not cwriter.transport.is_closing():
                cwriter.close()

    async def serve_in_turn(self, head, creader, cwriter, upstream_box):
        """handle_request, after waiting for a turn when --serve-at-once bounds them."""
        if self.serving is None:
            return await self.handle_request(head, creader, cwriter, upstream_box)
        if self.serving.locked():
            self.stats["queued"] += 1
        async with self.serving:
            return await self.handle_request(head, creader, cwriter, upstream_box)

    async def handle_request(self, head, creader, cwriter, upstream_box):
        """Serves one request; returns False when the client connection must be closed."""
        index = self.next_request
        self.next_request += 1
        started = time.monotonic()
        parts = head.first_line.split(" ")
        if len(parts) != 3:
            raise HttpError(f"bad request line {head.first_line!r}")
        method, target, _ = parts
        if index == self.args.blackout_after:
            self.start_blackout()
        fault = self.choose_fault(index)
        self.in_flight += 1
        self.stats["max_in_flight_seen"] = max(self.stats["max_in_flight_seen"], self.in_flight)
        if fault is None and 0 < self.args.max_in_flight < self.in_flight:
            fault = "throttle"
        if self.in_blackout():
            fault = "blackout"
        elif fault is None and self.loses_reply(method, target):
            fault = "lost-reply"
        entry = {"i": index, "t": round(started - self.started, 4), "method": method,
                 "target": target, "fault": fault, "status": None, "up": 0, "down": 0}
        try:
            if fault == "blackout":
                self.stats["blackout_resets"] += 1
                entry["status"] = "reset-blackout"
                abort_with_rst(cwriter)
                return False
            if self.args.delay_ms > 0:
                await asyncio.sleep(self.args.delay_ms / 1000.0)
            expects_continue = (head.get("Expect") or "").lower() == "100-continue"

            if fault in ("error", "throttle"):
                self.stats["errors_injected" if fault == "error" else "throttled"] += 1
                entry["status"] = 503
                keep = not expects_continue
                if keep:
                    await pump_body(head, creader, None)
                resp = (f"HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\n"
                        f"Content-Length: {len(SLOWDOWN_BODY)}\r\nx-amz-request-id: proxy-{index}\r\n"
                        f"Connection: {'keep-alive' if keep else 'close'}\r\n\r\n").encode()
                cwriter.write(resp + SLOWDOWN_BODY)
                await cwriter.drain()
                return keep

            reset_early = False
            if fault == "reset":
                point = self.args.reset_point
                if point == "random":
                    point = random.Random(f"{self.args.seed}:{index}:p").choice(
                        ["request", "response"])
                reset_early = point == "request"
            if reset_early:
                self.stats["resets_injected"] += 1
                entry["status"] = "reset-before-forward"
                abort_with_rst(cwriter)
                return False

            # Reuse the kept-alive server connection only while the server surely still keeps
            # it: servers drop idle ones (Node's default after 5 s), and a request sent into a
            # connection being closed would fail in a way the client never sees directly.
            up = upstream_box[0]
            if up is not None and (up[1].transport.is_closing() or up[0].at_eof() or
                                   time.monotonic() - up[2] > UPSTREAM_IDLE_SECONDS):
                up[1].close()
                up = None
            if up is None:
                r, w = await asyncio.open_connection(self.up_host, self.up_port, limit=MAX_HEAD)
                up = (r, w, time.monotonic())
                self.stats["upstream_connections"] += 1
            upstream_box[0] = up
            ureader, uwriter, _ = up
            uwriter.write(head.encode())
            await uwriter.drain()

            # The request body goes up while the response comes down (100-continue, early
            # error answers).
            body_task = asyncio.ensure_future(pump_body(head, creader, uwriter))
            # A client that drops mid-upload fails this task; that is handled (the connection
            # closes), so mark its exception as seen.
            body_task.add_done_callback(lambda t: t.cancelled() or t.exception())
            resp = await read_head(ureader)
            while resp is not None and resp.first_line.split(" ")[1].startswith("1"):
                cwriter.write(resp.encode())
                await cwriter.drain()
                resp = await read_head(ureader)
            if resp is None:
                raise HttpError("upstream closed without answering")
            status = int(resp.first_line.split(" ")[1])
            entry["status"] = status
            no_body = response_has_no_body(method, status)
            cl = resp.get("Content-Length")
            chunked = "chunked" in (resp.get("Transfer-Encoding") or "").lower()
            until_close = not no_body and cl is None and not chunked

            if fault == "lost-reply":
                # The server did the work and answered; the client never hears of it.
                entry["down"] = await pump_body(resp, ureader, None, no_body=no_body,
                                                until_close_ok=until_close)
                entry["up"] = await body_task
                self.stats["lost_replies"] += 1
                entry["status"] = f"lost-{status}"
                abort_with_rst(cwriter)
                if until_close:
                    uwriter.close()
                    upstream_box[0] = None
                else:
                    upstream_box[0] = (ureader, uwriter, time.monotonic())
                return False

            mid = None
            if fault in ("reset", "stall"):
                total = int(cl) if (cl is not None and not no_body) else 0
                mid = total // 2 if total > 1 else None

            if fault in ("reset", "stall") and mid is None:
                # No body to split: act before the head goes out.
                if fault == "reset":
                    self.stats["resets_injected"] += 1
                    entry["status"] = f"reset-after-{status}"
                    abort_with_rst(cwriter)
                    body_task.cancel()
                    return False
                self.stats["stalls_injected"] += 1
                await asyncio.sleep(self.args.stall_seconds)

            cwriter.write(resp.encode())
            await cwriter.drain()
            sent = await pump_body(resp, ureader, cwriter, no_body=no_body,
                                   until_close_ok=until_close,
                                   stop_after=mid if fault in ("reset", "stall") else None)
            if sent == -1:
                if fault == "reset":
                    self.stats["resets_injected"] += 1
                    entry["status"] = f"reset-mid-{status}"
                    abort_with_rst(cwriter)
                    body_task.cancel()
                    uwriter.close()
                    upstream_box[0] = None
                    return False
                self.stats["stalls_injected"] += 1
                await asyncio.sleep(self.args.stall_seconds)
                if cwriter.transport.is_closing():
                    return False
                rest = int(cl) - mid
                while rest:
                    data = await ureader.read(min(CHUNK, rest))
                    if not data:
                        raise HttpError("upstream closed inside a body")
                    rest -= len(data)
                    cwriter.write(data)
                    await cwriter.drain()
                sent = int(cl)
            entry["down"] = sent
            self.stats["bytes_down"] += sent

            if body_task.done():
                up = body_task.result()
            else:
                # The server answered before taking the whole body (e.g. an error): the request
                # stream is now out of step, so both connections must go.
                body_task.cancel()
                uwriter.close()
                upstream_box[0] = None
                return False
            entry["up"] = up
            self.stats["bytes_up"] += up
            if until_close or (resp.get("Connection") or "").lower() == "close":
                uwriter.close()
                upstream_box[0] = None
                return False
            upstream_box[0] = (ureader, uwriter, time.monotonic())
            return (head.get("Connection") or "").lower() != "close"
        finally:
            self.in_flight -= 1
            entry["ms"] = round((time.monotonic() - started) * 1000, 2)
            self.record(entry)

    def write_stats(self):
        if self.args.stats_file:
            with open(self.args.stats_file, "w") as f:
                json.dump(self.stats, f, indent=1)
        if self.log:
            self.log.flush()


async def main_async(args):
    proxy = Proxy(args)
    server = await asyncio.start_server(proxy.handle_client, args.listen_host, args.listen_port,
                                        limit=MAX_HEAD, reuse_address=True)
    port = server.sockets[0].getsockname()[1]
    print(port, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    if args.blackout_at >= 0:
        loop.call_later(args.blackout_at, proxy.start_blackout)
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        if args.max_seconds > 0:
            try:
                await asyncio.wait_for(stop.wait(), timeout=args.max_seconds)
            except asyncio.TimeoutError:
                pass
        else:
            await stop.wait()
    finally:
        server.close()
        proxy.write_stats()


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--listen-host", default="127.0.0.1")
    p.add_argument("--listen-port", type=int, default=0,
                   help="0 picks a free port; the port is printed as stdout's first line")
    p.add_argument("--upstream", required=True, help="host:port of the real server")
    p.add_argument("--delay-ms", type=float, default=20.0, help="added before each request")
    p.add_argument("--error-rate", type=float, default=0.0, help="fraction answered 503 SlowDown")
    p.add_argument("--max-in-flight", type=int, default=0,
                   help="answer 503 SlowDown to a request arriving while this many others are "
                        "being served (0: never)")
    p.add_argument("--serve-at-once", type=int, default=0,
                   help="serve at most this many requests at once, queueing the others "
                        "(0: no bound)")
    p.add_argument("--reset-rate", type=float, default=0.0, help="fraction reset (TCP RST)")
    p.add_argument("--reset-point", choices=["request", "response", "random"],
                   default="random", help="reset before forwarding, mid-response, or either")
    p.add_argument("--stall-rate", type=float, default=0.0,
                   help="fraction that stall --stall-seconds mid-response")
    p.add_argument("--stall-seconds", type=float, default=30.0)
    p.add_argument("--blackout-after", type=int, default=-1,
                   help="request number (from 0) that starts the blackout; -1: none")
    p.add_argument("--blackout-at", type=float, default=-1.0,
                   help="seconds after the start when the blackout starts; -1: none")
    p.add_argument("--blackout-seconds", type=float, default=10.0,
                   help="how long the blackout lasts (inf: until the proxy exits)")
    p.add_argument("--lose-reply", action="append", default=[], metavar="COUNT:REGEX",
                   help="lose the server's answer to COUNT requests (0: all) whose "
                        "'METHOD TARGET' matches REGEX; may be repeated")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--max-seconds", type=float, default=0.0,
                   help="exit after this long (0: run until SIGTERM)")
    p.add_argument("--log-file", help="append one JSON line per request")
    p.add_argument("--stats-file", help="write a JSON summary on exit")
    args = p.parse_args(argv)
    total = args.error_rate + args.reset_rate + args.stall_rate
    if total > 1.0 or min(args.error_rate, args.reset_rate, args.stall_rate) < 0:
        p.error("rates must be >= 0 and add up to at most 1")
    for rule in args.lose_reply:
        count, sep, pattern = rule.partition(":")
        try:
            if not sep or int(count) < 0:
                raise ValueError
            re.compile(pattern)
        except (ValueError, re.error):
            p.error(f"--lose-reply wants COUNT:REGEX, got {rule!r}")
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
