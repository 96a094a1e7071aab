// ParseEventMessage over every captured or documented message shape (tests/data/s3-events),
// and over hostile bodies, which must be refused as malformed-event and never crash.
#include "event/event_message.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "util/error.h"

namespace unpackd {
namespace {

std::string Fixture(const std::string& name) {
  std::ifstream in(std::string(UNPACKD_SOURCE_DIR_PATH) + "/tests/data/s3-events/" + name,
                   std::ios::binary);
  EXPECT_TRUE(in) << name;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Expected {
  std::string file, origin, bucket, key, etag, version_id, sequencer, event_name, event_time;
  uint64_t size;
};

class FixtureTest : public ::testing::TestWithParam<Expected> {};

TEST_P(FixtureTest, ParsesTheOneCreatedEvent) {
  const Expected& want = GetParam();
  const EventMessage message = ParseEventMessage(Fixture(want.file));
  ASSERT_EQ(message.created.size(), 1u);
  EXPECT_EQ(message.other_records, 0u);
  EXPECT_FALSE(message.test_event);
  const ObjectEvent& event = message.created[0];
  EXPECT_EQ(event.origin, want.origin);
  EXPECT_EQ(event.bucket, want.bucket);
  EXPECT_EQ(event.key, want.key);
  EXPECT_EQ(event.etag, want.etag);
  EXPECT_EQ(event.version_id, want.version_id);
  EXPECT_EQ(event.sequencer, want.sequencer);
  EXPECT_EQ(event.event_name, want.event_name);
  EXPECT_EQ(event.event_time, want.event_time);
  EXPECT_EQ(event.size, want.size);
}

const char* const kAwsKey = "user-1/project-1/결과 1.zip";
const char* const kAwsEtag = "d41d8cd98f00b204e9800998ecf8427e";
const char* const kAwsVersion = "096fKKXTRTtl3on89fVO.nfljtsv6qko";
const char* const kEpoch = "1970-01-01T00:00:00.000Z";

INSTANTIATE_TEST_SUITE_P(
    S3Events, FixtureTest,
    ::testing::Values(
        Expected{"aws-s3-put.json", "aws:s3", "mybucket", kAwsKey, kAwsEtag, kAwsVersion,
                 "0055AED6DCD90281E5", "ObjectCreated:Put", kEpoch, 1024},
        Expected{"aws-s3-multipart.json", "aws:s3", "mybucket", kAwsKey,
                 "9a4b0dd3a0f1c98776b13bc73e8cd54d-4", kAwsVersion, "0055AED6DCD90281E6",
                 "ObjectCreated:CompleteMultipartUpload", kEpoch, 62672896},
        Expected{"aws-sqs-wrapped.json", "aws:s3", "mybucket", kAwsKey, kAwsEtag, kAwsVersion,
                 "0055AED6DCD90281E5", "ObjectCreated:Put", kEpoch, 1024},
        Expected{"aws-sns-in-sqs.json", "aws:s3", "mybucket", kAwsKey, kAwsEtag, kAwsVersion,
                 "0055AED6DCD90281E5", "ObjectCreated:Put", kEpoch, 1024},
        Expected{"aws-eventbridge-object-created.json", "aws.s3", "amzn-s3-demo-bucket1",
                 "example-key", "b1946ac92492d2347c6235b4d2611184",
                 "IYV3p45BT0ac8hjHg1houSdS1a.Mro8e", "617f08299329d189", "ObjectCreated:Put",
                 "2021-11-12T00:00:00Z", 5},
        Expected{"minio-webhook-put.json", "minio:s3", "results-bucket", kAwsKey,
                 "bb4f4cb166959bc3bce2e42fc5d7b4a1", "", "17E3A3DC10F32B0C", "ObjectCreated:Put",
                 "2024-07-19T14:34:08.158Z", 2505},
        // radosgw sends the raw key: '+' is a literal plus.
        Expected{"radosgw-put.json", "ceph:s3", "evb", "in/보고서 2024+v1.zip",
                 "bb4f4cb166959bc3bce2e42fc5d7b4a1", "", "986D0D6BB6184D1B", "ObjectCreated:Put",
                 "2026-11-30T12:35:36.455830Z", 2505},
        Expected{"radosgw-multipart.json", "ceph:s3", "evb", "user-1/project-1/결과 1.zip",
                 "9a4b0dd3a0f1c98776b13bc73e8cd54d-4", "", "9B6D0D6B376AC10F",
                 "ObjectCreated:CompleteMultipartUpload", "2026-11-30T12:35:39.264327Z", 62672896},
        Expected{"radosgw-copy.json", "ceph:s3", "evb", "in/copy of 보고서.zip",
                 "bb4f4cb166959bc3bce2e42fc5d7b4a1", "", "9B6D0D6B56FEAE10", "ObjectCreated:Copy",
                 "2026-11-30T12:35:39.278660Z", 2505}),
    [](const ::testing::TestParamInfo<Expected>& info) {
      std::string name = info.param.file.substr(0, info.param.file.find('.'));
      for (char& c : name) c = c == '-' ? '_' : c;
      return name;
    });

TEST(EventMessageTest, TestEventIsNoErrorAndNoEvent) {
  const EventMessage message = ParseEventMessage(Fixture("aws-s3-test-event.json"));
  EXPECT_TRUE(message.test_event);
  EXPECT_TRUE(message.created.empty());
}

TEST(EventMessageTest, TestEventInsideAnSqsBody) {
  const EventMessage message = ParseEventMessage(
      R"({"Records":[{"body":"{\"Service\":\"Amazon S3\",\"Event\":\"s3:TestEvent\"}"}]})");
  EXPECT_TRUE(message.test_event);
}

TEST(EventMessageTest, RadosgwUserMetadataKeepsOnlyMetaHeaders) {
  const EventMessage message = ParseEventMessage(Fixture("radosgw-copy.json"));
  ASSERT_EQ(message.created.size(), 1u);
  const auto& metadata = message.created[0].user_metadata;
  ASSERT_EQ(metadata.size(), 1u);
  EXPECT_EQ(metadata.at("origin"), "lab");
}

TEST(EventMessageTest, MinioUserMetadataMap) {
  const EventMessage message = ParseEventMessage(
      R"({"Records":[{"eventVersion":"2.0","eventSource":"minio:s3","eventName":"s3:ObjectCreated:Put",
      "s3":{"bucket":{"name":"b"},"object":{"key":"a%2Fb.zip","userMetadata":
      {"X-Amz-Meta-Unpackd-Source":"b/x.zip","content-type":"application/zip"}}}}]})");
  ASSERT_EQ(message.created.size(), 1u);
  EXPECT_EQ(message.created[0].key, "a/b.zip");
  EXPECT_EQ(message.created[0].user_metadata,
            (std::map<std::string, std::string>{{"unpackd-source", "b/x.zip"}}));
}

