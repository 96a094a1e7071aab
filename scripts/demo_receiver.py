#!/usr/bin/env python3
"""The demo's backend and Slack, on one loopback port: what scripts/demo.sh's service notifies.

  demo_receiver.py OUT_DIR     (prints the port it listens on, then serves until killed)

POST /backend: a backend as docs/notifications.md describes it: verifies Unpackd-Signature
(HMAC-SHA256 with $DEMO_WEBHOOK_SECRET over "<t>.<body>", at most 5 minutes old), answers 401
to a bad one, and writes the payload to OUT_DIR/backend-<n>.json with a line saying it checked.
POST /slack: a Slack incoming webhook: writes the message to OUT_DIR/slack-<n>.json.
"""
import hashlib
import hmac
import http.server
import json
import os
import sys
import time

OUT = sys.argv[1]
SECRET = os.environ["DEMO_WEBHOOK_SECRET"].encode()
COUNT = {"backend": 0, "slack": 0}


def signature_ok(header, body):
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    if "t" not in fields or "v1" not in fields or abs(time.time() - int(fields["t"])) > 300:
        return False
    expected = hmac.new(SECRET, fields["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields["v1"])


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        which = self.path.strip("/")
        if which not in COUNT:
            self.send_response(404)
            self.end_headers()
            return
        if which == "backend" and not signature_ok(self.headers.get("Unpackd-Signature", ""), body):
            self.send_response(401)
            self.end_headers()
            return
        COUNT[which] += 1
        record = {"headers": {k: v for k, v in self.headers.items()
                              if k.lower().startswith(("unpackd-", "idempotency-"))},
                  "body": json.loads(body)}
        if which == "backend":
            record["signature"] = "verified (HMAC-SHA256, timestamp within 5 minutes)"
        path = os.path.join(OUT, f"{which}-{COUNT[which]}.json")
        with open(path + ".tmp", "w") as f:
            json.dump(record, f, ensure_ascii=False, indent=2)
        os.rename(path + ".tmp", path)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
