#!/usr/bin/env python3
"""A TEST DOUBLE of AWS Lambda's documented Runtime API (and of the Invoke API's asynchronous
form), for unpackd's tests of `unpackd lambda`.

AWS is unreachable from here, so the tests run the custom runtime against this double instead
of real Lambda. It implements, from the AWS Lambda Developer Guide ("Using the Lambda runtime API
for custom runtimes", API version 2018-06-01) and the Lambda API Reference ("Invoke"), only what
unpackd uses:

  GET  /2018-06-01/runtime/invocation/next
       Blocks until an invocation is queued, then answers 200 with the event as the body and
       the headers Lambda-Runtime-Aws-Request-Id, Lambda-Runtime-Deadline-Ms (epoch ms: now +
       the invocation's timeout), Lambda-Runtime-Invoked-Function-Arn
       (arn:aws:lambda:us-east-1:123456789012:function:NAME) and Lambda-Runtime-Trace-Id.
  POST /2018-06-01/runtime/invocation/{id}/response   202; records the body.
  POST /2018-06-01/runtime/invocation/{id}/error      202; records the body and the
       Lambda-Runtime-Function-Error-Type header.
  POST /2018-06-01/runtime/init/error                 202; records the body and that header.
       An unknown request id, or one no longer running (answered, or timed out), is 400
       {"errorMessage", "errorType": "InvalidRequestID"}; a response over 6 MB is 413.
       As on real Lambda, an invocation not answered by its deadline is recorded as timed_out
       (a later answer for it is refused with 400 and counted in "late_posts").

  POST /2015-03-31/functions/{name}/invocations        (the Invoke API, for continuations)
       With X-Amz-Invocation-Type: Event -> 202 and the payload is queued as a new invocation
       (source "invoke"); DryRun -> 204; RequestResponse (the default) is not implemented by
       the double -> 400 InvalidParameterValueException. {name} may be the function's name, its
       ARN or partial ARN (percent-encoded or not), with an optional ?Qualifier. Another name ->
       404 ResourceNotFoundException. With --access-key/--secret-key the request must carry an
       AWS Signature Version 4 (service "lambda", any region in the credential scope); the
       double recomputes it with botocore's SigV4Auth over an AWSRequest rebuilt from the
       received method, path, signed headers and body. A mismatch is 403
       InvalidSignatureException, an unknown key id 403 UnrecognizedClientException, no
       signature 403 MissingAuthenticationTokenException. Errors carry the x-amzn-ErrorType
       header and a JSON body {"__type", "message", "Type"}.

For the tests' control (not part of any AWS API):
  POST /_test/invoke       body = event JSON; optional header X-Test-Timeout-Seconds.
                           Queues an invocation (source "test"); answers {"request_id": ...}.
  GET  /_test/state        {"invocations": [{"request_id", "source", "event", "status",
                           "response"?, "error"?, "error_type"?, ...}], "init_errors": [...],
                           "pending": <queued count>}. status is queued, running, succeeded,
                           failed or timed_out. Bodies that are JSON appear parsed, others as
                           strings.

Usage: lambda_runtime_double.py --port 0 [--timeout-seconds N] [--function-name NAME]
                                [--access-key AK --secret-key SK]
Listens on 127.0.0.1; prints "LISTENING <port>" as its first stdout line; runs until SIGTERM.
Run it with Debian's /usr/bin/python3 (botocore comes from python3-boto3).
"""

import argparse
import collections
import datetime
import hashlib
import http.server
import json
import secrets
import signal
import sys
import threading
import time
import urllib.parse
import uuid

API = "/2018-06-01"
ACCOUNT = "123456789012"
REGION = "us-east-1"
MAX_RESPONSE_BYTES = 6 * 1024 * 1024  # the documented synchronous response payload quota
MAX_CLOCK_SKEW = datetime.timedelta(minutes=15)


def decode_body(raw):
    """JSON bodies appear parsed in the state, anything else as text."""
    text = raw.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        return text


def trace_id():
    return "Root=1-%08x-%s;Parent=%s;Sampled=0" % (
        int(time.time()), secrets.token_hex(12), secrets.token_hex(8))


