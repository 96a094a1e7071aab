#!/usr/bin/env python3
"""A TEST DOUBLE of the AWS APIs unpackd's notification targets call, for unpackd's tests.

AWS's endpoints are unreachable from the test machines (and no emulator of these services is
packaged for Debian), so the tests talk to this double instead. It implements, from each
service's API Reference, only the one action unpackd uses, on one loopback port:

  Lambda Invoke       POST /2015-03-31/functions/<FunctionName>/invocations (REST-JSON), the
                      function named by name, name:qualifier, partial ARN
                      (<account>:function:<name>) or full ARN; X-Amz-Invocation-Type Event ->
                      202 with an empty body (RequestResponse -> 200 "null"). Errors: status,
                      x-amzn-ErrorType header, body {"Type": "User", "message": ...}
                      (ResourceNotFoundException 404, TooManyRequestsException 429, ...).
  SNS Publish         POST / with a form body (Query protocol): Action=Publish,
                      Version=2010-03-31, TopicArn, Message, optional Subject (ASCII, no line
                      breaks, under 100 characters). XML answer (PublishResponse/PublishResult/
                      MessageId) and XML errors (ErrorResponse/Error/Code: NotFound 404,
                      Throttled 429, InvalidParameter 400, AuthorizationError 403, ...).
  EventBridge         POST / with X-Amz-Target: AWSEvents.PutEvents and Content-Type
  PutEvents           application/x-amz-json-1.1; Entries of Source, DetailType, Detail (a JSON
                      object), EventBusName (a name or an ARN). Answer {"FailedEntryCount",
                      "Entries": [{"EventId"} | {"ErrorCode", "ErrorMessage"}]}: an unknown bus
                      is a failed entry (ResourceNotFoundException), as EventBridge does.

Every request must carry a valid AWS Signature Version 4 for the service's signing name
("lambda", "sns", "events") and --region, made with --access-key/--secret-key. The signature is
recomputed independently of unpackd's signer, with botocore's own SigV4Auth (Debian's
python3-botocore) over the request as received (sigv4_check.py); a mismatch is refused with 403
(InvalidSignatureException; SNS: SignatureDoesNotMatch), an unknown key id with 403
(UnrecognizedClientException; SNS: InvalidClientTokenId), as AWS does.

For the tests' eyes only:
  POST /_double/faults   {"service": "lambda"|"sns"|"events", "status": 429, "code": "...",
                          "count": 1}: the next `count` signed requests to that service get that
                          error instead; {"service": "events", "entry_error": "ThrottlingException"}
                          fails the entry inside a 200 answer instead.
  GET  /_double/requests every accepted request: {"service", "target", "body", "headers"}.

Usage: aws_notify_double.py --function alert-api --topic alerts --bus unpackd
       [--access-key K --secret-key S --region us-east-1 --account 123456789012]
Prints "listening on 127.0.0.1:<port>" when ready.
"""

import argparse
import http.server
import json
import sys
import threading
import urllib.parse
import uuid
from xml.sax.saxutils import escape

from sigv4_check import SignatureRefused, SigV4Checker

LAMBDA_PREFIX = "/2015-03-31/functions/"
EVENTS_TYPE = "application/x-amz-json-1.1"
SNS_NAMESPACE = "http://sns.amazonaws.com/doc/2010-03-31/"


