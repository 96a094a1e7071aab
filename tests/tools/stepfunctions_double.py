#!/usr/bin/env python3
"""A TEST DOUBLE of AWS Step Functions: an interpreter of the Amazon States Language (ASL)
subset that deploy/aws/template.yaml's fan-out state machine uses, for unpackd's offline tests.

AWS is unreachable from here, so the definition the template deploys is executed by this
double instead of by Step Functions. It follows the Step Functions Developer Guide's
description of JSONPath-mode states (the "Amazon States Language" chapter: input and output
processing, error handling, the Map state) for only what the template uses, and refuses any
other field, so that a definition the double would silently misread fails loudly instead:

  Task     Resource arn:<partition>:states:::lambda:invoke only; Parameters (keys ending in
           ".$" are JSONPaths into the state's input), ResultSelector (the same, into the
           task's result {"ExecutedVersion", "Payload", "StatusCode"}), ResultPath (absent or
           "$": the result replaces the input; null: the input passes on; "$.a.b": the result
           set there in a copy of the input), Retry, Catch, Next or End.
           A function error fails the task with the error's errorType as the error name
           (JobFailed, ShardsPending, ...) and its JSON body as the cause, as the lambda:invoke
           integration does; an invocation that timed out fails with Sandbox.Timedout; a
           FunctionName other than the template's function fails with
           Lambda.ResourceNotFoundException.
  Retry    ErrorEquals (names, States.ALL, States.TaskFailed), IntervalSeconds (default 1),
           MaxAttempts (default 3; 0 never retries), BackoffRate (default 2.0),
           MaxDelaySeconds. The first retrier whose ErrorEquals matches counts the attempt;
           waits are multiplied by --time-scale (0.01: 30 s become 0.3 s).
  Catch    ErrorEquals, ResultPath (the error output {"Error", "Cause"}), Next.
  Choice   Choices of {Variable, StringEquals, Next}, Default; no match and no Default fails
           with States.NoChoiceMatched.
  Map      ItemsPath (a JSON array in the input), ItemProcessor {ProcessorConfig, StartAt,
           States} run once per item with the item as its input, MaxConcurrency (threads; 0 is
           unbounded), ToleratedFailurePercentage (default 0), ResultPath, Retry, Catch, Next or
           End. Mode DISTRIBUTED or INLINE are run alike (a child execution is a thread here).
           When the failed items exceed the tolerated percentage no further item starts and
           the Map fails with States.ExceedToleratedFailureThreshold, whose cause carries the
           first failed item's error and cause (the real service reports the Map Run's
           failure; unpackd's fail step only passes the error on).
  Succeed, Fail (Error, Cause).
  JSONPath  "$" and "$.a.b" (object fields only); a path that is not there fails with
            States.Runtime.
  Quotas   a state's input after Parameters, a task's result and a state's output over
           256 KiB fail with States.DataLimitExceeded. That error and States.Runtime are
           terminal: States.ALL (in Retry or Catch) does not match them.

The state machine is the template's one AWS::StepFunctions::StateMachine; its DefinitionString
(!Sub) is resolved with ${UnpackdFunction.Arn} (the one AWS::Serverless::Function's Arn) as
FUNCTION_ARN, pseudo parameters as us-east-1 / 123456789012 / aws, and parameters at their
defaults (or --parameter NAME=VALUE).

Lambda is reached through tests/tools/lambda_runtime_double.py's control API: each invocation
is a POST /_test/invoke of the payload, then GET /_test/state is polled until that request id
has succeeded, failed or timed out. So `unpackd lambda` (or any runtime) serving that double
answers the state machine's invocations.

The execution history is printed to stdout as JSON lines (ExecutionStarted, StateEntered,
TaskSucceeded, TaskFailed, RetryScheduled, CaughtError, MapIterationStarted,
MapIterationSucceeded, MapIterationFailed, ExecutionSucceeded or ExecutionFailed), each with
"state" (a path: "Extract/2/Shard" is the Shard state of item 2) where it has one.

Usage: stepfunctions_double.py --template deploy/aws/template.yaml
                               --runtime-api http://127.0.0.1:PORT --input event.json
                               [--time-scale 0.01] [--parameter FanOutConcurrency=3]
                               [--function-timeout SECONDS] [--invoke-timeout SECONDS]
Exits 0 when the execution succeeded, 1 when it failed, 2 when the definition or the
arguments are not what the double can run.
"""

