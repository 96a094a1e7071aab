#!/usr/bin/env python3
"""deploy/aws/template.yaml passes check_sam_template.py, and the checker catches what it must
(each case breaks one thing in a copy of the template's text). Run with Debian's python3:
    /usr/bin/python3 tests/tools/test_sam_template.py -v
"""

import os
import sys
import unittest

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_sam_template as checker  # noqa: E402

with open(checker.TEMPLATE, encoding="utf-8") as f:
    TEXT = f.read()


def problems_of(text):
    return checker.check(yaml.load(text, Loader=checker.CfnLoader))


def broken(old, new, count=1):
    assert TEXT.count(old) >= 1, "the template no longer contains %r" % old
    return TEXT.replace(old, new, count)


class TemplateTest(unittest.TestCase):
    def assertCaught(self, text, fragment):
        problems = problems_of(text)
        self.assertTrue(any(fragment in p for p in problems),
                        "expected a problem containing %r, got %s" % (fragment, problems))

    def test_the_template_passes(self):
        self.assertEqual(problems_of(TEXT), [])

    def test_the_loader_knows_cloudformation_short_tags(self):
        doc = yaml.load("a: !Select [0, !Split [',', !Ref P]]\nb: !GetAtt R.Arn\n"
                        "c: !Sub '${AWS::Region}'\nd: !If [C, !Equals [x, y], !Not [!Condition C]]\n",
                        Loader=checker.CfnLoader)
        self.assertEqual(doc["a"], {"Fn::Select": [0, {"Fn::Split": [",", {"Ref": "P"}]}]})
        self.assertEqual(doc["b"], {"Fn::GetAtt": ["R", "Arn"]})
        self.assertEqual(doc["d"]["Fn::If"][2], {"Fn::Not": [{"Condition": "C"}]})

    def test_a_ref_to_nothing(self):
        self.assertCaught(broken("MemorySize: !Ref FunctionMemory", "MemorySize: !Ref FunctionMem"),
                          "!Ref names nothing: FunctionMem")

    def test_an_attribute_the_type_lacks(self):
        self.assertCaught(broken("Value: !GetAtt UnpackdFunction.Arn", "Value: !GetAtt UnpackdFunction.Url"),
                          "has no attribute Url")

    def test_a_sub_variable_that_names_nothing(self):
        self.assertCaught(broken("${DestinationPrefix}{dir}", "${DestPrefix}{dir}"),
                          "${DestPrefix} names nothing")

    def test_an_unknown_condition(self):
        self.assertCaught(broken("!If [HasConfigFile,", "!If [HasConfig,"), "names no condition HasConfig")

    def test_a_conditional_resource_used_unconditionally(self):
        self.assertCaught(broken("  IncomingQueueUrl:\n    Condition: UseQueue\n", "  IncomingQueueUrl:\n"),
                          "refers to IncomingQueue, which this rendering lacks")

    def test_a_notification_without_the_zip_suffix(self):
        self.assertCaught(broken("{Name: suffix, Value: .zip}\n              - Event",
                                 "{Name: suffix, Value: .ZIP}\n              - Event"),
                          "[UseQueue=false Legacy=False FanOut=none] no notification for .zip keys")

    def test_the_legacy_function_gets_only_zip(self):
        self.assertCaught(broken("{Name: suffix, Value: .zip}\n            - - Event",
                                 "{Name: suffix, Value: .z}\n            - - Event"),
                          "a notification for '.z' keys, which are no archive")

    def test_a_tar_suffix_left_out(self):
        self.assertCaught(broken("{Name: suffix, Value: .tar.xz}", "{Name: suffix, Value: .txz}", 2),
                          "no notification for .tar.xz keys")

    def test_overlapping_suffixes_are_refused_by_s3(self):
        self.assertCaught(broken("{Name: suffix, Value: .tgz}", "{Name: suffix, Value: .tar.gz}"),
                          "overlapping suffixes '.tar.gz' and '.gz'")

    def test_a_destination_under_the_source_prefix_is_a_loop(self):
        self.assertCaught(broken('!Sub "${DestinationPrefix}{dir}/{stem}/{path}"',
                                 '!Sub "${SourcePrefix}out/{dir}/{stem}/{path}"'),
                          "does not start with DestinationPrefix")

    def test_nested_prefixes_are_caught(self):
        self.assertCaught(broken("""AllowedPattern: "^[A-Za-z0-9!_.*'()-]+/$"
  FunctionMemory""", """AllowedPattern: "^.+/$"
  FunctionMemory"""), "DestinationPrefix's AllowedPattern")

    def test_writing_anywhere_in_the_bucket_is_too_much(self):
        self.assertCaught(broken("s3:::${BucketName}/${DestinationPrefix}*", "s3:::${BucketName}/*"),
                          "allows s3:PutObject on arn:aws:s3:::example-uploads/elsewhere/x")

    def test_no_self_invoke(self):
        self.assertCaught(broken("Action: lambda:InvokeFunction\n                Resource:",
                                 "Action: lambda:GetFunction\n                Resource:"),
                          "does not allow lambda:InvokeFunction")

    def test_no_sqs_permissions_when_the_queue_is_on(self):
        self.assertCaught(broken("                    - sqs:ReceiveMessage\n", ""),
                          "[UseQueue=true] the role does not allow sqs:ReceiveMessage")

    def test_no_multipart_abort_lifecycle_rule(self):
        self.assertCaught(broken("DaysAfterInitiation: 1", "DaysAfterInitiation: 7"),
                          "aborts incomplete multipart uploads after a day")

    def test_the_function_timeout(self):
        self.assertCaught(broken("Timeout: 900", "Timeout: 300"), "function Timeout is 300")

    # --- FanOutEngine=step-functions ---------------------------------------------------------
    SF = "[UseQueue=false Legacy=False FanOut=step-functions] "

    def test_the_map_runs_over_the_plans_jobs(self):
        self.assertCaught(broken('"ItemsPath": "$.plan.jobs"', '"ItemsPath": "$.plan.items"'),
                          "Extract: ItemsPath is '$.plan.items'")

    def test_a_next_to_no_state(self):
        self.assertCaught(broken('"Next": "Commit"\n', '"Next": "Comit"\n'),
                          "definition/Extract: goes to Comit, which is no state")

    def test_a_state_no_path_reaches(self):
        self.assertCaught(broken('"Default": "UnknownPlan"', '"Default": "Failed"'),
                          "definition/UnknownPlan: no path reaches it")

    def test_the_map_must_be_distributed(self):
        self.assertCaught(broken('"Mode": "DISTRIBUTED"', '"Mode": "INLINE"'), "not a Distributed Map")

    def test_the_maps_concurrency_is_the_parameter(self):
        self.assertCaught(broken('"MaxConcurrency": ${FanOutConcurrency}', '"MaxConcurrency": 40'),
                          "MaxConcurrency is not FanOutConcurrency")

    def test_a_definition_that_is_no_json(self):
        self.assertCaught(broken('"ResultPath": null,', '"ResultPath": null'), "is no JSON")

    def test_a_task_invoking_another_function(self):
        self.assertCaught(broken('"FunctionName": "${UnpackdFunction.Arn}",\n                "Payload.$": "$.plan.commit"',
                                 '"FunctionName": "other",\n                "Payload.$": "$.plan.commit"'),
                          "definition/Commit: a Task that does not invoke this function")

    def test_the_state_machine_invokes_any_function(self):
        self.assertCaught(broken("Action: lambda:InvokeFunction\n                Resource: !GetAtt UnpackdFunction.Arn",
                                 'Action: lambda:InvokeFunction\n                Resource: "*"'),
                          "the state machine's role allows lambda:InvokeFunction on *")

    def test_the_state_machine_cannot_invoke_the_function(self):
        self.assertCaught(broken("Action: lambda:InvokeFunction\n                Resource: !GetAtt UnpackdFunction.Arn",
                                 "Action: lambda:GetFunction\n                Resource: !GetAtt UnpackdFunction.Arn"),
                          "the state machine's role does not allow lambda:InvokeFunction")

    def test_child_executions_of_any_state_machine(self):
        self.assertCaught(broken(":execution:${AWS::StackName}-unpackd-fan-out/*", ":execution:*"),
                          "the state machine's role allows states:DescribeExecution on")

    def test_the_rules_role_starts_anything(self):
        self.assertCaught(broken("Action: states:StartExecution\n                Resource: !Ref FanOutStateMachine",
                                 'Action: "states:*"\n                Resource: !Ref FanOutStateMachine'),
                          "the rule's role allows states:* on ref:FanOutStateMachine")

    def test_the_rule_misses_a_suffix(self):
        self.assertCaught(broken('*.tar.zst"', '*.tar.zs"'), self.SF + "the rule does not take uploads/2024/a.tar.zst")

    def test_the_rule_takes_outputs(self):
        self.assertCaught(broken('!Sub ["${Folder}*.zip"', '!Sub ["*.zip"'),
                          self.SF + "the rule takes Object Created extracted/2024/a/inner.zip")

    def test_the_rule_takes_other_buckets(self):
        self.assertCaught(broken("          bucket:\n            name: [!Ref BucketName]\n", ""),
                          "of another-bucket, which is no upload of an archive")

    def test_eventbridge_off_is_no_route(self):
        self.assertCaught(broken("EventBridgeEnabled: true", "EventBridgeEnabled: false"),
                          self.SF + "the notification goes to set()")

    def test_two_routes_at_once(self):
        self.assertCaught(broken("          - BucketSkipsFunctions\n", "          - RoutesToQueue\n"),
                          self.SF + "the notification goes to {")

    def test_the_queue_notified_beside_the_state_machine(self):
        self.assertCaught(broken("    - !Not [!Condition UseStepFunctions]\n", ""),
                          "[UseQueue=true Legacy=False FanOut=step-functions] the notification goes to {")

    def test_a_state_machine_without_the_switch(self):
        self.assertCaught(broken("    Condition: UseStepFunctions\n    Properties:\n      StateMachineName",
                                 "    Properties:\n      StateMachineName"),
                          "FanOut=none] a state machine although FanOutEngine is not step-functions")

    def test_an_asterisk_in_the_source_prefix_matches_only_itself(self):
        c = checker.Checker(yaml.load(TEXT, Loader=checker.CfnLoader))
        values = next(v for v in c.parameter_sets() if v["FanOutEngine"] == "step-functions"
                      and not v["LegacyFunctionArn"])
        values["SourcePrefix"] = "up*x/"
        resources, _, _ = c.render(values)
        pattern = resources["ArchiveCreatedRule"]["Properties"]["EventPattern"]
        event = {"source": "aws.s3", "detail-type": "Object Created",
                 "detail": {"bucket": {"name": values["BucketName"]}, "object": {"key": ""}}}
        event["detail"]["object"]["key"] = "up*x/a.zip"
        self.assertTrue(checker.pattern_matches(pattern, event))
        event["detail"]["object"]["key"] = "upYYx/a.zip"
        self.assertFalse(checker.pattern_matches(pattern, event))

    def test_the_pattern_matcher(self):
        pattern = {"detail": {"object": {"key": [{"wildcard": "up\\*/*.zip"}, {"prefix": "p/"}]}},
                   "$or": [{"source": ["a"]}, {"source": [{"suffix": ".b"}]}]}
        def event(key, source="a"):
            return {"source": source, "detail": {"object": {"key": key}}}
        self.assertTrue(checker.pattern_matches(pattern, event("up*/x/y.zip")))
        self.assertFalse(checker.pattern_matches(pattern, event("upx/y.zip")))
        self.assertTrue(checker.pattern_matches(pattern, event("p/q", "x.b")))
        self.assertFalse(checker.pattern_matches(pattern, event("p/q", "x.c")))
        self.assertFalse(checker.pattern_matches(pattern, {"source": "a"}))
        with self.assertRaises(ValueError):
            checker.pattern_matches({"k": [{"numeric": [">", 1]}]}, {"k": 2})
        for refused in ("a**b", "a\\b", "a\\"):
            with self.assertRaises(ValueError):
                checker.wildcard_regex(refused)
        self.assertEqual(checker.wildcard_regex("a\\\\*"), "a\\\\.*")


if __name__ == "__main__":
    unittest.main()
