#!/usr/bin/env python3
"""Checks deploy/aws/template.yaml offline (no AWS account is reachable from here).

Parses the AWS SAM template with Debian's PyYAML (a loader that knows CloudFormation's short
tags: !Ref, !Sub, !GetAtt, !If, ...), then:

  references   every Ref / !Ref, !GetAtt, ${...} in !Sub (both forms), DependsOn and Condition
               names a parameter, resource, pseudo parameter, attribute (of the resource's type)
               or condition that exists;
  renderings   for each combination of the parameters that drive conditions, renders the
               template as CloudFormation would (conditions evaluated, !If resolved, resources
               whose condition is false dropped, AWS::NoValue removed) and checks that nothing
               refers to a resource absent from that rendering;
  function     provided.al2023, 900 s timeout, memory and reserved concurrency set, the package
               at the path scripts/package-lambda.sh writes;
  permissions  evaluates the role's policy (Allow statements, wildcards) on sample ARNs: reads
               the source prefix only; writes, lists and aborts multipart uploads under the
               destination only; invokes itself only; SQS actions on its own queue exactly when
               the queue is on; no "*" action or resource;
  notification ObjectCreated with the SourcePrefix prefix, one configuration per suffix, so that
               every default suffix of the function's rule is notified (.tar.gz through .gz),
               no two suffixes overlap (S3 refuses a configuration where a key could end with
               both, as .gz and .tar.gz), to the function or (queue on) the queue, with the
               queue's policy letting this bucket send; the legacy function gets .zip only;
  loop         the destination cannot match the source filter: both prefixes are one top-level
               folder (their AllowedPattern), a Rules assertion makes them differ, and the
               destination template starts with DestinationPrefix;
  lifecycle    incomplete multipart uploads aborted after one day;
  route        exactly one route to unpackd in each rendering: the bucket's Lambda notification,
               its queue notification, or (FanOutEngine=step-functions) EventBridge, whose rule
               starts the state machine; the rule's pattern, evaluated on sample events, takes
               every archive suffix under SourcePrefix of this bucket and nothing else;
  fan-out      the state machine's role invokes the function and nothing else, and starts,
               describes and stops only this state machine's (Distributed Map child)
               executions; the rule's role only starts the state machine; the definition (ASL)
               parses, every Next, Default and Catch target exists, every state is reachable,
               the Map is DISTRIBUTED over ItemsPath $.plan.jobs with MaxConcurrency
               FanOutConcurrency, and every Task invokes this function.

Usage: check_sam_template.py [TEMPLATE]   (default: deploy/aws/template.yaml)
Exits 0 when every check passes, else 1 with one line per problem.
"""

import fnmatch
import itertools
import json
import os
import random
import re
import sys

import yaml

# The rule's default suffixes (src/rules/service_config.h), which the function is told to admit.
ARCHIVE_SUFFIXES = [".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar.zst", ".gz"]

PSEUDO = {"AWS::AccountId", "AWS::NotificationARNs", "AWS::NoValue", "AWS::Partition",
          "AWS::Region", "AWS::StackId", "AWS::StackName", "AWS::URLSuffix"}
# The attributes !GetAtt may name, per resource type this template uses (CloudFormation's
# resource reference; SAM's function is an AWS::Lambda::Function underneath).
ATTRIBUTES = {
    "AWS::Serverless::Function": {"Arn", "SnapStartResponse"},
    "AWS::Lambda::Function": {"Arn", "SnapStartResponse"},
    "AWS::S3::Bucket": {"Arn", "DomainName", "DualStackDomainName", "RegionalDomainName",
                        "WebsiteURL"},
    "AWS::SQS::Queue": {"Arn", "QueueName", "QueueUrl"},
    "AWS::IAM::Role": {"Arn", "RoleId"},
    "AWS::Logs::LogGroup": {"Arn"},
    "AWS::Lambda::EventSourceMapping": {"Id", "EventSourceMappingArn"},
    "AWS::StepFunctions::StateMachine": {"Arn", "Name", "StateMachineRevisionId"},
    "AWS::Events::Rule": {"Arn"},
}
SHORT_TAGS = ["Ref", "Sub", "GetAtt", "If", "Equals", "Not", "And", "Or", "Select", "Split",
              "Join", "FindInMap", "GetAZs", "Base64", "Cidr", "ImportValue", "Condition",
              "Contains", "EachMemberEquals", "EachMemberIn", "RefAll", "ValueOf", "ValueOfAll"]
