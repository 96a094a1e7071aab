// aws::SqsClient: its parsing of SQS's JSON answers and errors (pure functions), and its four
// actions against tests/tools/sqs_double.py, a test double of SQS's documented JSON API (no
// SQS server can run here) that verifies every request's SigV4 signature.
#include "cloud/aws/sqs_client.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "cloud/aws/static_credentials_provider.h"
#include "support/aws_answer.h"
#include "support/sqs_double_fixture.h"

namespace unpackd::aws {
namespace {

using testing::SqsDoubleFixture;

net::HttpResponse Response(long status, std::string body, std::string query_error = "") {
  return testing::AwsAnswer(status, std::move(body), {{"x-amzn-query-error", query_error}});
}

TEST(SqsClientParsingTest, RegionComesFromAwsHosts) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"https://sqs.eu-west-1.amazonaws.com/111122223333/q", "eu-west-1"},
      {"https://sqs-fips.us-gov-west-1.amazonaws.com/1/q", "us-gov-west-1"},
      {"https://sqs.cn-north-1.amazonaws.com.cn/1/q", "cn-north-1"},
      {"https://ap-south-1.queue.amazonaws.com/1/q", "ap-south-1"},
      {"https://queue.amazonaws.com/1/q", "us-east-1"},  // the legacy global host
      {"http://127.0.0.1:9324/000000000000/q", ""},
      {"https://sqs.example.com/1/q", ""},
      {"not a url", ""}};
  for (const auto& [url, region] : cases) EXPECT_EQ(RegionFromSqsUrl(url), region) << url;
}

TEST(SqsClientParsingTest, ReceiveAnswer) {
  const auto messages = ParseReceiveMessageResponse(
      R"({"Messages":[{"MessageId":"m1","ReceiptHandle":"h1","MD5OfBody":"x","Body":"{}",
          "Attributes":{"ApproximateReceiveCount":"3"}},
         {"MessageId":"m2","ReceiptHandle":"h2"}]})",
      "q");
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].message_id, "m1");
  EXPECT_EQ(messages[0].receipt_handle, "h1");
  EXPECT_EQ(messages[0].body, "{}");
  EXPECT_EQ(messages[0].receive_count, 3);
  EXPECT_EQ(messages[1].body, "");
  EXPECT_EQ(messages[1].receive_count, 0);
  EXPECT_TRUE(ParseReceiveMessageResponse("{}", "q").empty());
  for (const char* bad :
       {"", "[]", "{\"Messages\":{}}", "{\"Messages\":[1]}", "{\"Messages\":[{\"Body\":\"b\"}]}"}) {
    try {
      ParseReceiveMessageResponse(bad, "https://q");
      ADD_FAILURE() << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kIo) << bad;
      EXPECT_NE(std::string(e.what()).find("ReceiveMessage https://q"), std::string::npos);
    }
  }
}