class Invocation:
    def __init__(self, source, body, timeout_seconds):
        self.request_id = str(uuid.uuid4())
        self.source = source
        self.body = body
        self.timeout_seconds = timeout_seconds
        self.status = "queued"
        self.deadline_ms = None
        self.response = None
        self.error = None
        self.error_type = None
        self.late_posts = 0

    def snapshot(self):
        entry = {"request_id": self.request_id, "source": self.source,
                 "event": decode_body(self.body), "status": self.status,
                 "timeout_seconds": self.timeout_seconds}
        if self.deadline_ms is not None:
            entry["deadline_ms"] = self.deadline_ms
        if self.response is not None:
            entry["response"] = decode_body(self.response)
        if self.error is not None:
            entry["error"] = decode_body(self.error)
        if self.error_type is not None:
            entry["error_type"] = self.error_type
        if self.late_posts:
            entry["late_posts"] = self.late_posts
        return entry


class RuntimeState:
    """Every invocation, the queue of those not yet handed out, and the init errors."""

    def __init__(self, timeout_seconds):
        self.timeout_seconds = timeout_seconds
        self.lock = threading.Condition()
        self.invocations = collections.OrderedDict()
        self.queue = collections.deque()
        self.init_errors = []
        self.stopping = False

    def enqueue(self, source, body, timeout_seconds=None):
        invocation = Invocation(source, body, timeout_seconds or self.timeout_seconds)
        with self.lock:
            self.invocations[invocation.request_id] = invocation
            self.queue.append(invocation.request_id)
            self.lock.notify_all()
        return invocation.request_id

    def expire(self, now_ms):
        """Marks running invocations past their deadline timed out (caller holds the lock)."""
        for invocation in self.invocations.values():
            if invocation.status == "running" and now_ms >= invocation.deadline_ms:
                invocation.status = "timed_out"

    def next(self):
        """Blocks until an invocation is queued; returns (invocation, body) as handed out."""
        with self.lock:
            while not self.queue and not self.stopping:
                self.lock.wait(0.5)
            if self.stopping:
                return None
            invocation = self.invocations[self.queue.popleft()]
            invocation.status = "running"
            invocation.deadline_ms = int(time.time() * 1000) + int(invocation.timeout_seconds * 1000)
            return invocation

    def finish(self, request_id, status, body, error_type=None):
        """Records a response or an error; returns None, or (http status, errorType, message)."""
        with self.lock:
            self.expire(int(time.time() * 1000))
            invocation = self.invocations.get(request_id)
            if invocation is None:
                return 400, "InvalidRequestID", "Invalid request ID: " + request_id
            if invocation.status == "timed_out":
                invocation.late_posts += 1
                return 400, "InvalidRequestID", "Invocation timed out: " + request_id
            if invocation.status != "running":
                return 400, "InvalidRequestID", (
                    "Invocation %s is %s, not running" % (request_id, invocation.status))
            if status == "succeeded" and len(body) > MAX_RESPONSE_BYTES:
                return 413, "RequestEntityTooLarge", "Response payload exceeds 6 MB"
            invocation.status = status
            if status == "succeeded":
                invocation.response = body
            else:
                invocation.error = body
                invocation.error_type = error_type
            self.lock.notify_all()
            return None

    def init_error(self, body, error_type):
        with self.lock:
            self.init_errors.append({"error": decode_body(body), "error_type": error_type})

    def snapshot(self):
        with self.lock:
            self.expire(int(time.time() * 1000))
            return {"invocations": [i.snapshot() for i in self.invocations.values()],
                    "init_errors": list(self.init_errors),
                    "pending": len(self.queue)}

    def watch_deadlines(self):
        while True:
            time.sleep(0.05)
            with self.lock:
                if self.stopping:
                    return
                self.expire(int(time.time() * 1000))

    def stop(self):
        with self.lock:
            self.stopping = True
            self.lock.notify_all()


class InvokeError(Exception):
    def __init__(self, status, error_type, message):
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message