ONE_FOLDER = "^[A-Za-z0-9!_.*'()-]+/$"
TEMPLATE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "deploy", "aws",
                        "template.yaml")
SAMPLE = {"AWS::AccountId": "123456789012", "AWS::Partition": "aws", "AWS::Region": "us-east-1",
          "AWS::StackName": "unpackd-test", "AWS::URLSuffix": "amazonaws.com",
          "AWS::StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/unpackd-test/1",
          "AWS::NotificationARNs": []}


class CfnLoader(yaml.SafeLoader):
    """SafeLoader plus CloudFormation's short tags, each made into its long form."""


def _construct(tag):
    def construct(loader, node):
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
            if tag == "GetAtt":  # !GetAtt Resource.Attribute
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {"Ref" if tag == "Ref" else "Condition" if tag == "Condition" else "Fn::" + tag:
                value}
    return construct


for _tag in SHORT_TAGS:
    CfnLoader.add_constructor("!" + _tag, _construct(_tag))


def load(path):
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=CfnLoader)


def sub_names(value):
    """The names ${...} a !Sub string refers to (not ${!literal})."""
    return [m for m in re.findall(r"\$\{([^}]*)\}", value) if not m.startswith("!")]


def walk(node, visit, path=()):
    """Calls visit(node, path) on node and everything below it."""
    visit(node, path)
    if isinstance(node, dict):
        for key, value in node.items():
            walk(value, visit, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            walk(value, visit, path + (i,))


class Checker:
    def __init__(self, template):
        self.t = template
        self.problems = []
        self.params = template.get("Parameters", {})
        self.resources = template.get("Resources", {})
        self.conditions = template.get("Conditions", {})

    def problem(self, message):
        self.problems.append(message)

    # --- references -------------------------------------------------------------------------
    def check_references(self):
        known = set(self.params) | set(self.resources) | PSEUDO

        def check_getatt(where, resource, attribute):
            if resource not in self.resources:
                self.problem("%s: !GetAtt names no resource %s" % (where, resource))
                return
            kind = self.resources[resource].get("Type")
            if attribute not in ATTRIBUTES.get(kind, set()):
                self.problem("%s: %s (%s) has no attribute %s" % (where, resource, kind, attribute))

        def visit(node, path):
            if not isinstance(node, dict):
                return
            where = "/".join(str(p) for p in path)
            if "Ref" in node and len(node) == 1 and node["Ref"] not in known:
                self.problem("%s: !Ref names nothing: %s" % (where, node["Ref"]))
            if "Fn::GetAtt" in node:
                value = node["Fn::GetAtt"]
                if not (isinstance(value, list) and len(value) == 2):
                    self.problem("%s: malformed !GetAtt %r" % (where, value))
                else:
                    check_getatt(where, value[0], value[1])
            if "Fn::Sub" in node:
                value = node["Fn::Sub"]
                text, variables = (value, {}) if isinstance(value, str) else (value[0], value[1])
                for name in sub_names(text):
                    if name in variables:
                        continue
                    if "." in name and name not in known:
                        check_getatt(where, *name.split(".", 1))
                    elif name not in known:
                        self.problem("%s: !Sub ${%s} names nothing" % (where, name))
            if "Fn::If" in node and node["Fn::If"][0] not in self.conditions:
                self.problem("%s: !If names no condition %s" % (where, node["Fn::If"][0]))
            if "Condition" in node and len(node) == 1 and node["Condition"] not in self.conditions:
                self.problem("%s: names no condition %s" % (where, node["Condition"]))

        walk(self.t, visit)
        for section in ("Resources", "Outputs"):
            for name, body in self.t.get(section, {}).items():
                condition = body.get("Condition")
                if condition is not None and condition not in self.conditions:
                    self.problem("%s %s: Condition %s does not exist" % (section, name, condition))
                depends = body.get("DependsOn", [])
                for target in [depends] if isinstance(depends, str) else depends:
                    if target not in self.resources:
                        self.problem("%s %s: DependsOn %s does not exist" % (section, name, target))

    # --- rendering --------------------------------------------------------------------------
    def parameter_sets(self):
        """Every combination of the condition-driving parameters, the others at their default."""
        base = {name: p.get("Default", "") for name, p in self.params.items()}
        base["BucketName"] = "example-uploads"
        choices = {"UseQueue": ["true", "false"],
                   "LegacyFunctionArn": ["", "arn:aws:lambda:us-east-1:123456789012:function:old"],
                   "ConfigFile": ["", "unpackd.toml"],
                   "WebhookSecretId": ["", "unpackd/webhook"],
                   "SlackWebhookSecretId": ["", "unpackd/slack"],
                   "FanOutEngine": ["none", "step-functions"]}
        for name in choices:
            if name not in self.params:
                self.problem("parameter %s is missing" % name)
                return
        for combination in itertools.product(*choices.values()):
            values = dict(base)
            values.update(zip(choices, combination))
            yield values

    def render(self, values):
        """The template as CloudFormation would deploy it for these parameter values."""
        conditions = {}

        def condition(name):
            if name not in conditions:
                conditions[name] = bool(evaluate(self.conditions[name]))
            return conditions[name]

        def resolve_ref(name):
            if name in values:
                return values[name]
            if name in SAMPLE:
                return SAMPLE[name]
            return "ref:" + name  # a resource: kept symbolic, checked for existence later

        def evaluate(node):
            if isinstance(node, list):
                return [v for v in (evaluate(x) for x in node) if v is not NOVALUE]
            if not isinstance(node, dict):
                return node
            if len(node) == 1:
                (key, arg), = node.items()
                if key == "Ref":
                    return NOVALUE if arg == "AWS::NoValue" else resolve_ref(arg)
                if key == "Condition" and isinstance(arg, str):
                    return condition(arg)
                if key == "Fn::If":
                    return evaluate(arg[1] if condition(arg[0]) else arg[2])
                if key == "Fn::Equals":
                    a, b = evaluate(arg)
                    return str(a) == str(b)
                if key == "Fn::Not":
                    return not evaluate(arg[0])
                if key == "Fn::And":
                    return all(evaluate(x) for x in arg)
                if key == "Fn::Or":
                    return any(evaluate(x) for x in arg)
                if key == "Fn::GetAtt":
                    return "getatt:%s.%s" % tuple(arg)
                if key == "Fn::Sub":
                    text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
                    variables = {k: evaluate(v) for k, v in variables.items()}

                    def substitute(match):
                        name = match.group(1)
                        if name.startswith("!"):
                            return "${" + name[1:] + "}"
                        if name in variables:
                            return str(variables[name])
                        if "." in name and name not in values:
                            return "getatt:" + name
                        return str(resolve_ref(name))
                    return re.sub(r"\$\{([^}]*)\}", substitute, text)
                if key == "Fn::Join":
                    return arg[0].join(str(x) for x in evaluate(arg[1]))
                if key == "Fn::Split":
                    return str(evaluate(arg[1])).split(arg[0])
            out = {}
            for key, value in node.items():
                value = evaluate(value)
                if value is not NOVALUE:
                    out[key] = value
            return out

        resources = {name: body for name, body in self.resources.items()
                     if "Condition" not in body or condition(body["Condition"])}
        rendered = {name: evaluate({k: v for k, v in body.items() if k != "Condition"})
                    for name, body in resources.items()}
        outputs = {name: evaluate({k: v for k, v in body.items() if k != "Condition"})
                   for name, body in self.t.get("Outputs", {}).items()
                   if "Condition" not in body or condition(body["Condition"])}
        return rendered, outputs, conditions

    def check_rendering(self, values, resources, outputs):
        label = label_of(values)

        def visit(node, path):
            if isinstance(node, str):
                for _, name in re.findall(r"(ref|getatt):([A-Za-z0-9]+)", node):
                    if name not in resources:
                        self.problem("[%s] %s refers to %s, which this rendering lacks"
                                     % (label, "/".join(map(str, path)), name))
        walk({"Resources": resources, "Outputs": outputs}, visit)
        for name, body in resources.items():
            depends = body.get("DependsOn", [])
            for target in [depends] if isinstance(depends, str) else depends:
                if target not in resources:
                    self.problem("[%s] %s DependsOn %s, which this rendering lacks"
                                 % (label, name, target))

    # --- the function, its permissions, the notification --------------------------------------
    def check_function(self, resources, values):
        functions = [b for b in resources.values() if b["Type"] == "AWS::Serverless::Function"]
        if len(functions) != 1:
            self.problem("expected one AWS::Serverless::Function, found %d" % len(functions))
            return None
        props = functions[0]["Properties"]
        expect = {"Runtime": "provided.al2023", "Timeout": 900,
                  "CodeUri": "../../dist/unpackd-lambda.zip"}
        for key, value in expect.items():
            if props.get(key) != value:
                self.problem("function %s is %r, expected %r" % (key, props.get(key), value))
        if str(props.get("MemorySize")) != str(values["FunctionMemory"]):
            self.problem("function MemorySize is not the FunctionMemory parameter")
        if str(props.get("ReservedConcurrentExecutions")) != str(values["ReservedConcurrency"]):
            self.problem("function ReservedConcurrentExecutions is not ReservedConcurrency")
        return props

    def allowed(self, statements, action, resource):
        for s in statements:
            if s.get("Effect") != "Allow" or "Condition" in s:
                continue
            actions = s["Action"] if isinstance(s["Action"], list) else [s["Action"]]
            targets = s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]]
            if any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in actions) and \
                    any(fnmatch.fnmatchcase(resource, r) for r in targets):
                return True
        return False

    def check_permissions(self, resources, values, props):
        label = "UseQueue=%s" % values["UseQueue"]
        role_ref = props.get("Role", "")
        role_name = role_ref.split(":")[1].split(".")[0] if role_ref.startswith("getatt:") else None
        if role_name not in resources or resources[role_name]["Type"] != "AWS::IAM::Role":
            self.problem("the function's Role is not an AWS::IAM::Role of this template")
            return
        statements = [s for p in resources[role_name]["Properties"].get("Policies", [])
                      for s in p["PolicyDocument"]["Statement"]]
        for s in statements:
            for field in ("Action", "Resource"):
                items = s[field] if isinstance(s[field], list) else [s[field]]
                if any(i == "*" or i.endswith(":*") and field == "Action" for i in items):
                    self.problem("[%s] statement %s has a wildcard %s" % (label, s.get("Sid"), field))
        bucket = values["BucketName"]
        src, dst = values["SourcePrefix"], values["DestinationPrefix"]
        obj = "arn:aws:s3:::%s/%%s" % bucket
        me = "arn:aws:lambda:us-east-1:123456789012:function:%s-unpackd" % SAMPLE["AWS::StackName"]
        queue = "getatt:IncomingQueue.Arn"
        must = [("s3:GetObject", obj % (src + "a/b.zip")),
                ("s3:PutObject", obj % (dst + "a/b/member.txt")),
                ("s3:PutObject", obj % (dst + "a/b/.unpackd/manifest.json")),
                ("s3:GetObject", obj % (dst + "a/b/.unpackd/manifest.json")),
                ("s3:DeleteObject", obj % (dst + "a/b/.unpackd/uploads/x")),
                ("s3:AbortMultipartUpload", obj % (dst + "a/b/big.bin")),
                ("s3:ListMultipartUploadParts", obj % (dst + "a/b/big.bin")),
                ("s3:ListBucket", "arn:aws:s3:::%s" % bucket),
                ("s3:ListBucketMultipartUploads", "arn:aws:s3:::%s" % bucket),
                ("lambda:InvokeFunction", me),
                ("sqs:SendMessage", "getatt:DeadLetterQueue.Arn")]
        must_not = [("s3:PutObject", obj % (src + "a/b.zip")),
                    ("s3:DeleteObject", obj % (src + "a/b.zip")),
                    ("s3:GetObject", obj % "elsewhere/secret.txt"),
                    ("s3:PutObject", obj % "elsewhere/x"),
                    ("s3:GetObject", "arn:aws:s3:::another-bucket/%sa.zip" % src),
                    ("s3:DeleteBucket", "arn:aws:s3:::%s" % bucket),
                    ("s3:PutBucketPolicy", "arn:aws:s3:::%s" % bucket),
                    ("lambda:InvokeFunction", "arn:aws:lambda:us-east-1:123456789012:function:other"),
                    ("lambda:UpdateFunctionCode", me)]
        queue_actions = [("sqs:ReceiveMessage", queue), ("sqs:DeleteMessage", queue),
                         ("sqs:GetQueueAttributes", queue), ("sqs:SendMessage", queue)]
        if values["UseQueue"] == "true":
            must += queue_actions
        else:
            must_not += queue_actions
        for action, arn in must:
            if not self.allowed(statements, action, arn):
                self.problem("[%s] the role does not allow %s on %s" % (label, action, arn))
        for action, arn in must_not:
            if self.allowed(statements, action, arn):
                self.problem("[%s] the role allows %s on %s (least privilege)" % (label, action, arn))

    def check_notification(self, resources, values):
        label = label_of(values)
        buckets = [b for b in resources.values() if b["Type"] == "AWS::S3::Bucket"]
        if len(buckets) != 1:
            self.problem("expected one AWS::S3::Bucket, found %d" % len(buckets))
            return
        props = buckets[0]["Properties"]
        notification = props.get("NotificationConfiguration", {})
        lambdas = notification.get("LambdaConfigurations", [])
        queues = notification.get("QueueConfigurations", [])
        configs = lambdas + queues
        legacy = values["LegacyFunctionArn"]
        if legacy:
            expected = ("lambda", legacy)
        elif values["FanOutEngine"] == "step-functions":
            expected = ("eventbridge", "ref:FanOutStateMachine")
        elif values["UseQueue"] == "true":
            expected = ("queue", "getatt:IncomingQueue.Arn")
        else:
            expected = ("lambda", "getatt:UnpackdFunction.Arn")
        actual = set([("lambda", c.get("Function")) for c in lambdas] +
                     [("queue", c.get("Queue")) for c in queues])
        # A rule sees the bucket's events only when the bucket sends them to EventBridge.
        if notification.get("EventBridgeConfiguration", {}).get("EventBridgeEnabled") in (True, "true"):
            actual |= {("eventbridge", target.get("Arn")) for _, rule in self.event_rules(resources)
                       for target in rule["Properties"].get("Targets", [])}
        if actual != {expected}:
            self.problem("[%s] the notification goes to %s, expected %s" % (label, actual, expected))
        if expected[0] == "eventbridge":
            self.check_event_rule(resources, values, label)
        suffixes = []
        for c in configs if expected[0] != "eventbridge" else []:
            if c.get("Event") not in ("s3:ObjectCreated:*",):
                self.problem("[%s] notification event is %s" % (label, c.get("Event")))
            rules = {r["Name"].lower(): r["Value"]
                     for r in c.get("Filter", {}).get("S3Key", {}).get("Rules", [])}
            suffixes.append(rules.get("suffix", ""))
            if rules.get("prefix") != values["SourcePrefix"]:
                self.problem("[%s] the notification's prefix is not SourcePrefix" % label)
        # Every configuration has the same prefix and event, so two suffixes a key could end
        # with both make S3 refuse the whole notification configuration.
        for a, b in itertools.combinations(suffixes, 2):
            if a.endswith(b) or b.endswith(a):
                self.problem("[%s] overlapping suffixes %r and %r (S3 refuses them)" % (label, a, b))
        # What the seed handled, the legacy function still gets; unpackd gets every format.
        wanted = [".zip"] if legacy else ARCHIVE_SUFFIXES
        for s in wanted if expected[0] != "eventbridge" else []:
            if not any(s.endswith(t) for t in suffixes if t):
                self.problem("[%s] no notification for %s keys" % (label, s))
        for t in suffixes:
            if not any(t.endswith(s) for s in wanted):
                self.problem("[%s] a notification for %r keys, which are no archive" % (label, t))
        if expected[0] == "queue":
            policies = [b for b in resources.values() if b["Type"] == "AWS::SQS::QueuePolicy"]
            statements = [s for p in policies for s in p["Properties"]["PolicyDocument"]["Statement"]]
            if not any(s.get("Principal") == {"Service": "s3.amazonaws.com"}
                       and s.get("Action") == "sqs:SendMessage"
                       and s.get("Resource") == "getatt:IncomingQueue.Arn"
                       and "arn:aws:s3:::%s" % values["BucketName"] in str(s.get("Condition"))
                       for s in statements):
                self.problem("[%s] no queue policy lets this bucket send to the queue" % label)
            mappings = [b for b in resources.values()
                        if b["Type"] == "AWS::Lambda::EventSourceMapping"]
            if not any(m["Properties"].get("EventSourceArn") == "getatt:IncomingQueue.Arn"
                       and "ReportBatchItemFailures" in m["Properties"].get("FunctionResponseTypes", [])
                       for m in mappings):
                self.problem("[%s] no event source mapping with ReportBatchItemFailures" % label)
            queue = resources.get("IncomingQueue", {}).get("Properties", {})
            if "deadLetterTargetArn" not in queue.get("RedrivePolicy", {}):
                self.problem("[%s] the queue has no dead-letter queue" % label)
            if int(queue.get("VisibilityTimeout", 30)) < 900:
                self.problem("[%s] the queue's visibility timeout is under the function's" % label)
        lifecycle = props.get("LifecycleConfiguration", {}).get("Rules", [])
        if not any(r.get("Status") == "Enabled" and
                   r.get("AbortIncompleteMultipartUpload", {}).get("DaysAfterInitiation") == 1
                   for r in lifecycle):
            self.problem("no enabled lifecycle rule aborts incomplete multipart uploads after a day")

    # --- FanOutEngine=step-functions: the rule, the roles, the state machine -----------------
    @staticmethod
    def event_rules(resources):
        return [(name, body) for name, body in resources.items() if body["Type"] == "AWS::Events::Rule"]

    def role_statements(self, resources, role_ref, whose, label):
        """The Allow statements of the template's role role_ref names (getatt:Role.Arn)."""
        name = role_ref.split(":")[1].split(".")[0] if str(role_ref).startswith("getatt:") else None
        if name not in resources or resources[name]["Type"] != "AWS::IAM::Role":
            self.problem("[%s] %s's role is not an AWS::IAM::Role of this template" % (label, whose))
            return None
        return [s for p in resources[name]["Properties"].get("Policies", [])
                for s in p["PolicyDocument"]["Statement"]]

    def check_only(self, statements, grants, whose, label):
        """Every statement grants only (action, resource) pairs of grants, with no wildcard."""
        for s in statements:
            actions = s["Action"] if isinstance(s["Action"], list) else [s["Action"]]
            targets = s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]]
            for action in actions:
                for target in targets:
                    if (action, target) not in grants:
                        self.problem("[%s] %s's role allows %s on %s (least privilege)"
                                     % (label, whose, action, target))
        for action, target in grants:
            if not self.allowed(statements, action, target.replace("*", "x")):
                self.problem("[%s] %s's role does not allow %s on %s" % (label, whose, action, target))

    def check_event_rule(self, resources, values, label):
        rules = [(name, body) for name, body in self.event_rules(resources)
                 if any(t.get("Arn") == "ref:FanOutStateMachine"
                        for t in body["Properties"].get("Targets", []))]
        if len(rules) != 1:
            self.problem("[%s] expected one EventBridge rule starting the state machine, found %d"
                         % (label, len(rules)))
            return
        props = rules[0][1]["Properties"]
        bucket, src, dst = values["BucketName"], values["SourcePrefix"], values["DestinationPrefix"]

        def event(key, bucket=bucket, source="aws.s3", kind="Object Created"):
            return {"source": source, "detail-type": kind,
                    "detail": {"bucket": {"name": bucket}, "object": {"key": key, "size": 1}}}
        takes = [event(src + "2024/a" + s) for s in ARCHIVE_SUFFIXES]
        leaves = [event(dst + "2024/a/inner.zip"), event(src + "notes.txt"),
                  event("x" + src + "a.zip"), event(src + "a.zip.part"),
                  event(src + "a.zip", bucket="another-bucket"),
                  event(src + "a.zip", kind="Object Deleted"),
                  event(src + "a.zip", source="aws.other")]
        pattern = props.get("EventPattern", {})
        try:
            for e in takes:
                if not pattern_matches(pattern, e):
                    self.problem("[%s] the rule does not take %s" % (label, e["detail"]["object"]["key"]))
            for e in leaves:
                if pattern_matches(pattern, e):
                    self.problem("[%s] the rule takes %s %s of %s, which is no upload of an archive"
                                 % (label, e["detail-type"], e["detail"]["object"]["key"],
                                    e["detail"]["bucket"]["name"]))
        except ValueError as error:
            self.problem("[%s] the rule's pattern: %s" % (label, error))
        for target in props.get("Targets", []):
            statements = self.role_statements(resources, target.get("RoleArn"), "the rule", label)
            if statements is not None:
                self.check_only(statements, {("states:StartExecution", "ref:FanOutStateMachine")},
                                "the rule", label)

    def check_fan_out(self, resources, values):
        label = label_of(values)
        machines = [b for b in resources.values() if b["Type"] == "AWS::StepFunctions::StateMachine"]
        if values["FanOutEngine"] != "step-functions":
            if machines:
                self.problem("[%s] a state machine although FanOutEngine is not step-functions" % label)
            return
        if len(machines) != 1:
            self.problem("[%s] expected one state machine, found %d" % (label, len(machines)))
            return
        props = machines[0]["Properties"]
        if props.get("StateMachineType") != "STANDARD":
            self.problem("[%s] the state machine is not STANDARD" % label)
        try:
            definition = json.loads(props.get("DefinitionString", ""))
        except ValueError as error:
            self.problem("[%s] the state machine's definition is no JSON: %s" % (label, error))
            return
        self.check_definition(definition, values, label)
        statements = self.role_statements(resources, props.get("RoleArn"), "the state machine", label)
        if statements is None:
            return
        name = props.get("StateMachineName", "")
        prefix = "arn:aws:states:%s:%s:" % (SAMPLE["AWS::Region"], SAMPLE["AWS::AccountId"])
        self.check_only(statements, {
            ("lambda:InvokeFunction", "getatt:UnpackdFunction.Arn"),
            ("states:StartExecution", prefix + "stateMachine:" + name),
            ("states:DescribeExecution", prefix + "execution:" + name + "/*"),
            ("states:StopExecution", prefix + "execution:" + name + "/*")}, "the state machine", label)

    def check_definition(self, definition, values, label):
        maps = []

        def check_machine(machine, where):
            states = machine.get("States", {})
            if machine.get("StartAt") not in states:
                self.problem("[%s] %s: StartAt %s is no state" % (label, where, machine.get("StartAt")))
                return
            edges = {}
            for name, state in states.items():
                targets = [state.get("Next"), state.get("Default")]
                targets += [c.get("Next") for c in state.get("Choices", []) + state.get("Catch", [])]
                edges[name] = [x for x in targets if x is not None]
                for target in edges[name]:
                    if target not in states:
                        self.problem("[%s] %s/%s: goes to %s, which is no state"
                                     % (label, where, name, target))
                ends = state.get("Type") in ("Succeed", "Fail", "Choice") or state.get("End") is True
                if not ends and "Next" not in state:
                    self.problem("[%s] %s/%s: neither Next nor End" % (label, where, name))
                if state.get("Type") == "Task":
                    parameters = state.get("Parameters", {})
                    if state.get("Resource") != "arn:aws:states:::lambda:invoke" or \
                            parameters.get("FunctionName") != "getatt:UnpackdFunction.Arn":
                        self.problem("[%s] %s/%s: a Task that does not invoke this function"
                                     % (label, where, name))
                if state.get("Type") == "Map":
                    maps.append((where + "/" + name, state))
                    check_machine(state.get("ItemProcessor", {}), where + "/" + name)
            reached, todo = set(), [machine["StartAt"]]
            while todo:
                name = todo.pop()
                if name in reached or name not in states:
                    continue
                reached.add(name)
                todo.extend(edges[name])
            for name in states:
                if name not in reached:
                    self.problem("[%s] %s/%s: no path reaches it" % (label, where, name))

        check_machine(definition, "definition")
        if len(maps) != 1:
            self.problem("[%s] expected one Map state in the definition, found %d" % (label, len(maps)))
            return
        where, state = maps[0]
        if state.get("ItemsPath") != "$.plan.jobs":
            self.problem("[%s] %s: ItemsPath is %r, expected '$.plan.jobs'"
                         % (label, where, state.get("ItemsPath")))
        if state.get("ItemProcessor", {}).get("ProcessorConfig", {}).get("Mode") != "DISTRIBUTED":
            self.problem("[%s] %s: not a Distributed Map" % (label, where))
        if str(state.get("MaxConcurrency")) != str(values["FanOutConcurrency"]):
            self.problem("[%s] %s: MaxConcurrency is not FanOutConcurrency" % (label, where))

    def check_loop(self, resources, values, props):
        for name in ("SourcePrefix", "DestinationPrefix"):
            if self.params.get(name, {}).get("AllowedPattern") != ONE_FOLDER:
                self.problem("%s's AllowedPattern must be %s (one top-level folder)" % (name, ONE_FOLDER))
        asserted = False
        for rule in self.t.get("Rules", {}).values():
            for assertion in rule.get("Assertions", []):
                if assertion.get("Assert") == {"Fn::Not": [{"Fn::Equals": [
                        {"Ref": "SourcePrefix"}, {"Ref": "DestinationPrefix"}]}]}:
                    asserted = True
        if not asserted:
            self.problem("no Rules assertion that SourcePrefix and DestinationPrefix differ")
        # One-folder prefixes that differ never contain each other: check on random samples.
        pattern = re.compile(ONE_FOLDER)
        rng = random.Random(13)
        samples = {"a/", "ab/", "uploads/", "extracted/", "a", "a/b/", ""}
        samples |= {"".join(rng.choice("ab/.") for _ in range(rng.randint(1, 4))) for _ in range(300)}
        valid = [s for s in samples if pattern.match(s)]
        for a, b in itertools.permutations(valid, 2):
            if a != b and b.startswith(a):
                self.problem("AllowedPattern admits nested prefixes %r and %r" % (a, b))
        env = props.get("Environment", {}).get("Variables", {})
        destination = env.get("UNPACKD_RULE_DEFAULT_DESTINATION", "")
        src, dst = values["SourcePrefix"], values["DestinationPrefix"]
        if not destination.startswith(dst) or "{path}" not in destination:
            self.problem("UNPACKD_RULE_DEFAULT_DESTINATION %r does not start with DestinationPrefix"
                         % destination)
        sample = destination.replace("{dir}", src + "a").replace("{stem}", "b").replace(
            "{path}", "inner.zip")
        if sample.startswith(src):
            self.problem("an output key (%s) matches the source filter: a loop" % sample)
        for name, expected in (("UNPACKD_RULE_DEFAULT_PREFIXES", src),
                               ("UNPACKD_RULE_DEFAULT_SUFFIXES", ",".join(ARCHIVE_SUFFIXES)),
                               ("UNPACKD_RULE_DEFAULT_BUCKETS", values["BucketName"])):
            if env.get(name) != expected:
                self.problem("function env %s is %r, expected %r" % (name, env.get(name), expected))

    def run(self):
        if self.t.get("Transform") != "AWS::Serverless-2016-10-31":
            self.problem("not an AWS SAM template (Transform)")
        self.check_references()
        if self.problems:  # renderings of a template with dangling names would only repeat them
            return self.problems
        for values in self.parameter_sets():
            resources, outputs, _ = self.render(values)
            self.check_rendering(values, resources, outputs)
            props = self.check_function(resources, values)
            if props is None:
                continue
            self.check_permissions(resources, values, props)
            self.check_notification(resources, values)
            self.check_loop(resources, values, props)
            self.check_fan_out(resources, values)
        return sorted(set(self.problems), key=self.problems.index)


