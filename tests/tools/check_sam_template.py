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
  lifecycle    incomplete multipart uploads aborted after one day.

Usage: check_sam_template.py [TEMPLATE]   (default: deploy/aws/template.yaml)
Exits 0 when every check passes, else 1 with one line per problem.
"""

import fnmatch
import itertools
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
                   "SlackWebhookSecretId": ["", "unpackd/slack"]}
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
        label = "UseQueue=%s Legacy=%s" % (values["UseQueue"], bool(values["LegacyFunctionArn"]))

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
        label = "UseQueue=%s Legacy=%s" % (values["UseQueue"], bool(values["LegacyFunctionArn"]))
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
        elif values["UseQueue"] == "true":
            expected = ("queue", "getatt:IncomingQueue.Arn")
        else:
            expected = ("lambda", "getatt:UnpackdFunction.Arn")
        actual = set([("lambda", c.get("Function")) for c in lambdas] +
                     [("queue", c.get("Queue")) for c in queues])
        if actual != {expected}:
            self.problem("[%s] the notification goes to %s, expected %s" % (label, actual, expected))
        suffixes = []
        for c in configs:
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
        for s in wanted:
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
        return sorted(set(self.problems), key=self.problems.index)


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