class SigV4Check:
    """Recomputes a request's SigV4 signature with botocore, the reference implementation."""

    def __init__(self, access_key, secret_key):
        self.access_key = access_key
        self.secret_key = secret_key

    def verify(self, method, raw_path, headers, body):
        if self.access_key is None:
            return
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        authorization = headers.get("Authorization")
        if not authorization:
            raise InvokeError(403, "MissingAuthenticationTokenException",
                              "Missing Authentication Token")
        algorithm, _, rest = authorization.partition(" ")
        fields = {}
        for part in rest.split(","):
            key, _, value = part.strip().partition("=")
            fields[key] = value
        if algorithm != "AWS4-HMAC-SHA256" or not {"Credential", "SignedHeaders",
                                                    "Signature"} <= fields.keys():
            raise InvokeError(403, "IncompleteSignatureException",
                              "Authorization header requires Credential, SignedHeaders and "
                              "Signature (AWS4-HMAC-SHA256)")
        scope = fields["Credential"].split("/")
        if len(scope) != 5 or scope[3] != "lambda" or scope[4] != "aws4_request":
            raise InvokeError(403, "InvalidSignatureException",
                              "Credential should be scoped to a valid region and to service "
                              "'lambda': " + fields["Credential"])
        key_id, scope_date, region = scope[0], scope[1], scope[2]
        if key_id != self.access_key:
            raise InvokeError(403, "UnrecognizedClientException",
                              "The security token included in the request is invalid.")
        amz_date = headers.get("X-Amz-Date", "")
        try:
            signed_at = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ")
        except ValueError:
            raise InvokeError(403, "IncompleteSignatureException",
                              "X-Amz-Date is missing or malformed: " + amz_date) from None
        if abs(datetime.datetime.utcnow() - signed_at) > MAX_CLOCK_SKEW:
            raise InvokeError(403, "InvalidSignatureException", "Signature expired: " + amz_date)
        if scope_date != amz_date[:8]:
            raise InvokeError(403, "InvalidSignatureException",
                              "Credential date does not match X-Amz-Date")
        signed_names = fields["SignedHeaders"].split(";")
        if "host" not in signed_names:
            raise InvokeError(403, "InvalidSignatureException", "Host must be a signed header")
        declared = headers.get("X-Amz-Content-SHA256")
        if declared is not None and declared not in (hashlib.sha256(body).hexdigest(),
                                                     "UNSIGNED-PAYLOAD"):
            raise InvokeError(403, "InvalidSignatureException",
                              "X-Amz-Content-SHA256 does not match the body")

        # Only the headers the client signed, as received (botocore signs all it is given).
        rebuilt = {}
        for name in signed_names:
            values = headers.get_all(name)
            if values is None:
                raise InvokeError(403, "InvalidSignatureException",
                                  "Signed header %s is missing" % name)
            rebuilt[name] = ",".join(values)
        request = AWSRequest(method=method, url="http://" + headers["Host"] + raw_path,
                             data=body, headers=rebuilt)
        request.context["timestamp"] = amz_date
        signer = SigV4Auth(Credentials(self.access_key, self.secret_key), "lambda", region)
        canonical = signer.canonical_request(request)
        expected = signer.signature(signer.string_to_sign(request, canonical), request)
        if not secrets.compare_digest(expected, fields["Signature"]):
            raise InvokeError(403, "InvalidSignatureException",
                              "The request signature we calculated does not match the signature "
                              "you provided. Check your AWS Secret Access Key and signing method. "
                              "The Canonical String for this request should have been\n'%s'"
                              % canonical)


def function_name_of(path_name):
    """The function name in an Invoke path: a name, an ARN or a partial ARN (maybe encoded)."""
    name = urllib.parse.unquote(path_name)
    parts = name.split(":")
    if name.startswith("arn:"):  # arn:aws:lambda:region:account:function:name[:qualifier]
        return parts[6] if len(parts) >= 7 and parts[5] == "function" else None
    if len(parts) >= 3 and parts[1] == "function":  # account:function:name[:qualifier]
        return parts[2]
    if len(parts) == 2:  # name:qualifier
        return parts[0]
    return name