import argparse
import copy
import json
import os
import re
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_sam_template  # noqa: E402  (its CloudFormation-aware YAML loader)

FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:unpackd"
LAMBDA_INVOKE = re.compile(r"^arn:[a-z-]+:states:::lambda:invoke$")
# The payload size quota of a state's input, output and a task's result (Step Functions service
# quotas: 256 KiB); going over is a terminal error no States.ALL catches.
MAX_PAYLOAD_BYTES = 256 * 1024
TERMINAL = {"States.DataLimitExceeded", "States.Runtime"}
PSEUDO = {"AWS::Partition": "aws", "AWS::Region": "us-east-1", "AWS::AccountId": "123456789012",
          "AWS::StackName": "unpackd", "AWS::URLSuffix": "amazonaws.com"}
# The fields each state type may have here; anything else is refused, not ignored.
FIELDS = {
    "Task": {"Type", "Comment", "Resource", "Parameters", "ResultSelector", "ResultPath",
             "Retry", "Catch", "Next", "End"},
    "Map": {"Type", "Comment", "ItemsPath", "ItemProcessor", "MaxConcurrency",
            "ToleratedFailurePercentage", "ResultPath", "Retry", "Catch", "Next", "End"},
    "Choice": {"Type", "Comment", "Choices", "Default"},
    "Succeed": {"Type", "Comment"},
    "Fail": {"Type", "Comment", "Error", "Cause"},
}


class Unsupported(Exception):
    """The definition uses ASL the double does not implement (exit 2)."""


class StatesError(Exception):
    """A state's failure: an error name and a cause, as Step Functions reports them."""

    def __init__(self, error, cause=""):
        super().__init__("%s: %s" % (error, cause))
        self.error = error
        self.cause = cause


# --- the definition --------------------------------------------------------------------------
def load_definition(template_path, overrides=None):
    template = check_sam_template.load(template_path)
    resources = template.get("Resources", {})
    machines = [r for r in resources.values() if r.get("Type") == "AWS::StepFunctions::StateMachine"]
    functions = [n for n, r in resources.items() if r.get("Type") == "AWS::Serverless::Function"]
    if len(machines) != 1 or len(functions) != 1:
        raise Unsupported("the template must hold one state machine and one function")
    sub = machines[0].get("Properties", {}).get("DefinitionString", {})
    if not isinstance(sub, dict) or "Fn::Sub" not in sub:
        raise Unsupported("the state machine's DefinitionString is not a !Sub")
    text = sub["Fn::Sub"] if isinstance(sub["Fn::Sub"], str) else sub["Fn::Sub"][0]
    values = {name: str(p.get("Default", "")) for name, p in template.get("Parameters", {}).items()}
    values.update(overrides or {})

    def substitute(match):
        name = match.group(1)
        if name.startswith("!"):
            return "${" + name[1:] + "}"
        if name == functions[0] + ".Arn":
            return FUNCTION_ARN
        if name in PSEUDO:
            return PSEUDO[name]
        if name in values:
            return values[name]
        raise Unsupported("the definition's ${%s} is nothing the double resolves" % name)
    return json.loads(re.sub(r"\$\{([^}]*)\}", substitute, text))


# --- JSONPath and input/output processing ----------------------------------------------------
def path_parts(path):
    if path == "$":
        return []
    if not re.fullmatch(r"\$(\.[A-Za-z0-9_-]+)+", str(path)):
        raise Unsupported("JSONPath %r (the double knows $ and $.a.b)" % (path,))
    return path.split(".")[1:]


def get_path(data, path):
    for part in path_parts(path):
        if not isinstance(data, dict) or part not in data:
            raise StatesError("States.Runtime", "The JSONPath %s could not be found in the input"
                              % path)
        data = data[part]
    return data


def set_path(data, path, value):
    """The input with value at path (ResultPath): "$" replaces it, None keeps it."""
    if path is None:
        return data
    parts = path_parts(path)
    if not parts:
        return value
    out = copy.deepcopy(data) if isinstance(data, dict) else {}
    node = out
    for part in parts[:-1]:
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    node[parts[-1]] = value
    return out