class ApiError(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class State:
    """What the double knows and saw, behind one lock."""

    def __init__(self, args):
        self.args = args
        self.checker = SigV4Checker(args.access_key, args.secret_key, args.region)
        self.functions = set(args.function)
        self.topics = {"arn:aws:sns:%s:%s:%s" % (args.region, args.account, name)
                       for name in args.topic}
        self.buses = set(args.bus) | {"default"}
        self.requests = []
        self.faults = []
        self.lock = threading.Lock()

    def take_fault(self, service, kind):
        with self.lock:
            for fault in self.faults:
                if fault["service"] == service and (kind in fault) and fault["count"] > 0:
                    fault["count"] -= 1
                    return fault
        return None

    def function_known(self, name):
        """Lambda's accepted spellings of a function, with an optional qualifier."""
        parts = name.split(":")
        if name.startswith("arn:"):
            # arn:aws:lambda:<region>:<account>:function:<name>[:qualifier]
            if (len(parts) not in (7, 8) or parts[2] != "lambda" or parts[5] != "function"
                    or parts[3] != self.args.region or parts[4] != self.args.account):
                return False
            return parts[6] in self.functions
        if len(parts) >= 3 and parts[1] == "function":
            return parts[0] == self.args.account and parts[2] in self.functions
        return parts[0] in self.functions and len(parts) <= 2

    def bus_known(self, name):
        if name.startswith("arn:"):
            prefix = "arn:aws:events:%s:%s:event-bus/" % (self.args.region, self.args.account)
            return name.startswith(prefix) and name[len(prefix):] in self.buses
        return name in self.buses


def lambda_invoke(state, raw_path, headers, body):
    name = urllib.parse.unquote(raw_path[len(LAMBDA_PREFIX):-len("/invocations")])
    if not state.function_known(name):
        raise ApiError(404, "ResourceNotFoundException", "Function not found: " + name)
    try:
        json.loads(body.decode("utf-8"))
    except ValueError:
        raise ApiError(400, "InvalidRequestContentException", "Could not parse request body "
                       "into json")
    invocation = headers.get("x-amz-invocation-type", "RequestResponse")
    if invocation == "Event":
        return 202, {}, b""
    return 200, {"Content-Type": "application/json"}, b"null"


def events_put(state, headers, body):
    if not headers.get("content-type", "").startswith(EVENTS_TYPE):
        raise ApiError(400, "SerializationException", "Content-Type must be " + EVENTS_TYPE)
    try:
        request = json.loads(body.decode("utf-8"))
    except ValueError:
        raise ApiError(400, "SerializationException", "The body is not JSON.")
    entries = request.get("Entries") if isinstance(request, dict) else None
    if not isinstance(entries, list) or not 1 <= len(entries) <= 10:
        raise ApiError(400, "ValidationException", "Entries must hold 1 to 10 entries.")
    results = []
    fault = state.take_fault("events", "entry_error")
    for entry in entries:
        for field in ("Source", "DetailType", "Detail"):
            if not isinstance(entry.get(field), str) or not entry[field]:
                raise ApiError(400, "ValidationException", "An entry has no " + field)
        try:
            detail_ok = isinstance(json.loads(entry["Detail"]), dict)
        except ValueError:
            detail_ok = False
        bus = entry.get("EventBusName", "default")
        if fault is not None:
            results.append({"ErrorCode": fault["entry_error"], "ErrorMessage": "injected"})
        elif not detail_ok:
            results.append({"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is not a "
                            "JSON object."})
        elif not state.bus_known(bus):
            results.append({"ErrorCode": "ResourceNotFoundException",
                            "ErrorMessage": "Event bus %s does not exist." % bus})
        else:
            results.append({"EventId": str(uuid.uuid4())})
    failed = sum(1 for r in results if "ErrorCode" in r)
    return 200, {"Content-Type": EVENTS_TYPE}, json.dumps(
        {"FailedEntryCount": failed, "Entries": results}).encode()


def sns_publish(state, headers, body):
    form = dict(urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    if form.get("Action") != "Publish" or form.get("Version") != "2010-03-31":
        raise ApiError(400, "InvalidAction", "The action or version is not valid.")
    if not form.get("Message"):
        raise ApiError(400, "InvalidParameter", "Invalid parameter: Empty message")
    subject = form.get("Subject")
    if subject is not None and (not subject or len(subject) >= 100 or not subject.isascii()
                                or any(ord(c) < 0x20 or ord(c) == 0x7f for c in subject)):
        raise ApiError(400, "InvalidParameter", "Invalid parameter: Subject")
    if form.get("TopicArn") not in state.topics:
        raise ApiError(404, "NotFound", "Topic does not exist")
    message_id = str(uuid.uuid4())
    document = ('<PublishResponse xmlns="%s"><PublishResult><MessageId>%s</MessageId>'
                '</PublishResult><ResponseMetadata><RequestId>%s</RequestId>'
                '</ResponseMetadata></PublishResponse>' % (SNS_NAMESPACE, message_id,
                                                          uuid.uuid4()))
    return 200, {"Content-Type": "text/xml"}, document.encode()


def error_reply(service, error):
    request_id = str(uuid.uuid4())
    if service == "sns":
        document = ('<ErrorResponse xmlns="%s"><Error><Type>Sender</Type><Code>%s</Code>'
                    '<Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>'
                    % (SNS_NAMESPACE, escape(error.code), escape(error.message), request_id))
        return error.status, {"Content-Type": "text/xml", "x-amzn-RequestId": request_id}, \
            document.encode()
    headers = {"x-amzn-RequestId": request_id}
    if service == "lambda":
        headers["Content-Type"] = "application/json"
        headers["x-amzn-ErrorType"] = error.code
        document = {"Type": "User", "message": error.message}
    else:
        headers["Content-Type"] = EVENTS_TYPE
        document = {"__type": error.code, "message": error.message}
    return error.status, headers, json.dumps(document).encode()


def service_of(raw_path, headers):
    if raw_path.startswith(LAMBDA_PREFIX) and raw_path.endswith("/invocations"):
        return "lambda"
    if headers.get("x-amz-target", "") == "AWSEvents.PutEvents":
        return "events"
    if raw_path.split("?")[0] == "/" and headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded"):
        return "sns"
    return None


def make_handler(state):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            sys.stdout.write("%s %s\n" % (self.address_string(), fmt % args))
            sys.stdout.flush()

        def reply(self, status, headers, data):
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def reply_json(self, status, document):
            self.reply(status, {"Content-Type": "application/json"}, json.dumps(document).encode())

        def do_GET(self):
            if self.path == "/_double/requests":
                with state.lock:
                    self.reply_json(200, state.requests)
            else:
                self.reply_json(404, {"message": "not found"})

        def do_POST(self):
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {name.lower(): value for name, value in self.headers.items()}
            if self.path == "/_double/faults":
                fault = json.loads(raw.decode("utf-8"))
                fault.setdefault("count", 1)
                with state.lock:
                    state.faults.append(fault)
                self.reply_json(200, {})
                return
            service = service_of(self.path, headers)
            if service is None:
                self.reply(*error_reply("events", ApiError(
                    400, "UnknownOperationException", "Not an operation this double knows.")))
                return
            try:
                try:
                    state.checker.verify(service, "POST", self.path, headers, raw)
                except SignatureRefused as e:
                    raise ApiError(403, e.code if service != "sns" else e.query_code, e.message)
                fault = state.take_fault(service, "status")
                if fault is not None:
                    raise ApiError(fault["status"], fault.get("code", "InternalFailure"),
                                   "injected by the test")
                if service == "lambda":
                    answer = lambda_invoke(state, self.path, headers, raw)
                elif service == "events":
                    answer = events_put(state, headers, raw)
                else:
                    answer = sns_publish(state, headers, raw)
                with state.lock:
                    state.requests.append({"service": service, "target": self.path,
                                           "body": raw.decode("utf-8", "replace"),
                                           "headers": headers, "status": answer[0]})
                answer[1]["x-amzn-RequestId"] = str(uuid.uuid4())
                self.reply(*answer)
            except ApiError as e:
                self.reply(*error_reply(service, e))

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--function", action="append", default=[])
    parser.add_argument("--topic", action="append", default=[])
    parser.add_argument("--bus", action="append", default=[])
    parser.add_argument("--access-key", default="AKIDNOTIFYDOUBLE")
    parser.add_argument("--secret-key", default="notify-double-secret")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--account", default="123456789012")
    args = parser.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_handler(State(args)))
    server.daemon_threads = True
    print("listening on 127.0.0.1:%d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
