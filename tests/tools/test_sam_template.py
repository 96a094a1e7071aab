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
                          "[UseQueue=false Legacy=False] no notification for .zip keys")

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


if __name__ == "__main__":
    unittest.main()