def resolve(template, data):
    """Parameters / ResultSelector: fields ending in ".$" take the value at their path."""
    if isinstance(template, dict):
        out = {}
        for key, value in template.items():
            if key.endswith(".$"):
                out[key[:-2]] = get_path(data, value)
            else:
                out[key] = resolve(value, data)
        return out
    if isinstance(template, list):
        return [resolve(x, data) for x in template]
    return template


def matches(error_equals, error):
    """Whether a retrier's or catcher's ErrorEquals names the error. States.ALL leaves out the
    terminal States.DataLimitExceeded and States.Runtime, as the guide says."""
    if error in error_equals:
        return True
    if error in TERMINAL:
        return False
    return "States.ALL" in error_equals or (
        "States.TaskFailed" in error_equals and error != "States.Timeout")


def check_size(data, what):
    size = len(json.dumps(data, separators=(",", ":")).encode("utf-8"))
    if size > MAX_PAYLOAD_BYTES:
        raise StatesError("States.DataLimitExceeded", "%s is %d bytes, over the %d-byte quota"
                          % (what, size, MAX_PAYLOAD_BYTES))


# --- Lambda through the runtime double -------------------------------------------------------
class RuntimeApiInvoker:
    """Invokes the function served by lambda_runtime_double.py and waits for its answer."""

    def __init__(self, base_url, poll_seconds=0.05, timeout_seconds=3600.0,
                 function_timeout_seconds=None):
        self.base_url = base_url.rstrip("/")
        self.poll_seconds = poll_seconds
        self.timeout_seconds = timeout_seconds
        self.function_timeout_seconds = function_timeout_seconds

    def _call(self, method, path, body=None):
        headers = {"Content-Type": "application/json"}
        if self.function_timeout_seconds is not None:  # the invocation's own deadline
            headers["X-Test-Timeout-Seconds"] = str(self.function_timeout_seconds)
        request = urllib.request.Request(self.base_url + path, method=method, data=body,
                                         headers=headers)
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read().decode("utf-8"))

    def __call__(self, payload):
        request_id = self._call("POST", "/_test/invoke", json.dumps(payload).encode())["request_id"]
        give_up = time.monotonic() + self.timeout_seconds
        while time.monotonic() < give_up:
            state = self._call("GET", "/_test/state")
            invocation = next((i for i in state["invocations"] if i["request_id"] == request_id),
                              None)
            status = invocation["status"] if invocation else "missing"
            if status == "succeeded":
                return invocation.get("response")
            if status == "failed":
                body = invocation.get("error")
                error = invocation.get("error_type") or (
                    body.get("errorType") if isinstance(body, dict) else None) or "Lambda.Unknown"
                raise StatesError(error, json.dumps(body))
            if status == "timed_out":
                raise StatesError("Sandbox.Timedout", json.dumps(
                    {"errorType": "Sandbox.Timedout", "errorMessage": "Task timed out"}))
            if status == "missing":
                raise StatesError("Lambda.ServiceException", "the runtime double lost " + request_id)
            time.sleep(self.poll_seconds)
        raise StatesError("States.Timeout", "no answer to %s in %.0f s"
                          % (request_id, self.timeout_seconds))


