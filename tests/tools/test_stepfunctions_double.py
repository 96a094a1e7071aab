#!/usr/bin/env python3
"""stepfunctions_double.py runs deploy/aws/template.yaml's fan-out state machine as the Step
Functions guide describes it: the real definition, executed through lambda_runtime_double.py,
whose invocations a fake function (below; no unpackd binary) answers with the payload contract
of docs/lambda.md, "Step Functions fan-out". Run with Debian's python3:
    /usr/bin/python3 tests/tools/test_stepfunctions_double.py -v
"""

import collections
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import stepfunctions_double as sfn  # noqa: E402

TEMPLATE = os.path.join(HERE, "..", "..", "deploy", "aws", "template.yaml")
API = "/2018-06-01/runtime/invocation/"


def object_created(key):
    """An EventBridge "Object Created" event, the execution input the rule gives."""
    return {"version": "0", "id": "17793124-05d4-b198-2fde-7ededc63b103",
            "detail-type": "Object Created", "source": "aws.s3", "account": "123456789012",
            "time": "2026-12-02T12:00:00Z", "region": "us-east-1",
            "resources": ["arn:aws:s3:::example-uploads"],
            "detail": {"version": "0", "bucket": {"name": "example-uploads"},
                       "object": {"key": key, "size": 4096, "etag": "e1", "sequencer": "01"},
                       "request-id": "R", "requester": "123456789012", "reason": "PutObject"}}


def plan(key, status, shards):
    job = {"rule": "default", "bucket": "example-uploads", "key": key, "etag": "e1",
           "version_id": "", "size": 4096, "attempt": 1, "started_at_ms": 1}
    if status == "ignored":
        return {"status": status, "shards": 0, "jobs": []}
    jobs = [{"unpackd_job": dict(job, shard="%d/%d" % (i, shards), defer_commit=True)}
            for i in range(shards)] if status == "planned" else []
    return {"status": status, "shards": shards, "jobs": jobs,
            "commit": {"unpackd_job": dict(job, shard="0/%d" % shards, step="commit")},
            "fail": {"unpackd_job": dict(job, step="fail")}}


class FakeUnpackd:
    """Answers the runtime double's invocations as the contract says unpackd does, with the
    failures each test archive's key asks for (by the key's file name):
      three.zip    3 shards; shard 1/3 fails JobFailed once; commit answers ShardsPending twice
      hostile.zip  3 shards; shard 2/3 fails ArchiveRefused (every time)
      stuck.zip    1 shard; commit answers ShardsPending every time
      notes.txt    ignored; refused.zip: refused; done.zip: complete (manifest already there)
      slow.zip     the plan answers after 1.5 s (past the invocation's deadline in the test)
    """

    def __init__(self, base_url):
        self.base_url = base_url
        self.lock = threading.Lock()
        self.calls = []
        self.seen = collections.Counter()

    def answer(self, event):
        """(True, reply) or (False, errorType)."""
        if "unpackd_plan" in event:
            key = event["unpackd_plan"]["detail"]["object"]["key"]
            name = key.rsplit("/", 1)[-1]
            self.record("plan", key)
            if name == "slow.zip":
                time.sleep(1.5)  # past --function-timeout 0.5
            status = {"notes.txt": "ignored", "refused.zip": "refused",
                      "done.zip": "complete"}.get(name, "planned")
            return True, plan(key, status, {"stuck.zip": 1}.get(name, 3))
        job = event["unpackd_job"]
        name = job["key"].rsplit("/", 1)[-1]
        step = job.get("step", "shard")
        label = step if step != "shard" else "shard " + job["shard"]
        count = self.record(label, job["key"], event.get("error"))
        if step == "fail":
            return True, {"jobs": [{"status": "failed", "key": job["key"]}]}
        if step == "commit":
            if name == "stuck.zip" or (name == "three.zip" and count <= 2):
                return False, "ShardsPending"
            return True, {"jobs": [{"status": "done", "key": job["key"]}]}
        if name == "three.zip" and job["shard"] == "1/3" and count == 1:
            return False, "JobFailed"
        if name == "hostile.zip" and job["shard"] == "2/3":
            return False, "ArchiveRefused"
        return True, {"jobs": [{"status": "shard-done", "shard": job["shard"]}]}

    def record(self, label, key, error=None):
        with self.lock:
            self.seen[(label, key)] += 1
            self.calls.append((label, key, error))
            return self.seen[(label, key)]

    def serve(self):
        """One runtime loop: next invocation, answer, repeat (until the double goes away)."""
        while True:
            try:
                with urllib.request.urlopen(self.base_url + API + "next", timeout=600) as r:
                    request_id = r.headers["Lambda-Runtime-Aws-Request-Id"]
                    event = json.loads(r.read())
            except (OSError, urllib.error.URLError):
                return
            ok, reply = self.answer(event)
            if ok:
                url, body, headers = API + request_id + "/response", reply, {}
            else:
                url = API + request_id + "/error"
                body = {"errorType": reply, "errorMessage": "fake " + reply}
                headers = {"Lambda-Runtime-Function-Error-Type": reply}
            request = urllib.request.Request(self.base_url + url, data=json.dumps(body).encode(),
                                             headers=headers, method="POST")
            try:
                urllib.request.urlopen(request, timeout=30).close()
            except urllib.error.HTTPError:
                continue  # refused, as a late answer is: this runtime serves on
            except OSError:
                return


class StateMachineTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.double = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "lambda_runtime_double.py"), "--port", "0"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        port = int(cls.double.stdout.readline().split()[1])
        cls.base_url = "http://127.0.0.1:%d" % port
        cls.fake = FakeUnpackd(cls.base_url)
        for _ in range(3):  # shards run at once, as they would in separate sandboxes
            threading.Thread(target=cls.fake.serve, daemon=True).start()

    @classmethod
    def tearDownClass(cls):
        cls.double.terminate()
        cls.double.wait(timeout=30)

    def execute(self, key, time_scale="0.01", *extra):
        """Runs the double's command line; returns (exit code, history, this key's calls)."""
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(object_created(key), f)
        try:
            done = subprocess.run(
                [sys.executable, os.path.join(HERE, "stepfunctions_double.py"),
                 "--template", TEMPLATE, "--runtime-api", self.base_url, "--input", f.name,
                 "--time-scale", time_scale] + list(extra),
                capture_output=True, text=True, timeout=120)
        finally:
            os.unlink(f.name)
        self.assertEqual(done.stderr, "")
        history = [json.loads(line) for line in done.stdout.splitlines()]
        with self.fake.lock:
            calls = [(label, error) for label, k, error in self.fake.calls if k == key]
        return done.returncode, history, calls

    @staticmethod
    def entered(history):
        return [e["state"] for e in history if e["event"] == "StateEntered" and "/" not in e["state"]]

    def test_three_shards_with_a_retried_shard_and_a_waiting_commit(self):
        code, history, calls = self.execute("uploads/2024/three.zip")
        self.assertEqual(code, 0)
        self.assertEqual(self.entered(history), ["Plan", "Route", "Extract", "Commit", "Done"])
        retries = [(e["state"], e["error"], e["attempt"]) for e in history if e["event"] == "RetryScheduled"]
        self.assertEqual(retries, [("Extract/1/Shard", "JobFailed", 1),
                                   ("Commit", "ShardsPending", 1), ("Commit", "ShardsPending", 2)])
        waits = [e["wait_seconds"] for e in history if e["event"] == "RetryScheduled"][1:]
        self.assertEqual(waits, [30, 45.0])  # IntervalSeconds 30, BackoffRate 1.5
        labels = [label for label, _ in calls]
        self.assertEqual(sorted(labels[1:5]), ["shard 0/3", "shard 1/3", "shard 1/3", "shard 2/3"])
        self.assertEqual(labels[0], "plan")
        self.assertEqual(labels[5:], ["commit"] * 3)
        self.assertEqual(history[-1]["event"], "ExecutionSucceeded")
        # The commit's answer lands beside the plan; the Map's results are dropped (ResultPath null).
        self.assertEqual(history[-1]["output"]["commit"]["result"]["jobs"][0]["status"], "done")
        self.assertEqual(history[-1]["output"]["plan"]["status"], "planned")

    def test_a_refused_shard_is_reported_once_then_fails(self):
        code, history, calls = self.execute("uploads/hostile.zip")
        self.assertEqual(code, 1)
        self.assertEqual(self.entered(history), ["Plan", "Route", "Extract", "ReportFailure", "Failed"])
        self.assertFalse(any(e["event"] == "RetryScheduled" and e.get("error") == "ArchiveRefused"
                             for e in history))  # never retried
        fails = [error for label, error in calls if label == "fail"]
        self.assertEqual(len(fails), 1)
        self.assertEqual(fails[0]["Error"], "States.ExceedToleratedFailureThreshold")
        self.assertEqual(json.loads(fails[0]["Cause"])["error"], "ArchiveRefused")
        self.assertNotIn("commit", [label for label, _ in calls])
        self.assertEqual(history[-1], dict(history[-1], event="ExecutionFailed", error="ExtractionFailed"))

    def test_a_commit_that_keeps_waiting_gives_up_after_its_attempts(self):
        code, history, calls = self.execute("uploads/stuck.zip", "0.0005")
        self.assertEqual(code, 1)
        self.assertEqual([label for label, _ in calls].count("commit"), 13)  # 1 + MaxAttempts 12
        waits = [e["wait_seconds"] for e in history if e["event"] == "RetryScheduled"]
        self.assertEqual(max(waits), 900)  # MaxDelaySeconds caps the backoff
        self.assertEqual(self.entered(history), ["Plan", "Route", "Extract", "Commit", "ReportFailure", "Failed"])
        self.assertEqual([e["Error"] for label, e in calls if label == "fail"], ["ShardsPending"])

    def test_an_ignored_key_succeeds_after_the_plan(self):
        code, history, calls = self.execute("uploads/notes.txt")
        self.assertEqual(code, 0)
        self.assertEqual(self.entered(history), ["Plan", "Route", "Ignored"])
        self.assertEqual([label for label, _ in calls], ["plan"])

    def test_a_refused_archive_fails_without_another_invocation(self):
        code, history, calls = self.execute("uploads/refused.zip")
        self.assertEqual(code, 1)
        self.assertEqual(self.entered(history), ["Plan", "Route", "Refused"])
        self.assertEqual(history[-1]["error"], "ArchiveRefused")
        self.assertEqual([label for label, _ in calls], ["plan"])

    def test_a_complete_archive_goes_straight_to_the_commit(self):
        code, history, calls = self.execute("uploads/done.zip")
        self.assertEqual(code, 0)
        self.assertEqual(self.entered(history), ["Plan", "Route", "Commit", "Done"])
        self.assertEqual([label for label, _ in calls], ["plan", "commit"])

    def test_an_invocation_that_times_out_is_sandbox_timedout(self):
        code, history, calls = self.execute("uploads/slow.zip", "0.01", "--function-timeout", "0.5")
        self.assertEqual(code, 1)  # the plan timed out; Sandbox.Timedout is not retried
        self.assertEqual(history[-1]["error"], "Sandbox.Timedout")
        self.assertEqual([label for label, _ in calls], ["plan"])

    def test_the_maps_concurrency_is_respected(self):
        code, history, _ = self.execute("uploads/one-at-a-time/three.zip", "0.01",
                                        "--parameter", "FanOutConcurrency=1")
        self.assertEqual(code, 0)
        running, most = 0, 0
        for e in history:
            if e["event"] == "MapIterationStarted":
                running += 1
                most = max(most, running)
            elif e["event"] in ("MapIterationSucceeded", "MapIterationFailed"):
                running -= 1
        self.assertEqual(most, 1)


