#!/usr/bin/env python3
"""A TEST DOUBLE of Amazon SQS's documented JSON API, for unpackd's tests.

No SQS server can run here (SQS is a hosted AWS service, and no SQS emulator is packaged for
Debian), so the tests talk to this double instead. It implements, from the Amazon SQS API
Reference and Developer Guide, only what unpackd uses, over the AWS JSON 1.0 protocol
(POST /, "Content-Type: application/x-amz-json-1.0", "X-Amz-Target: AmazonSQS.<Action>"):

  SendMessage              MessageBody, DelaySeconds (0-900) -> MessageId, MD5OfMessageBody
  ReceiveMessage           MaxNumberOfMessages (1-10), WaitTimeSeconds (0-20, a real long
                           poll), VisibilityTimeout; ApproximateReceiveCount (and SentTimestamp,
                           ApproximateFirstReceiveTimestamp) when asked through
                           MessageSystemAttributeNames or AttributeNames. A new receipt handle
                           on every receive.
  DeleteMessage            the current receipt handle deletes; one from an earlier receive is
                           refused as expired (InvalidParameterValue), a garbled one or one of
                           another queue is ReceiptHandleIsInvalid.
  ChangeMessageVisibility  0-43200 s; MessageNotInflight when the message is visible again.

Queues are fixed on the command line (no CreateQueue). A redrive policy moves a message to its
dead-letter queue when a receive would take it more than maxReceiveCount times, as SQS does.
Errors are JSON ({"__type": "com.amazonaws.sqs#<Code>", "message": ...}) with the
x-amzn-query-error header, HTTP 400 (403 for authentication), as the Developer Guide's
"Interpreting Amazon SQS JSON API responses" shows.

Every request must carry a valid AWS Signature Version 4 for service "sqs" made with the
--access-key/--secret-key given here, recomputed with botocore (sigv4_check.py): a wrong secret gets 403 InvalidSignatureException
(x-amzn-query-error SignatureDoesNotMatch), an unknown key id 403 UnrecognizedClientException
(InvalidClientTokenId), like AWS.

For the tests' eyes only: GET /_double/queues returns every queue's messages (body, state,
receive count) and the count of requests per action.

Usage: sqs_double.py --queue incoming --queue incoming-dlq --redrive incoming=incoming-dlq:2
       [--visibility-timeout 30] [--access-key K --secret-key S --region us-east-1]
Prints "listening on 127.0.0.1:<port>" when ready; queue URLs are
http://127.0.0.1:<port>/<account>/<name>.
"""

import argparse
import base64
import hashlib
import http.server
import json
import sys
import threading
import time
import urllib.parse
import uuid

from sigv4_check import SignatureRefused, SigV4Checker

JSON_TYPE = "application/x-amz-json-1.0"


class SqsError(Exception):
    def __init__(self, code, message, status=400, query_code=None, namespace="com.amazonaws.sqs"):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.query_code = query_code or code
        self.namespace = namespace


def invalid_parameter(message):
    return SqsError("InvalidParameterValue", message)


class Message:
    def __init__(self, body, delay):
        self.id = str(uuid.uuid4())
        self.body = body
        self.md5 = hashlib.md5(body.encode("utf-8")).hexdigest()
        self.sent_ms = int(time.time() * 1000)
        self.first_receive_ms = None
        self.visible_at = time.monotonic() + delay
        self.receive_count = 0
        self.receipt_handle = None  # the latest receive's
        self.earlier_handles = set()

    def state(self, now):
        if self.receipt_handle is not None and self.visible_at > now:
            return "in-flight"
        if self.receipt_handle is None and self.visible_at > now:
            return "delayed"
        return "visible"


class Queue:
    def __init__(self, name, visibility):
        self.name = name
        self.visibility = visibility
        self.messages = []
        self.dead_letter = None  # (Queue, maxReceiveCount)