# --- the interpreter -------------------------------------------------------------------------
class Execution:
    """One execution of a definition; invoke(payload) -> the function's answer, or raises
    StatesError for a function error. history(event) receives each history event."""

    def __init__(self, definition, invoke, time_scale=1.0, history=None):
        self.definition = definition
        self.invoke = invoke
        self.time_scale = time_scale
        self.events = []
        self.lock = threading.Lock()
        self.started = time.monotonic()
        self.on_event = history

    def emit(self, kind, **fields):
        event = {"event": kind, "elapsed_ms": int((time.monotonic() - self.started) * 1000)}
        event.update(fields)
        with self.lock:
            self.events.append(event)
            if self.on_event:
                self.on_event(event)

    def run(self, execution_input):
        """Returns ("SUCCEEDED", output) or ("FAILED", {"Error", "Cause"})."""
        self.emit("ExecutionStarted", input=execution_input)
        try:
            output = self.run_machine(self.definition, execution_input, "")
        except StatesError as failure:
            self.emit("ExecutionFailed", error=failure.error, cause=failure.cause)
            return "FAILED", {"Error": failure.error, "Cause": failure.cause}
        self.emit("ExecutionSucceeded", output=output)
        return "SUCCEEDED", output

    def run_machine(self, machine, data, prefix):
        states = machine.get("States", {})
        name = machine.get("StartAt")
        while True:
            if name not in states:
                raise Unsupported("%s%s is no state" % (prefix, name))
            state = states[name]
            where = prefix + name
            kind = state.get("Type")
            unknown = set(state) - FIELDS.get(kind, set())
            if kind not in FIELDS or unknown:
                raise Unsupported("%s: %s %s" % (where, kind, sorted(unknown) or "state"))
            self.emit("StateEntered", state=where, type=kind)
            if kind == "Succeed":
                return data
            if kind == "Fail":
                raise StatesError(state.get("Error", "States.Fail"), state.get("Cause", ""))
            if kind == "Choice":
                name = self.choose(state, data)
                continue
            try:
                if kind == "Task":
                    result = self.with_retries(state, where, lambda: self.task(state, data, where))
                else:
                    result = self.with_retries(state, where, lambda: self.map(state, data, where))
                data = set_path(data, state.get("ResultPath", "$"), result)
                check_size(data, where + "'s output")
            except StatesError as failure:
                catcher = next((c for c in state.get("Catch", [])
                                if matches(c["ErrorEquals"], failure.error)), None)
                if catcher is None:
                    raise
                self.emit("CaughtError", state=where, error=failure.error, next=catcher["Next"])
                data = set_path(data, catcher.get("ResultPath", "$"),
                                {"Error": failure.error, "Cause": failure.cause})
                name = catcher["Next"]
                continue
            if state.get("End") is True:
                return data
            name = state["Next"]

    def choose(self, state, data):
        for choice in state.get("Choices", []):
            if set(choice) != {"Variable", "StringEquals", "Next"}:
                raise Unsupported("a choice rule other than Variable/StringEquals: %s" % choice)
            if get_path(data, choice["Variable"]) == choice["StringEquals"]:
                return choice["Next"]
        if "Default" in state:
            return state["Default"]
        raise StatesError("States.NoChoiceMatched", "no choice rule matched")

    def with_retries(self, state, where, attempt):
        retriers = state.get("Retry", [])
        counts = [0] * len(retriers)
        while True:
            try:
                return attempt()
            except StatesError as failure:
                self.emit("TaskFailed" if state["Type"] == "Task" else "MapFailed", state=where,
                          error=failure.error, cause=failure.cause)
                index = next((i for i, r in enumerate(retriers)
                              if matches(r["ErrorEquals"], failure.error)), None)
                if index is None or counts[index] >= retriers[index].get("MaxAttempts", 3):
                    raise
                retrier = retriers[index]
                wait = retrier.get("IntervalSeconds", 1) * retrier.get("BackoffRate", 2.0) ** counts[index]
                if "MaxDelaySeconds" in retrier:
                    wait = min(wait, retrier["MaxDelaySeconds"])
                counts[index] += 1
                self.emit("RetryScheduled", state=where, error=failure.error,
                          attempt=counts[index], wait_seconds=wait)
                time.sleep(wait * self.time_scale)

    def task(self, state, data, where):
        if not LAMBDA_INVOKE.match(state.get("Resource", "")):
            raise Unsupported("Task resource %s (the double runs lambda:invoke)" % state.get("Resource"))
        parameters = resolve(state.get("Parameters", {}), data)
        if parameters.get("FunctionName") != FUNCTION_ARN:
            raise StatesError("Lambda.ResourceNotFoundException",
                              "Function not found: %s" % parameters.get("FunctionName"))
        check_size(parameters, where + "'s input")
        answer = self.invoke(parameters.get("Payload"))
        result = {"ExecutedVersion": "$LATEST", "Payload": answer, "StatusCode": 200}
        check_size(result, where + "'s result")
        self.emit("TaskSucceeded", state=where, payload=answer)
        if "ResultSelector" in state:
            result = resolve(state["ResultSelector"], result)
        return result

    def map(self, state, data, where):
        items = get_path(data, state.get("ItemsPath", "$"))
        if not isinstance(items, list):
            raise StatesError("States.Runtime", "ItemsPath %s is no array" % state.get("ItemsPath"))
        processor = state.get("ItemProcessor", {})
        config = processor.get("ProcessorConfig", {})
        if set(processor) - {"ProcessorConfig", "StartAt", "States"} or \
                config.get("Mode", "INLINE") not in ("INLINE", "DISTRIBUTED") or \
                config.get("ExecutionType", "STANDARD") not in ("STANDARD", "EXPRESS"):
            raise Unsupported("%s: ItemProcessor %s" % (where, json.dumps(processor)[:200]))
        limit = int(state.get("MaxConcurrency", 0)) or max(len(items), 1)
        tolerated = float(state.get("ToleratedFailurePercentage", 0))
        results = [None] * len(items)
        failures = []
        next_item = [0]
        guard = threading.Lock()

        def too_many():
            return len(failures) * 100.0 / max(len(items), 1) > tolerated

        def worker():
            while True:
                with guard:
                    if next_item[0] >= len(items) or too_many():
                        return
                    index = next_item[0]
                    next_item[0] += 1
                item_where = "%s/%d/" % (where, index)
                self.emit("MapIterationStarted", state=where, index=index)
                try:
                    results[index] = self.run_machine(processor, items[index], item_where)
                    self.emit("MapIterationSucceeded", state=where, index=index)
                except StatesError as failure:
                    self.emit("MapIterationFailed", state=where, index=index,
                              error=failure.error, cause=failure.cause)
                    with guard:
                        failures.append((index, failure))
                except Unsupported as problem:
                    with guard:
                        failures.append((index, problem))

        threads = [threading.Thread(target=worker, daemon=True)
                   for _ in range(min(limit, max(len(items), 1)))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        unsupported = [f for _, f in failures if isinstance(f, Unsupported)]
        if unsupported:
            raise unsupported[0]
        if too_many():
            index, first = min(failures, key=lambda f: f[0])
            raise StatesError("States.ExceedToleratedFailureThreshold", json.dumps({
                "failed_items": len(failures), "items": len(items),
                "first_failed_item": index, "error": first.error, "cause": first.cause}))
        return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--template", required=True)
    parser.add_argument("--runtime-api", required=True,
                        help="base URL of lambda_runtime_double.py, e.g. http://127.0.0.1:PORT")
    parser.add_argument("--input", required=True, help="the execution's input (a JSON file; - is stdin)")
    parser.add_argument("--time-scale", type=float, default=1.0,
                        help="multiplies every retry wait (0.01: 30 s become 0.3 s)")
    parser.add_argument("--parameter", action="append", default=[], metavar="NAME=VALUE",
                        help="a template parameter other than its default")
    parser.add_argument("--invoke-timeout", type=float, default=3600.0,
                        help="seconds to wait for one invocation's answer")
    parser.add_argument("--function-timeout", type=float,
                        help="each invocation's timeout in the runtime double (its deadline), "
                             "e.g. a few seconds to make shards run out of time and continue")
    args = parser.parse_args()
    try:
        overrides = dict(p.split("=", 1) for p in args.parameter)
        definition = load_definition(args.template, overrides)
        with (sys.stdin if args.input == "-" else open(args.input, encoding="utf-8")) as f:
            execution_input = json.load(f)
    except (Unsupported, ValueError, OSError) as problem:
        print("stepfunctions_double: %s" % problem, file=sys.stderr)
        return 2

    def print_event(event):
        print(json.dumps(event, sort_keys=True), flush=True)
    invoker = RuntimeApiInvoker(args.runtime_api, timeout_seconds=args.invoke_timeout,
                                function_timeout_seconds=args.function_timeout)
    execution = Execution(definition, invoker, args.time_scale, print_event)
    try:
        status, _ = execution.run(execution_input)
    except Unsupported as problem:
        print("stepfunctions_double: %s" % problem, file=sys.stderr)
        return 2
    return 0 if status == "SUCCEEDED" else 1


if __name__ == "__main__":
    sys.exit(main())