class InterpreterTest(unittest.TestCase):
    """The interpreter's rules on small definitions, with a Python function as the Lambda."""

    def run_definition(self, definition, invoke, data=None):
        execution = sfn.Execution(definition, invoke, time_scale=0)
        return execution.run(data if data is not None else {}), execution.events

    @staticmethod
    def task(**fields):
        state = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                 "Parameters": {"FunctionName": sfn.FUNCTION_ARN, "Payload.$": "$"}, "End": True}
        state.update(fields)
        return state

    def test_paths_parameters_selector_and_result_path(self):
        definition = {"StartAt": "T", "States": {"T": self.task(
            Parameters={"FunctionName": sfn.FUNCTION_ARN, "Payload": {"x.$": "$.a.b", "k": 1}},
            ResultSelector={"got.$": "$.Payload"}, ResultPath="$.out")}}
        (status, output), _ = self.run_definition(definition, lambda p: p, {"a": {"b": 7}})
        self.assertEqual(status, "SUCCEEDED")
        self.assertEqual(output, {"a": {"b": 7}, "out": {"got": {"x": 7, "k": 1}}})

    def test_a_missing_path_is_a_runtime_error(self):
        definition = {"StartAt": "T", "States": {"T": self.task(
            Parameters={"FunctionName": sfn.FUNCTION_ARN, "Payload.$": "$.nothing"})}}
        (status, failure), _ = self.run_definition(definition, lambda p: p)
        self.assertEqual((status, failure["Error"]), ("FAILED", "States.Runtime"))

    def test_retries_stop_at_max_attempts_then_catch(self):
        calls = []

        def failing(payload):
            calls.append(payload)
            raise sfn.StatesError("JobFailed", "{}")
        definition = {"StartAt": "T", "States": {
            "T": self.task(Retry=[{"ErrorEquals": ["JobFailed"], "MaxAttempts": 2, "IntervalSeconds": 3,
                                   "BackoffRate": 4.0}],
                           Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "S"}],
                           End=None),
            "S": {"Type": "Succeed"}}}
        del definition["States"]["T"]["End"]
        (status, output), events = self.run_definition(definition, failing)
        self.assertEqual(len(calls), 3)
        self.assertEqual([e["wait_seconds"] for e in events if e["event"] == "RetryScheduled"], [3, 12.0])
        self.assertEqual((status, output["error"]["Error"]), ("SUCCEEDED", "JobFailed"))

    def test_an_error_no_retrier_names_is_not_retried(self):
        calls = []

        def refusing(payload):
            calls.append(payload)
            raise sfn.StatesError("ArchiveRefused", "{}")
        definition = {"StartAt": "T", "States": {"T": self.task(
            Retry=[{"ErrorEquals": ["JobFailed"], "MaxAttempts": 5}])}}
        (status, failure), _ = self.run_definition(definition, refusing)
        self.assertEqual((status, failure["Error"], len(calls)), ("FAILED", "ArchiveRefused", 1))

    def test_terminal_errors_escape_states_all(self):
        definition = {"StartAt": "T", "States": {
            "T": self.task(Retry=[{"ErrorEquals": ["States.ALL"]}],
                           Catch=[{"ErrorEquals": ["States.ALL"], "Next": "S"}]),
            "S": {"Type": "Succeed"}}}
        (status, failure), _ = self.run_definition(definition, lambda p: {"x": "y" * 300000})
        self.assertEqual((status, failure["Error"]), ("FAILED", "States.DataLimitExceeded"))
        definition["States"]["T"]["Parameters"]["Payload.$"] = "$.missing"
        (status, failure), _ = self.run_definition(definition, lambda p: p)
        self.assertEqual((status, failure["Error"]), ("FAILED", "States.Runtime"))
        definition["States"]["T"]["Parameters"]["Payload.$"] = "$"
        (status, _), _ = self.run_definition(definition, lambda p: {"x": "y" * 1000})
        self.assertEqual(status, "SUCCEEDED")

    def test_another_function_is_not_found(self):
        definition = {"StartAt": "T", "States": {"T": self.task(
            Parameters={"FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:x"})}}
        (status, failure), _ = self.run_definition(definition, lambda p: p)
        self.assertEqual(failure["Error"], "Lambda.ResourceNotFoundException")

    def test_no_choice_matched(self):
        definition = {"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [
            {"Variable": "$.s", "StringEquals": "a", "Next": "D"}]}, "D": {"Type": "Succeed"}}}
        (status, failure), _ = self.run_definition(definition, None, {"s": "b"})
        self.assertEqual(failure["Error"], "States.NoChoiceMatched")

    def test_fields_the_double_does_not_implement_are_refused(self):
        definition = {"StartAt": "T", "States": {"T": self.task(OutputPath="$.x")}}
        with self.assertRaises(sfn.Unsupported):
            self.run_definition(definition, lambda p: p)
        with self.assertRaises(sfn.Unsupported):
            sfn.get_path({"a": [1]}, "$.a[0]")

    def test_the_templates_definition_resolves(self):
        definition = sfn.load_definition(TEMPLATE, {"FanOutConcurrency": "4"})
        self.assertEqual(definition["States"]["Extract"]["MaxConcurrency"], 4)
        shard = definition["States"]["Extract"]["ItemProcessor"]["States"]["Shard"]
        self.assertEqual(shard["Parameters"]["FunctionName"], sfn.FUNCTION_ARN)
        self.assertEqual(definition["States"]["Plan"]["Resource"], "arn:aws:states:::lambda:invoke")


if __name__ == "__main__":
    unittest.main()