std::string AwsRecord(const std::string& object, const std::string& extra = "") {
  return R"({"Records":[{"eventVersion":"2.1","eventSource":"aws:s3",)" + extra +
         R"("eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":)" + object +
         "}}]}";
}

TEST(EventMessageTest, AwsKeyDecodingIsFormDecoding) {
  const EventMessage message =
      ParseEventMessage(AwsRecord(R"({"key":"a+b%2Bc%25d/%EA%B2%B0.zip"})"));
  ASSERT_EQ(message.created.size(), 1u);
  EXPECT_EQ(message.created[0].key, "a b+c%d/결.zip");
}

TEST(EventMessageTest, VersionIdNullAbsentOrEmptyIsEmpty) {
  for (const char* object :
       {R"({"key":"k","versionId":null})", R"({"key":"k"})", R"({"key":"k","versionId":""})"}) {
    const EventMessage message = ParseEventMessage(AwsRecord(object));
    ASSERT_EQ(message.created.size(), 1u);
    EXPECT_EQ(message.created[0].version_id, "");
    EXPECT_EQ(message.created[0].etag, "");
    EXPECT_EQ(message.created[0].size, std::nullopt);
  }
}

TEST(EventMessageTest, QuotedEtagLosesItsQuotes) {
  const EventMessage message = ParseEventMessage(AwsRecord(R"({"key":"k","eTag":"\"abc\""})"));
  EXPECT_EQ(message.created.at(0).etag, "abc");
}