TEST(SqsClientParsingTest, ErrorsAreClassified) {
  struct Case {
    net::HttpResponse response;
    ErrorKind kind;
    std::string code;
  };
  const std::vector<Case> cases = {
      {Response(
           400,
           R"({"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."})",
           "AWS.SimpleQueueService.NonExistentQueue;Sender"),
       ErrorKind::kNotFound, "QueueDoesNotExist"},
      {Response(400, "", "AWS.SimpleQueueService.NonExistentQueue;Sender"), ErrorKind::kNotFound,
       "AWS.SimpleQueueService.NonExistentQueue"},
      {Response(403, R"({"__type":"com.amazon.coral.service#InvalidSignatureException"})"),
       ErrorKind::kAccessDenied, "InvalidSignatureException"},
      {Response(400, R"({"__type":"com.amazon.coral.service#UnrecognizedClientException"})"),
       ErrorKind::kAccessDenied, "UnrecognizedClientException"},
      {Response(400, R"({"__type":"com.amazonaws.sqs#AccessDenied"})"), ErrorKind::kAccessDenied,
       "AccessDenied"},
      {Response(400, R"({"__type":"com.amazonaws.sqs#RequestThrottled"})"), ErrorKind::kTransient,
       "RequestThrottled"},
      {Response(400, R"({"__type":"com.amazon.coral.availability#ThrottlingException"})"),
       ErrorKind::kTransient, "ThrottlingException"},
      {Response(503, "<html>busy</html>"), ErrorKind::kTransient, ""},
      {Response(400, R"({"__type":"com.amazonaws.sqs#ReceiptHandleIsInvalid"})"),
       ErrorKind::kPrecondition, "ReceiptHandleIsInvalid"},
      {Response(400, R"({"__type":"com.amazonaws.sqs#MessageNotInflight"})"),
       ErrorKind::kPrecondition, "MessageNotInflight"},
      {Response(400, R"({"__type":"com.amazonaws.sqs#InvalidParameterValue:http://x"})"),
       ErrorKind::kIo, "InvalidParameterValue"},
  };
  for (const Case& c : cases) {
    const Error e = MakeSqsError("ReceiveMessage", "https://sqs/q", c.response, "AKIDEXAMPLE");
    EXPECT_EQ(e.kind(), c.kind) << e.what();
    EXPECT_EQ(e.code(), c.code) << e.what();
    const std::string what = e.what();
    EXPECT_NE(what.find("SQS ReceiveMessage https://sqs/q failed: HTTP"), std::string::npos);
    EXPECT_NE(what.find("[request id req-1]"), std::string::npos) << what;
    if (c.kind == ErrorKind::kAccessDenied) {
      EXPECT_NE(what.find("AKIDEXAMPLE"), std::string::npos) << what;
    }
  }
}

class SqsClientDoubleTest : public ::testing::Test {
 protected:
  SqsClientDoubleTest() : double_({{"q", "dlq"}, {"q=dlq:2"}, 30}) {}

  SqsClientConfig Config(const std::string& secret = "S3RVER", const std::string& queue = "q") {
    SqsClientConfig config;
    config.queue_url = double_.QueueUrl(queue);
    config.fallback_region = SqsDoubleFixture::kRegion;
    AwsCredentials credentials;
    credentials.access_key_id = "S3RVER";
    credentials.secret_access_key = secret;
    config.credentials = std::make_shared<StaticCredentialsProvider>(credentials);
    config.retry.time_budget = std::chrono::seconds(1);
    return config;
  }

  static ReceiveOptions Quick(int visibility = 30) {
    ReceiveOptions options;
    options.wait_seconds = 0;
    options.visibility_seconds = visibility;
    return options;
  }

  SqsDoubleFixture double_;
};

TEST_F(SqsClientDoubleTest, SendReceiveChangeVisibilityDelete) {
  SqsClient client(Config());
  EXPECT_EQ(client.region(), "us-east-1");
  EXPECT_FALSE(client.SendMessage("{\"a\":\"\xea\xb2\xb0\"}").empty());
  auto messages = client.ReceiveMessage(Quick());
  ASSERT_EQ(messages.size(), 1u) << double_.log();
  EXPECT_EQ(messages[0].body, "{\"a\":\"\xea\xb2\xb0\"}");
  EXPECT_EQ(messages[0].receive_count, 1);
  EXPECT_TRUE(client.ReceiveMessage(Quick()).empty());  // in flight: hidden

  // Handed back at once, then received again with a new receipt handle.
  client.ChangeMessageVisibility(messages[0].receipt_handle, 0);
  auto again = client.ReceiveMessage(Quick());
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].receive_count, 2);
  EXPECT_NE(again[0].receipt_handle, messages[0].receipt_handle);
  // The first receive's handle no longer deletes it.
  try {
    client.DeleteMessage(messages[0].receipt_handle);
    ADD_FAILURE() << "a stale receipt handle deleted the message";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "InvalidParameterValue") << e.what();
  }
  EXPECT_EQ(double_.Depth("q"), 1);
  client.DeleteMessage(again[0].receipt_handle);
  EXPECT_EQ(double_.Depth("q"), 0);
  try {
    client.ChangeMessageVisibility("garbage", 10);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kPrecondition) << e.what();
  }
}

TEST_F(SqsClientDoubleTest, LongPollWaitsForAMessageAndDelayedMessagesWait) {
  SqsClient client(Config());
  client.SendMessage("later", 1);
  ReceiveOptions options;
  options.wait_seconds = 5;
  const auto start = std::chrono::steady_clock::now();
  const auto messages = client.ReceiveMessage(options);
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].body, "later");
  EXPECT_GE(waited, std::chrono::milliseconds(800));
  EXPECT_LT(waited, std::chrono::seconds(4));
}

TEST_F(SqsClientDoubleTest, AbandonedLongPollEndsWithinASecond) {
  SqsClient client(Config());
  CancellationToken stop;
  ReceiveOptions options;
  options.wait_seconds = 20;
  options.abort_on = &stop;
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    stop.Cancel();
  });
  const auto start = std::chrono::steady_clock::now();
  try {
    client.ReceiveMessage(options);
    ADD_FAILURE() << "the long poll was not abandoned";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kCancelled) << e.what();
  }
  stopper.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(2500));
}

TEST_F(SqsClientDoubleTest, RedrivePolicyMovesAMessageReceivedTooOften) {
  SqsClient client(Config());
  SqsClient dead_letters(Config("S3RVER", "dlq"));
  client.SendMessage("poison");
  for (int receive = 1; receive <= 2; ++receive) {
    const auto messages = client.ReceiveMessage(Quick(0));
    ASSERT_EQ(messages.size(), 1u) << receive;
    EXPECT_EQ(messages[0].receive_count, receive);
  }
  EXPECT_TRUE(client.ReceiveMessage(Quick(0)).empty());
  const auto moved = dead_letters.ReceiveMessage(Quick());
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved[0].body, "poison");
}

TEST_F(SqsClientDoubleTest, WrongSecretAndMissingQueueAreNamedWithoutSecrets) {
  SqsClient wrong(Config("not-the-secret"));
  try {
    wrong.ReceiveMessage(Quick());
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kAccessDenied) << e.what();
    EXPECT_EQ(e.code(), "InvalidSignatureException");
    const std::string what = e.what();
    EXPECT_NE(what.find("S3RVER"), std::string::npos) << what;
    EXPECT_NE(what.find(double_.QueueUrl("q")), std::string::npos) << what;
    EXPECT_EQ(what.find("not-the-secret"), std::string::npos) << what;
  }
  SqsClient missing(Config("S3RVER", "absent"));
  try {
    missing.SendMessage("x");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kNotFound) << e.what();
    EXPECT_EQ(e.code(), "QueueDoesNotExist");
  }
}

TEST_F(SqsClientDoubleTest, DeadEndpointIsTransientAndBadUrlsAreRefused) {
  SqsClientConfig config = Config();
  config.queue_url = "http://127.0.0.1:1/000000000000/q";
  SqsClient dead(config);
  try {
    dead.ReceiveMessage(Quick());
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kTransient) << e.what();
  }
  for (const char* url :
       {"sqs.us-east-1.amazonaws.com/1/q", "ftp://host/1/q", "http://u:p@h/1/q"}) {
    config.queue_url = url;
    try {
      SqsClient client(config);
      ADD_FAILURE() << url;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), "bad-config") << url;
    }
  }
}

}  // namespace
}  // namespace unpackd::aws