def wildcard_regex(pattern):
    """An EventBridge wildcard as a regular expression: * is any run of characters, \\* and
    \\\\ are literal; two *s in a row, or a backslash before anything else, are refused, as
    EventBridge's matcher (Event Ruler) refuses them."""
    out, i = [], 0
    while i < len(pattern):
        if pattern[i] == "\\":
            if i + 1 == len(pattern) or pattern[i + 1] not in "*\\":
                raise ValueError("wildcard %r: a backslash escapes only * and \\" % pattern)
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if pattern.startswith("**", i):
            raise ValueError("wildcard %r: consecutive wildcards" % pattern)
        out.append(".*" if pattern[i] == "*" else re.escape(pattern[i]))
        i += 1
    return "".join(out)


def value_matches(matcher, value):
    if not isinstance(matcher, dict):
        return matcher == value
    if len(matcher) != 1:
        raise ValueError("a matcher with %d operators: %r" % (len(matcher), matcher))
    (operator, argument), = matcher.items()
    if operator not in ("prefix", "suffix", "wildcard"):
        raise ValueError("the checker does not know the operator %r" % operator)
    if not isinstance(value, str):
        return False
    if operator == "prefix":
        return value.startswith(argument)
    if operator == "suffix":
        return value.endswith(argument)
    return re.fullmatch(wildcard_regex(argument), value, re.S) is not None


def pattern_matches(pattern, event):
    """Whether an EventBridge event pattern matches an event: the fields of a pattern AND, the
    matchers of a field's list OR, $or takes any of its patterns (the subset the template uses:
    exact values, prefix, suffix, wildcard)."""
    for name, want in pattern.items():
        if name == "$or":
            if not any(pattern_matches(branch, event) for branch in want):
                return False
        elif isinstance(want, dict):
            if not isinstance(event.get(name), dict) or not pattern_matches(want, event[name]):
                return False
        elif not isinstance(want, list):
            raise ValueError("field %s: a pattern's leaf is a list of matchers, not %r" % (name, want))
        elif name not in event or not any(value_matches(m, event[name]) for m in want):
            return False
    return True


def label_of(values):
    return "UseQueue=%s Legacy=%s FanOut=%s" % (values["UseQueue"], bool(values["LegacyFunctionArn"]),
                                                values["FanOutEngine"])


class _NoValue:
    def __repr__(self):
        return "AWS::NoValue"


NOVALUE = _NoValue()


def check(template):
    return Checker(template).run()


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else TEMPLATE
    problems = check(load(path))
    for p in problems:
        print("template: " + p)
    print("%s: %s" % (path, "%d problem(s)" % len(problems) if problems else "ok"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