class Broker:
    """Every queue's state, behind one lock; a condition wakes long polls on any change."""

    def __init__(self, account, visibility):
        self.account = account
        self.visibility = visibility
        self.queues = {}
        self.requests = {}
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)

    def add_queue(self, name):
        self.queues[name] = Queue(name, self.visibility)

    def queue_for(self, body):
        url = body.get("QueueUrl")
        if not isinstance(url, str) or not url:
            raise SqsError("MissingParameter", "The request must contain the parameter QueueUrl.",
                           query_code="MissingParameter")
        path = urllib.parse.urlparse(url).path.strip("/").split("/")
        if len(path) == 2 and path[0] == self.account and path[1] in self.queues:
            return self.queues[path[1]]
        raise SqsError("QueueDoesNotExist", "The specified queue does not exist.",
                       query_code="AWS.SimpleQueueService.NonExistentQueue")

    @staticmethod
    def integer(body, name, low, high, default):
        value = body.get(name, default)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise invalid_parameter(
                "Value %s for parameter %s is invalid. Reason: Must be between %d and %d."
                % (value, name, low, high))
        return value

    def find(self, queue, handle):
        """The message `handle` names, and whether it is that message's current handle."""
        try:
            name, message_id, _ = base64.urlsafe_b64decode(handle.encode()).decode().split("|")
        except Exception:
            name, message_id = None, None
        if name != queue.name:
            raise SqsError("ReceiptHandleIsInvalid",
                           'The input receipt handle "%s" is not a valid receipt handle.' % handle)
        for message in queue.messages:
            if message.id == message_id:
                return message, message.receipt_handle == handle
        return None, False

    # The actions. Each runs with self.lock held.

    def send_message(self, body):
        queue = self.queue_for(body)
        text = body.get("MessageBody")
        if not isinstance(text, str) or not text:
            raise SqsError("MissingParameter",
                           "The request must contain the parameter MessageBody.")
        delay = self.integer(body, "DelaySeconds", 0, 900, 0)
        message = Message(text, delay)
        queue.messages.append(message)
        self.changed.notify_all()
        return {"MessageId": message.id, "MD5OfMessageBody": message.md5}

    def take_visible(self, queue, count, visibility, now):
        taken = []
        for message in list(queue.messages):
            if len(taken) == count:
                break
            if message.state(now) != "visible":
                continue
            if queue.dead_letter and message.receive_count >= queue.dead_letter[1]:
                # Its receive count would exceed maxReceiveCount: the redrive policy moves it.
                queue.messages.remove(message)
                dead = queue.dead_letter[0]
                message.receipt_handle = None
                message.earlier_handles.clear()
                message.visible_at = now
                dead.messages.append(message)
                continue
            if message.receipt_handle is not None:
                message.earlier_handles.add(message.receipt_handle)
            message.receive_count += 1
            if message.first_receive_ms is None:
                message.first_receive_ms = int(time.time() * 1000)
            message.receipt_handle = base64.urlsafe_b64encode(
                ("%s|%s|%s" % (queue.name, message.id, uuid.uuid4().hex)).encode()).decode()
            message.visible_at = now + visibility
            taken.append(message)
        return taken

    def receive_message(self, body):
        queue = self.queue_for(body)
        count = self.integer(body, "MaxNumberOfMessages", 1, 10, 1)
        wait = self.integer(body, "WaitTimeSeconds", 0, 20, 0)
        visibility = self.integer(body, "VisibilityTimeout", 0, 43200, queue.visibility)
        names = set()
        for field in ("MessageSystemAttributeNames", "AttributeNames"):
            value = body.get(field, [])
            if isinstance(value, list):
                names.update(v for v in value if isinstance(v, str))
        deadline = time.monotonic() + wait
        while True:
            now = time.monotonic()
            taken = self.take_visible(queue, count, visibility, now)
            if taken or now >= deadline:
                break
            # Wake on a change, and at least every 100 ms for messages becoming visible.
            self.changed.wait(min(0.1, deadline - now))
        answer = []
        for message in taken:
            item = {"MessageId": message.id, "ReceiptHandle": message.receipt_handle,
                    "MD5OfBody": message.md5, "Body": message.body}
            attributes = {}
            if names & {"All", "ApproximateReceiveCount"}:
                attributes["ApproximateReceiveCount"] = str(message.receive_count)
            if names & {"All", "SentTimestamp"}:
                attributes["SentTimestamp"] = str(message.sent_ms)
            if names & {"All", "ApproximateFirstReceiveTimestamp"}:
                attributes["ApproximateFirstReceiveTimestamp"] = str(message.first_receive_ms)
            if attributes:
                item["Attributes"] = attributes
            answer.append(item)
        return {"Messages": answer} if answer else {}

    def current_message(self, queue, handle):
        if not isinstance(handle, str) or not handle:
            raise SqsError("MissingParameter",
                           "The request must contain the parameter ReceiptHandle.")
        message, current = self.find(queue, handle)
        if message is not None and not current:
            raise invalid_parameter(
                "Value %s for parameter ReceiptHandle is invalid. Reason: The receipt handle "
                "has expired." % handle)
        return message

    def delete_message(self, body):
        queue = self.queue_for(body)
        message = self.current_message(queue, body.get("ReceiptHandle"))
        if message is not None:  # deleting a deleted message succeeds, as in SQS
            queue.messages.remove(message)
            self.changed.notify_all()
        return {}

    def change_message_visibility(self, body):
        queue = self.queue_for(body)
        message = self.current_message(queue, body.get("ReceiptHandle"))
        seconds = self.integer(body, "VisibilityTimeout", 0, 43200, None)
        now = time.monotonic()
        if message is None or message.state(now) != "in-flight":
            raise SqsError("MessageNotInflight", "The message referred to isn't in flight.",
                           query_code="AWS.SimpleQueueService.MessageNotInflight")
        message.visible_at = now + seconds
        self.changed.notify_all()
        return {}

    def snapshot(self):
        now = time.monotonic()
        queues = {}
        for name, queue in self.queues.items():
            messages = [{"id": m.id, "body": m.body, "state": m.state(now),
                         "receive_count": m.receive_count} for m in queue.messages]
            queues[name] = {"messages": messages, "depth": len(messages)}
        return {"queues": queues, "requests": dict(self.requests)}