TEST(EventMessageTest, OtherRecordKindsAreCountedNotReturned) {
  const EventMessage message = ParseEventMessage(
      R"({"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","eventName":"ObjectRemoved:Delete",
      "s3":{"bucket":{"name":"b"},"object":{"key":"k"}}},
      {"eventVersion":"2.1","eventSource":"aws:s3","eventName":"ObjectCreated:Post",
      "s3":{"bucket":{"name":"b"},"object":{"key":"k2"}}}]})");
  EXPECT_EQ(message.other_records, 1u);
  ASSERT_EQ(message.created.size(), 1u);
  EXPECT_EQ(message.created[0].key, "k2");
}

TEST(EventMessageTest, EventBridgeOtherDetailTypeIsCounted) {
  const EventMessage message = ParseEventMessage(
      R"({"source":"aws.s3","detail-type":"Object Deleted","detail":{"bucket":{"name":"b"}}})");
  EXPECT_EQ(message.other_records, 1u);
  EXPECT_TRUE(message.created.empty());
}

TEST(EventMessageTest, UnknownFieldsAndMinorVersionsAreIgnored) {
  const EventMessage message = ParseEventMessage(
      AwsRecord(R"({"key":"k","brandNew":{"x":[1,2]}})", R"("eventVersion2":7,"glacier":{},)"));
  EXPECT_EQ(message.created.size(), 1u);
  EXPECT_EQ(ParseEventMessage(R"({"Records":[{"eventVersion":"2.9","eventSource":"aws:s3",
      "eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"k"}}}]})")
                .created.size(),
            1u);
}

TEST(EventMessageTest, SqsReceiveMessageBodyAndMessages) {
  const std::string inner = R"({\"Records\":[{\"eventVersion\":\"2.1\",\"eventSource\":\"aws:s3\",)"
                            R"(\"eventName\":\"ObjectCreated:Put\",\"s3\":{\"bucket\":{\"name\":)"
                            R"(\"b\"},\"object\":{\"key\":\"x+y.zip\"}}}]})";
  for (const std::string& body :
       {R"({"MessageId":"m","Body":")" + inner + R"("})",
        R"({"Messages":[{"MessageId":"m","Body":")" + inner + R"("}]})"}) {
    const EventMessage message = ParseEventMessage(body);
    ASSERT_EQ(message.created.size(), 1u) << body;
    EXPECT_EQ(message.created[0].key, "x y.zip");
  }
}

TEST(EventMessageTest, SnsNotificationAloneAndLambdaSnsRecord) {
  const std::string inner = R"({\"Records\":[{\"eventVersion\":\"2.1\",\"eventSource\":\"aws:s3\",)"
                            R"(\"eventName\":\"ObjectCreated:Put\",\"s3\":{\"bucket\":{\"name\":)"
                            R"(\"b\"},\"object\":{\"key\":\"k\"}}}]})";
  const std::string sns = R"({"Type":"Notification","Message":")" + inner + R"("})";
  EXPECT_EQ(ParseEventMessage(sns).created.size(), 1u);
  EXPECT_EQ(ParseEventMessage(R"({"Records":[{"EventSource":"aws:sns","Sns":)" + sns + "}]}")
                .created.size(),
            1u);
}

// Hostile and broken bodies: each is a malformed-event usage error, never a crash.
class MalformedTest : public ::testing::TestWithParam<std::string> {};

TEST_P(MalformedTest, IsRefusedAsMalformedEvent) {
  try {
    ParseEventMessage(GetParam());
    FAIL() << "accepted: " << GetParam().substr(0, 200);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUsage);
    EXPECT_EQ(e.code(), "malformed-event");
    EXPECT_NE(std::string(e.what()), "");
  }
}

