#!/usr/bin/env python3
"""Self-test of lambda_runtime_double.py (the test double of AWS Lambda's Runtime API): runs
the real double process and drives it as a runtime and an Invoke client would, with urllib and
requests signed by botocore. Run with Debian's /usr/bin/python3:
    /usr/bin/python3 tests/tools/test_lambda_runtime_double.py -v
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

DOUBLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lambda_runtime_double.py")
KEY, SECRET = "AKIDLAMBDATEST", "lambda-test-secret"
NEXT = "/2018-06-01/runtime/invocation/next"


class Double:
    def __init__(self, *extra):
        self.process = subprocess.Popen(
            [sys.executable, DOUBLE, "--port", "0", "--function-name", "unpackd-fn", *extra],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        first = self.process.stdout.readline().split()
        assert first[0] == "LISTENING", first
        self.base = "http://127.0.0.1:%s" % first[1]

    def stop(self):
        if self.process.returncode is not None:
            return self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=10)
        self.process.stdout.close()
        return code

    def request(self, method, path, body=None, headers=None, timeout=10):
        """(status, headers, body bytes) for any status."""
        req = urllib.request.Request(self.base + path, data=body, method=method,
                                     headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def state(self):
        return json.loads(self.request("GET", "/_test/state")[2])

    def invoke_test(self, event, timeout=None):
        headers = {"X-Test-Timeout-Seconds": str(timeout)} if timeout else {}
        status, _, body = self.request("POST", "/_test/invoke", json.dumps(event).encode(), headers)
        assert status == 200, status
        return json.loads(body)["request_id"]

    def signed_invoke(self, name, payload, secret=SECRET, region="eu-west-1", tamper=None,
                      invocation_type="Event"):
        path = "/2015-03-31/functions/%s/invocations" % urllib.parse.quote(name, safe="")
        request = AWSRequest(method="POST", url=self.base + path, data=payload,
                             headers={"X-Amz-Invocation-Type": invocation_type,
                                      "Content-Type": "application/json"})
        SigV4Auth(Credentials(KEY, secret), "lambda", region).add_auth(request)
        body = tamper(payload) if tamper else payload
        return self.request("POST", path, body, dict(request.headers.items()))


class RuntimeApiTest(unittest.TestCase):
    def setUp(self):
        self.double = Double("--timeout-seconds", "30")
        self.addCleanup(self.double.stop)

    def test_next_blocks_until_an_invocation_and_carries_the_documented_headers(self):
        got = {}

        def runtime():
            got["reply"] = self.double.request("GET", NEXT, timeout=20)

        thread = threading.Thread(target=runtime)
        thread.start()
        time.sleep(0.3)
        self.assertTrue(thread.is_alive(), "next must block while nothing is queued")
        before_ms = int(time.time() * 1000)
        request_id = self.double.invoke_test({"Records": [{"s3": {"object": {"key": "a.zip"}}}]})
        thread.join(10)
        status, headers, body = got["reply"]
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["Records"][0]["s3"]["object"]["key"], "a.zip")
        self.assertEqual(headers["Lambda-Runtime-Aws-Request-Id"], request_id)
        deadline = int(headers["Lambda-Runtime-Deadline-Ms"])
        self.assertGreaterEqual(deadline, before_ms + 30000)
        self.assertLess(deadline, before_ms + 32000)
        self.assertEqual(headers["Lambda-Runtime-Invoked-Function-Arn"],
                         "arn:aws:lambda:us-east-1:123456789012:function:unpackd-fn")
        self.assertTrue(headers["Lambda-Runtime-Trace-Id"].startswith("Root=1-"))
        self.assertEqual(self.double.state()["invocations"][0]["status"], "running")

    def test_response_and_error_are_recorded_and_a_second_answer_is_refused(self):
        ok_id = self.double.invoke_test({"n": 1})
        bad_id = self.double.invoke_test({"n": 2})
        self.assertEqual(self.double.state()["pending"], 2)
        self.assertEqual(self.double.request("GET", NEXT)[1]["Lambda-Runtime-Aws-Request-Id"], ok_id)
        status, _, _ = self.double.request(
            "POST", "/2018-06-01/runtime/invocation/%s/response" % ok_id, b'{"extracted": 3}')
        self.assertEqual(status, 202)
        status, _, body = self.double.request(
            "POST", "/2018-06-01/runtime/invocation/%s/response" % ok_id, b"{}")
        self.assertEqual(status, 400)
        self.assertEqual(json.loads(body)["errorType"], "InvalidRequestID")

        self.assertEqual(self.double.request("GET", NEXT)[1]["Lambda-Runtime-Aws-Request-Id"],
                         bad_id)
        status, _, _ = self.double.request(
            "POST", "/2018-06-01/runtime/invocation/%s/error" % bad_id,
            b'{"errorMessage": "no such key", "errorType": "NoSuchKey"}',
            {"Lambda-Runtime-Function-Error-Type": "Unhandled"})
        self.assertEqual(status, 202)

        by_id = {i["request_id"]: i for i in self.double.state()["invocations"]}
        self.assertEqual(by_id[ok_id]["status"], "succeeded")
        self.assertEqual(by_id[ok_id]["response"], {"extracted": 3})
        self.assertEqual(by_id[ok_id]["source"], "test")
        self.assertEqual(by_id[bad_id]["status"], "failed")
        self.assertEqual(by_id[bad_id]["error"]["errorType"], "NoSuchKey")
        self.assertEqual(by_id[bad_id]["error_type"], "Unhandled")
        self.assertEqual(self.double.state()["pending"], 0)

    def test_unknown_request_id_is_400(self):
        for kind in ("response", "error"):
            status, _, body = self.double.request(
                "POST", "/2018-06-01/runtime/invocation/nope/%s" % kind, b"{}")
            self.assertEqual(status, 400)
            self.assertEqual(json.loads(body)["errorType"], "InvalidRequestID")

    def test_init_error_is_recorded(self):
        status, _, _ = self.double.request(
            "POST", "/2018-06-01/runtime/init/error",
            b'{"errorMessage": "bad config", "errorType": "InvalidConfig"}',
            {"Lambda-Runtime-Function-Error-Type": "Runtime.InvalidConfig"})
        self.assertEqual(status, 202)
        self.assertEqual(self.double.state()["init_errors"],
                         [{"error": {"errorMessage": "bad config", "errorType": "InvalidConfig"},
                           "error_type": "Runtime.InvalidConfig"}])

    def test_an_invocation_not_answered_by_its_deadline_times_out(self):
        request_id = self.double.invoke_test({"slow": True}, timeout=0.3)
        _, headers, _ = self.double.request("GET", NEXT)
        self.assertEqual(headers["Lambda-Runtime-Aws-Request-Id"], request_id)
        time.sleep(0.6)
        self.assertEqual(self.double.state()["invocations"][0]["status"], "timed_out")
        status, _, _ = self.double.request(
            "POST", "/2018-06-01/runtime/invocation/%s/response" % request_id, b"{}")
        self.assertEqual(status, 400)
        entry = self.double.state()["invocations"][0]
        self.assertEqual((entry["status"], entry["late_posts"]), ("timed_out", 1))

    def test_sigterm_stops_it_while_a_runtime_waits_in_next(self):
        waiter = threading.Thread(target=lambda: self.double.request("GET", NEXT, timeout=20),
                                  daemon=True)
        waiter.start()
        time.sleep(0.2)
        started = time.monotonic()
        self.assertEqual(self.double.stop(), 0)
        self.assertLess(time.monotonic() - started, 5)


class InvokeApiTest(unittest.TestCase):
    def setUp(self):
        self.double = Double("--access-key", KEY, "--secret-key", SECRET)
        self.addCleanup(self.double.stop)

    def test_a_signed_event_invoke_queues_a_continuation(self):
        for name in ("unpackd-fn", "arn:aws:lambda:eu-west-1:123456789012:function:unpackd-fn"):
            status, _, _ = self.double.signed_invoke(name, b'{"continuation": {"next": 7}}')
            self.assertEqual(status, 202, name)
        state = self.double.state()
        self.assertEqual(state["pending"], 2)
        self.assertEqual([i["source"] for i in state["invocations"]], ["invoke", "invoke"])
        self.assertEqual(state["invocations"][0]["event"], {"continuation": {"next": 7}})
        _, headers, body = self.double.request("GET", NEXT)
        self.assertEqual(headers["Lambda-Runtime-Aws-Request-Id"],
                         state["invocations"][0]["request_id"])
        self.assertEqual(json.loads(body), {"continuation": {"next": 7}})

    def test_a_wrong_secret_is_invalid_signature(self):
        status, headers, body = self.double.signed_invoke("unpackd-fn", b"{}", secret="wrong")
        self.assertEqual(status, 403)
        self.assertEqual(headers["x-amzn-ErrorType"], "InvalidSignatureException")
        self.assertEqual(json.loads(body)["__type"], "InvalidSignatureException")
        self.assertEqual(self.double.state()["invocations"], [])

    def test_a_body_changed_after_signing_is_invalid_signature(self):
        status, _, body = self.double.signed_invoke("unpackd-fn", b'{"a": 1}',
                                                    tamper=lambda p: b'{"a": 2}')
        self.assertEqual(status, 403)
        self.assertEqual(json.loads(body)["__type"], "InvalidSignatureException")

    def test_an_unsigned_invoke_is_refused(self):
        status, headers, _ = self.double.request(
            "POST", "/2015-03-31/functions/unpackd-fn/invocations", b"{}",
            {"X-Amz-Invocation-Type": "Event"})
        self.assertEqual(status, 403)
        self.assertEqual(headers["x-amzn-ErrorType"], "MissingAuthenticationTokenException")

    def test_an_unknown_function_is_404(self):
        status, headers, body = self.double.signed_invoke("other-fn", b"{}")
        self.assertEqual(status, 404)
        self.assertEqual(headers["x-amzn-ErrorType"], "ResourceNotFoundException")
        self.assertEqual(json.loads(body)["__type"], "ResourceNotFoundException")

    def test_request_response_is_not_implemented_and_dry_run_queues_nothing(self):
        status, _, _ = self.double.signed_invoke("unpackd-fn", b"{}",
                                                 invocation_type="RequestResponse")
        self.assertEqual(status, 400)
        status, _, _ = self.double.signed_invoke("unpackd-fn", b"{}", invocation_type="DryRun")
        self.assertEqual(status, 204)
        self.assertEqual(self.double.state()["invocations"], [])


if __name__ == "__main__":
    unittest.main()