ACTIONS = {
    "SendMessage": Broker.send_message,
    "ReceiveMessage": Broker.receive_message,
    "DeleteMessage": Broker.delete_message,
    "ChangeMessageVisibility": Broker.change_message_visibility,
}


class SigV4Verifier:
    """Checks AWS Signature Version 4 (sigv4_check.py) for service "sqs", answering refusals
    as SQS does."""

    def __init__(self, access_key, secret_key, region):
        self.checker = SigV4Checker(access_key, secret_key, region)

    def verify(self, method, raw_path, headers, body):
        try:
            self.checker.verify("sqs", method, raw_path, headers, body)
        except SignatureRefused as e:
            raise SqsError(e.code, e.message, status=403, query_code=e.query_code,
                           namespace="com.amazon.coral.service")


def make_handler(broker, verifier):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            sys.stdout.write("%s %s\n" % (self.address_string(), fmt % args))
            sys.stdout.flush()

        def reply(self, status, document, extra_headers=()):
            data = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", JSON_TYPE)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
            for name, value in extra_headers:
                self.send_header(name, value)
            self.end_headers()
            try:
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (an abandoned long poll)

        def do_GET(self):
            if self.path.split("?")[0] == "/_double/queues":
                with broker.lock:
                    self.reply(200, broker.snapshot())
            else:
                self.reply(404, {"message": "not found"})

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length)
            headers = {name.lower(): value for name, value in self.headers.items()}
            target = headers.get("x-amz-target", "")
            action = target[len("AmazonSQS."):] if target.startswith("AmazonSQS.") else ""
            try:
                verifier.verify("POST", self.path, headers, raw)
                if action not in ACTIONS:
                    raise SqsError("UnknownOperationException",
                                   "The action %s is not valid for this web service." % target,
                                   query_code="InvalidAction")
                if not headers.get("content-type", "").startswith(JSON_TYPE):
                    raise SqsError("InvalidParameterValue",
                                   "Content-Type must be " + JSON_TYPE)
                try:
                    body = json.loads(raw.decode("utf-8"))
                except ValueError:
                    raise SqsError("SerializationException", "The body is not JSON.")
                if not isinstance(body, dict):
                    raise SqsError("SerializationException", "The body is not a JSON object.")
                with broker.lock:
                    broker.requests[action] = broker.requests.get(action, 0) + 1
                    answer = ACTIONS[action](broker, body)
                self.reply(200, answer)
            except SqsError as e:
                self.reply(e.status, {"__type": "%s#%s" % (e.namespace, e.code),
                                      "message": e.message},
                           [("x-amzn-query-error", "%s;Sender" % e.query_code)])

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--queue", action="append", default=[], help="a queue name")
    parser.add_argument("--redrive", action="append", default=[],
                        help="SOURCE=DLQ:maxReceiveCount")
    parser.add_argument("--visibility-timeout", type=int, default=30)
    parser.add_argument("--account", default="000000000000")
    parser.add_argument("--access-key", default="S3RVER")
    parser.add_argument("--secret-key", default="S3RVER")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()

    broker = Broker(args.account, args.visibility_timeout)
    for name in args.queue:
        broker.add_queue(name)
    for policy in args.redrive:
        source, _, rest = policy.partition("=")
        dead, _, count = rest.partition(":")
        broker.queues[source].dead_letter = (broker.queues[dead], int(count))

    verifier = SigV4Verifier(args.access_key, args.secret_key, args.region)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port),
                                             make_handler(broker, verifier))
    server.daemon_threads = True
    print("listening on 127.0.0.1:%d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
