#!/usr/bin/python3
"""Smoke tests of fault_proxy.py against a real HTTP/1.1 server on loopback.

The upstream is Python's http.server (threaded, keep-alive) answering GET with a body of the
requested size and echoing PUT bodies' length and CRC; the proxy runs as its own process,
exactly as benchmarks and reliability tests start it.
Run: /usr/bin/python3 tests/tools/test_fault_proxy.py [-v] [TestCase.test_name]
"""

import http.client
import http.server
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
PROXY = os.path.join(HERE, "fault_proxy.py")


def pattern(n):
    """Deterministic body of n bytes, so truncation or corruption shows."""
    block = bytes(range(256)) * 256
    return (block * (n // len(block) + 1))[:n]


class Upstream(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    puts = []  # paths of the PUTs served, in order

    def log_message(self, *args):
        pass

    def do_GET(self):
        size = int(self.path.rsplit("/", 1)[1])
        body = pattern(size)
        self.send_response(200)
        self.send_header("Content-Length", str(size))
        self.end_headers()
        self.wfile.write(body)

    def do_HEAD(self):
        self.send_response(200)
        self.send_header("Content-Length", "123")
        self.end_headers()

    def do_PUT(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    break
                data += self.rfile.read(size)
                self.rfile.readline()
        else:
            data = self.rfile.read(int(self.headers["Content-Length"]))
        Upstream.puts.append(self.path)
        answer = json.dumps({"len": len(data), "crc": zlib.crc32(data),
                             "host": self.headers.get("Host")}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


class ProxyTestBase(unittest.TestCase):
    proxy_args = []

    @classmethod
    def setUpClass(cls):
        cls.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
        cls.server.daemon_threads = True
        cls.thread = threading.Thread(target=cls.server.serve_forever, daemon=True)
        cls.thread.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()

    def start_proxy(self, *extra):
        self.tmp = tempfile.TemporaryDirectory()
        self.log_path = os.path.join(self.tmp.name, "log.jsonl")
        self.stats_path = os.path.join(self.tmp.name, "stats.json")
        up = f"127.0.0.1:{self.server.server_address[1]}"
        self.proc = subprocess.Popen(
            [sys.executable, PROXY, "--listen-port", "0", "--upstream", up, "--max-seconds", "60",
             "--log-file", self.log_path, "--stats-file", self.stats_path, *extra],
            stdout=subprocess.PIPE, text=True)
        self.port = int(self.proc.stdout.readline())
        self.addCleanup(self.stop_proxy)

    def stop_proxy(self):
        self.proc.terminate()
        self.proc.wait(10)
        self.proc.stdout.close()
        self.tmp.cleanup()

    def conn(self, timeout=10):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        self.addCleanup(c.close)
        return c

    def log_entries(self, at_least=1):
        """The proxy logs a request just after answering it, so wait briefly for the line."""
        deadline = time.monotonic() + 5
        while True:
            with open(self.log_path) as f:
                entries = [json.loads(line) for line in f if line.endswith("\n")]
            if len(entries) >= at_least or time.monotonic() > deadline:
                return entries
            time.sleep(0.02)


class PassThroughTest(ProxyTestBase):
    def test_streams_bodies_both_ways_on_one_kept_alive_connection(self):
        self.start_proxy("--delay-ms", "0")
        c = self.conn()
        for size in (0, 1, 5_000_000):
            c.request("GET", f"/obj/{size}")
            r = c.getresponse()
            self.assertEqual(r.status, 200)
            self.assertEqual(r.read(), pattern(size))
        body = pattern(3_000_001)
        c.request("PUT", "/put", body=body, headers={"Host": "bucket.example:9"})
        got = json.loads(c.getresponse().read())
        self.assertEqual(got, {"len": len(body), "crc": zlib.crc32(body), "host": "bucket.example:9"})
        # Chunked upload (an iterable body makes http.client use Transfer-Encoding: chunked).
        c.request("PUT", "/put", body=iter([b"abc", b"", b"defgh"]), encode_chunked=True)
        self.assertEqual(json.loads(c.getresponse().read())["len"], 8)
        c.request("HEAD", "/head")
        r = c.getresponse()
        self.assertEqual((r.status, r.read()), (200, b""))
        entries = self.log_entries(at_least=6)
        self.assertEqual([e["method"] for e in entries], ["GET"] * 3 + ["PUT"] * 2 + ["HEAD"])
        self.assertEqual(entries[2]["down"], 5_000_000)
        self.assertEqual(entries[3]["up"], 3_000_001)

    def test_delay_is_added_to_every_request(self):
        self.start_proxy("--delay-ms", "150")
        c = self.conn()
        started = time.monotonic()
        for _ in range(4):
            c.request("GET", "/obj/10")
            self.assertEqual(c.getresponse().read(), pattern(10))
        elapsed = time.monotonic() - started
        self.assertGreaterEqual(elapsed, 0.6)
        self.assertLess(elapsed, 3.0)


class FaultTest(ProxyTestBase):
    def test_error_rate_one_answers_503_slowdown_and_keeps_alive(self):
        self.start_proxy("--delay-ms", "0", "--error-rate", "1.0")
        c = self.conn()
        for _ in range(3):
            c.request("PUT", "/put", body=b"x" * 100_000)
            r = c.getresponse()
            self.assertEqual(r.status, 503)
            self.assertIn(b"<Code>SlowDown</Code>", r.read())
        self.stop_proxy_and_check_stats(errors=3)

    def stop_proxy_and_check_stats(self, errors):
        self.proc.terminate()
        self.proc.wait(10)
        with open(self.stats_path) as f:
            stats = json.load(f)
        self.assertEqual(stats["errors_injected"], errors)
        self.assertEqual(stats["requests"], errors)

    def test_reset_before_forwarding(self):
        self.start_proxy("--delay-ms", "0", "--reset-rate", "1.0", "--reset-point", "request")
        c = self.conn()
        c.request("GET", "/obj/1000")
        with self.assertRaises((ConnectionResetError, http.client.RemoteDisconnected)):
            c.getresponse().read()
        self.assertEqual(self.log_entries()[0]["status"], "reset-before-forward")

    def test_reset_mid_response_truncates_the_body(self):
        self.start_proxy("--delay-ms", "0", "--reset-rate", "1.0", "--reset-point", "response")
        c = self.conn()
        c.request("GET", "/obj/4000000")
        r = c.getresponse()
        self.assertEqual(r.status, 200)
        with self.assertRaises((ConnectionResetError, http.client.IncompleteRead)):
            r.read()
        self.assertEqual(self.log_entries()[0]["status"], "reset-mid-200")

    def test_stall_pauses_mid_response_then_completes(self):
        self.start_proxy("--delay-ms", "0", "--stall-rate", "1.0", "--stall-seconds", "0.5")
        c = self.conn()
        started = time.monotonic()
        c.request("GET", "/obj/100000")
        self.assertEqual(c.getresponse().read(), pattern(100000))
        self.assertGreaterEqual(time.monotonic() - started, 0.5)
        # A client with a shorter timeout sees the stall as a timeout.
        c2 = self.conn(timeout=0.2)
        c2.request("GET", "/obj/100000")
        with self.assertRaises((socket.timeout, TimeoutError)):
            c2.getresponse().read()

    def test_faults_are_deterministic_for_a_seed(self):
        def run(seed):
            self.start_proxy("--delay-ms", "0", "--error-rate", "0.5", "--seed", str(seed))
            c = self.conn()
            statuses = []
            for _ in range(20):
                c.request("GET", "/obj/10")
                r = c.getresponse()
                r.read()
                statuses.append(r.status)
            self.doCleanups()
            return statuses

        first, again, other = run(7), run(7), run(8)
        self.assertEqual(first, again)
        self.assertNotEqual(first, other)
        self.assertIn(503, first)
        self.assertIn(200, first)

    def six_gets_at_once(self):
        """GET /obj/10 from six threads at once; their (status, body, seconds) in answer order."""
        results = []

        def one():
            c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            started = time.monotonic()
            c.request("GET", "/obj/10")
            r = c.getresponse()
            results.append((r.status, r.read(), time.monotonic() - started))
            c.close()

        threads = [threading.Thread(target=one) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return results

    def stop_and_read_stats(self):
        self.proc.terminate()
        self.proc.wait(10)
        with open(self.stats_path) as f:
            return json.load(f)

    def test_max_in_flight_throttles_only_requests_beyond_it(self):
        # Six requests at once, each held 300 ms by the delay: two are served, four arrive
        # while two are being served and get 503 SlowDown; one at a time, none is throttled.
        self.start_proxy("--delay-ms", "300", "--max-in-flight", "2")
        results = self.six_gets_at_once()
        self.assertEqual(sorted(s for s, _, _ in results), [200, 200, 503, 503, 503, 503])
        for status, body, _ in results:
            if status == 503:
                self.assertIn(b"<Code>SlowDown</Code>", body)
        c = self.conn()
        for _ in range(3):
            c.request("GET", "/obj/10")
            r = c.getresponse()
            self.assertEqual((r.status, r.read()), (200, pattern(10)))
        stats = self.stop_and_read_stats()
        self.assertEqual(stats["throttled"], 4)
        self.assertEqual(stats["errors_injected"], 0)
        self.assertEqual(stats["max_in_flight_seen"], 6)

    def test_serve_at_once_queues_requests_beyond_it(self):
        # Six requests at once, each held 300 ms by the delay, two served at a time: all are
        # answered, in three turns, so the last answers come about 900 ms after the first ask.
        self.start_proxy("--delay-ms", "300", "--serve-at-once", "2")
        results = self.six_gets_at_once()
        self.assertEqual([s for s, _, _ in results], [200] * 6)
        self.assertTrue(all(body == pattern(10) for _, body, _ in results))
        waits = sorted(w for _, _, w in results)
        self.assertLess(waits[1], 0.6)
        self.assertGreater(waits[5], 0.85)
        stats = self.stop_and_read_stats()
        self.assertEqual(stats["queued"], 4)
        self.assertEqual(stats["throttled"], 0)
        self.assertEqual(stats["max_in_flight_seen"], 2)


class OutageTest(ProxyTestBase):
    def test_blackout_resets_every_connection_for_its_duration(self):
        self.start_proxy("--delay-ms", "0", "--blackout-after", "1", "--blackout-seconds", "1")
        c = self.conn()
        c.request("GET", "/obj/10")
        self.assertEqual(c.getresponse().read(), pattern(10))
        started = time.monotonic()
        c.request("GET", "/obj/10")  # request 1 starts the blackout
        with self.assertRaises((ConnectionResetError, http.client.RemoteDisconnected)):
            c.getresponse().read()
        refused = 0
        while True:
            try:
                c2 = self.conn(timeout=2)
                c2.request("GET", "/obj/10")
                body = c2.getresponse().read()
                break
            except (ConnectionResetError, http.client.RemoteDisconnected, BrokenPipeError):
                refused += 1
                time.sleep(0.05)
        self.assertEqual(body, pattern(10))
        self.assertGreater(refused, 0)
        self.assertGreaterEqual(time.monotonic() - started, 1.0)
        self.assertLess(time.monotonic() - started, 3.0)
        self.proc.terminate()
        self.proc.wait(10)
        with open(self.stats_path) as f:
            self.assertGreaterEqual(json.load(f)["blackout_resets"], refused)

    def test_lost_reply_reaches_the_server_but_not_the_client(self):
        self.start_proxy("--delay-ms", "0", "--lose-reply", "1:^PUT /lose( |$)")
        Upstream.puts.clear()
        c = self.conn()
        c.request("PUT", "/keep", body=b"k")
        self.assertEqual(json.loads(c.getresponse().read())["len"], 1)
        c.request("PUT", "/lose", body=b"abc")
        with self.assertRaises((ConnectionResetError, http.client.RemoteDisconnected)):
            c.getresponse().read()
        self.assertEqual(Upstream.puts, ["/keep", "/lose"])  # the server did the work
        c2 = self.conn()
        c2.request("PUT", "/lose", body=b"abc")  # the rule was for one request only
        self.assertEqual(json.loads(c2.getresponse().read())["len"], 3)
        entries = [e for e in self.log_entries(at_least=3) if "i" in e]
        self.assertEqual([e["status"] for e in entries], [200, "lost-200", 200])


if __name__ == "__main__":
    unittest.main()