def make_handler(state, function_name, sigv4):
    arn = "arn:aws:lambda:%s:%s:function:%s" % (REGION, ACCOUNT, function_name)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the runtime's HTTP client expects

        def log_message(self, fmt, *args):
            sys.stderr.write("lambda_runtime_double: " + (fmt % args) + "\n")

        def read_body(self):
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                chunks = []
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass  # trailers
                        return b"".join(chunks)
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def reply(self, status, body=b"", headers=()):
            if isinstance(body, (dict, list)):
                body = json.dumps(body).encode()
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            if body and not any(name.lower() == "content-type" for name, _ in headers):
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def runtime_error(self, status, error_type, message):
            self.reply(status, {"errorMessage": message, "errorType": error_type})

        def invoke_error(self, error):
            self.reply(error.status,
                       {"__type": error.error_type, "message": error.message, "Type": "User"},
                       [("x-amzn-ErrorType", error.error_type),
                        ("x-amzn-RequestId", str(uuid.uuid4()))])

        def do_GET(self):
            path = urllib.parse.urlsplit(self.path).path
            if path == API + "/runtime/invocation/next":
                invocation = state.next()
                if invocation is None:  # shutting down
                    self.runtime_error(500, "ServiceStopping", "The double is stopping")
                    return
                self.reply(200, invocation.body, [
                    ("Content-Type", "application/json"),
                    ("Lambda-Runtime-Aws-Request-Id", invocation.request_id),
                    ("Lambda-Runtime-Deadline-Ms", str(invocation.deadline_ms)),
                    ("Lambda-Runtime-Invoked-Function-Arn", arn),
                    ("Lambda-Runtime-Trace-Id", trace_id())])
            elif path == "/_test/state":
                self.reply(200, state.snapshot())
            else:
                self.reply(404, {"errorMessage": "No route for GET " + path,
                                 "errorType": "NotFound"})

        def do_POST(self):
            split = urllib.parse.urlsplit(self.path)
            path = split.path
            body = self.read_body()
            segments = path.split("/")
            if path == API + "/runtime/init/error":
                state.init_error(body, self.headers.get("Lambda-Runtime-Function-Error-Type"))
                self.reply(202, {"status": "OK"})
            elif (path.startswith(API + "/runtime/invocation/") and len(segments) == 6
                  and segments[5] in ("response", "error")):
                request_id = urllib.parse.unquote(segments[4])
                if segments[5] == "response":
                    refused = state.finish(request_id, "succeeded", body)
                else:
                    refused = state.finish(request_id, "failed", body,
                                           self.headers.get("Lambda-Runtime-Function-Error-Type"))
                if refused:
                    self.runtime_error(*refused)
                else:
                    self.reply(202, {"status": "OK"})
            elif (path.startswith("/2015-03-31/functions/") and len(segments) == 5
                  and segments[4] == "invocations"):
                try:
                    self.invoke(split, segments[3], body)
                except InvokeError as error:
                    self.invoke_error(error)
            elif path == "/_test/invoke":
                timeout = self.headers.get("X-Test-Timeout-Seconds")
                request_id = state.enqueue("test", body, float(timeout) if timeout else None)
                self.reply(200, {"request_id": request_id})
            else:
                self.reply(404, {"errorMessage": "No route for POST " + path,
                                 "errorType": "NotFound"})

        def invoke(self, split, path_name, body):
            sigv4.verify("POST", self.path, self.headers, body)
            if function_name_of(path_name) != function_name:
                raise InvokeError(404, "ResourceNotFoundException",
                                  "Function not found: " + arn.rsplit(":", 1)[0] + ":"
                                  + urllib.parse.unquote(path_name))
            kind = self.headers.get("X-Amz-Invocation-Type", "RequestResponse")
            if kind == "DryRun":
                self.reply(204)
            elif kind == "Event":
                request_id = state.enqueue("invoke", body)
                self.reply(202, b"", [("x-amzn-RequestId", request_id)])
            elif kind == "RequestResponse":
                raise InvokeError(400, "InvalidParameterValueException",
                                  "The test double implements only Event and DryRun invocations")
            else:
                raise InvokeError(400, "InvalidParameterValueException",
                                  "Invalid X-Amz-Invocation-Type: " + kind)

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--timeout-seconds", type=float, default=900.0,
                        help="an invocation's timeout unless X-Test-Timeout-Seconds says")
    parser.add_argument("--function-name", default="unpackd")
    parser.add_argument("--access-key")
    parser.add_argument("--secret-key")
    args = parser.parse_args()
    if (args.access_key is None) != (args.secret_key is None):
        parser.error("--access-key and --secret-key go together")

    state = RuntimeState(args.timeout_seconds)
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", args.port),
        make_handler(state, args.function_name, SigV4Check(args.access_key, args.secret_key)))
    server.daemon_threads = True  # a runtime blocked in /next must not hold up the exit

    def on_sigterm(_signum, _frame):
        state.stop()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, on_sigterm)
    signal.signal(signal.SIGINT, on_sigterm)
    threading.Thread(target=state.watch_deadlines, daemon=True).start()
    print("LISTENING %d" % server.server_address[1], flush=True)
    server.serve_forever(poll_interval=0.2)
    server.server_close()


if __name__ == "__main__":
    main()