std::string Nested(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

INSTANTIATE_TEST_SUITE_P(
    Hostile, MalformedTest,
    ::testing::Values(
        "", "not json", "{", "null", "[]", "42", "\"Records\"", "{}", R"({"Records":{}})",
        R"({"Records":"x"})", R"({"Records":[1]})", R"({"Records":[{}]})",
        R"({"Records":[{"s3":{}}]})",
        // Key, bucket or version missing or wrong.
        AwsRecord(R"({"size":1})"), AwsRecord(R"({"key":""})"), AwsRecord(R"({"key":7})"),
        R"({"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"object":{"key":"k"}}}]})",
        R"({"Records":[{"eventVersion":"3.0","eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"k"}}}]})",
        R"({"Records":[{"eventVersion":"1.0","eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"k"}}}]})",
        R"({"Records":[{"eventVersion":2.1,"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"k"}}}]})",
        R"({"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"k"}}}]})",
        R"({"Records":[{"eventVersion":"2.1","eventSource":"gcs","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"k"}}}]})",
        R"({"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","s3":{"bucket":{"name":"b"},"object":{"key":"k"}}}]})",
        // Numbers as strings, negative or fractional sizes, objects where strings belong.
        AwsRecord(R"({"key":"k","size":"1024"})"), AwsRecord(R"({"key":"k","size":-1})"),
        AwsRecord(R"({"key":"k","size":1.5})"), AwsRecord(R"({"key":"k","eTag":{}})"),
        AwsRecord(R"({"key":"k","versionId":5})"), AwsRecord(R"({"key":"k","sequencer":[]})"),
        AwsRecord(R"("k")"), AwsRecord(R"({"key":"k"})", R"("eventTime":1,)"),
        // Envelopes: body or Message not a string, not JSON, or nested without end.
        R"({"Records":[{"body":"not json"}]})", R"({"Records":[{"body":{}}]})", R"({"Body":"[]"})",
        R"({"Type":"Notification","Message":"not json"})", R"({"Type":"Notification"})",
        R"({"Type":"SubscriptionConfirmation","Message":"{}"})",
        R"({"body":"{\"body\":\"{\\\"body\\\":\\\"{\\\\\\\"body\\\\\\\":\\\\\\\"{}\\\\\\\"}\\\"}\"}"})",
        R"({"source":"aws.ec2","detail-type":"Object Created","detail":{}})",
        R"({"source":"aws.s3","detail-type":"Object Created","detail":{"bucket":{"name":"b"},"object":{}}})",
        R"({"source":"aws.s3","detail-type":"Object Created","detail":[]})",
        // Not UTF-8, deep nesting, a huge key in a broken document.
        std::string("{\"Records\":[{\"s3\":\"\xff\xfe\"}]}"), Nested(100000),
        "{\"Records\":[{\"body\":\"" + Nested(50000) + "\"}]}",
        AwsRecord("{\"key\":\"" + std::string(4 << 20, 'k') + "\"")));

TEST(EventMessageTest, HugeKeyIsKeptWhole) {
  const std::string key(1 << 20, 'k');
  EXPECT_EQ(ParseEventMessage(AwsRecord(R"({"key":")" + key + R"("})")).created.at(0).key, key);
}

// A cheap stand-in for the fuzz target in the normal test run: every prefix of every fixture,
// and every fixture with single bytes flipped, parses or throws Error - nothing else.
TEST(EventMessageTest, TruncatedAndFlippedFixturesNeverEscapeAsOtherExceptions) {
  for (const char* file :
       {"aws-s3-put.json", "aws-sns-in-sqs.json", "aws-eventbridge-object-created.json",
        "minio-webhook-put.json", "radosgw-copy.json"}) {
    const std::string text = Fixture(file);
    for (size_t i = 0; i < text.size(); i += 7) {
      std::string mutated = text;
      mutated[i] = static_cast<char>(mutated[i] ^ 0x21);
      for (const std::string& input : {text.substr(0, i), mutated}) {
        try {
          ParseEventMessage(input);
        } catch (const Error& e) {
          EXPECT_EQ(e.code(), "malformed-event");
        }
      }
    }
  }
}

}  // namespace
}  // namespace unpackd
