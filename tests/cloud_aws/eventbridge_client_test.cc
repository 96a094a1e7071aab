// aws::EventBridgeClient: its answer and error mapping (pure), and PutEvents against
// tests/tools/aws_notify_double.py, a test double of EventBridge's documented JSON API (AWS's
// endpoints are unreachable here) that recomputes every request's SigV4 signature with botocore
// and refuses mismatches with 403.
#include "cloud/aws/eventbridge_client.h"

#include <gtest/gtest.h>

#include "support/aws_answer.h"
#include "support/aws_notify_double_fixture.h"

namespace unpackd::aws {
namespace {

using testing::AwsNotifyDoubleFixture;

ErrorKind EntryKind(const std::string& code) {
  try {
    ParsePutEventsAnswer("b", R"({"FailedEntryCount":1,"Entries":[{"ErrorCode":")" + code +
                                  R"(","ErrorMessage":"m"}]})");
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code);
    return e.kind();
  }
  ADD_FAILURE() << code;
  return ErrorKind::kInternal;
}

TEST(EventBridgeClientAnswersTest, FailedEntriesAreErrors) {
  EXPECT_EQ(ParsePutEventsAnswer("b", R"({"FailedEntryCount":0,"Entries":[{"EventId":"e1"}]})"),
            "e1");
  EXPECT_EQ(EntryKind("ThrottlingException"), ErrorKind::kTransient);
  EXPECT_EQ(EntryKind("InternalFailure"), ErrorKind::kTransient);
  EXPECT_EQ(EntryKind("ResourceNotFoundException"), ErrorKind::kNotFound);
  EXPECT_EQ(EntryKind("AccessDeniedException"), ErrorKind::kAccessDenied);
  EXPECT_EQ(EntryKind("NotAuthorizedForSourceException"), ErrorKind::kAccessDenied);
  EXPECT_EQ(EntryKind("MalformedDetail"), ErrorKind::kIo);
  for (const char* bad : {"", "[]", "{}", R"({"Entries":[]})", R"({"Entries":[{}]})"}) {
    EXPECT_THROW(ParsePutEventsAnswer("b", bad), Error) << bad;
  }
  const Error e = MakeEventBridgeError(
      "b", testing::AwsAnswer(400, R"({"__type":"ResourceNotFoundException","message":"no"})"),
      "AK");
  EXPECT_EQ(e.kind(), ErrorKind::kNotFound);
  EXPECT_EQ(MakeEventBridgeError(
                "b", testing::AwsAnswer(400, R"({"__type":"ThrottlingException"})"), "AK")
                .kind(),
            ErrorKind::kTransient);
}

class EventBridgeClientDoubleTest : public ::testing::Test {
 protected:
  EventBridgeClientDoubleTest() : double_(AwsNotifyDoubleFixture::Options{}) {}

  EventBridgeClientConfig Config(const std::string& secret = AwsNotifyDoubleFixture::kSecretKey) {
    EventBridgeClientConfig config;
    config.endpoint = double_.endpoint();
    config.region = AwsNotifyDoubleFixture::kRegion;
    config.credentials = AwsNotifyDoubleFixture::Credentials(secret);
    config.retry.time_budget = std::chrono::milliseconds(0);
    config.retry.max_attempts = 1;
    return config;
  }

  static EventBridgeEntry Entry(const std::string& bus) {
    return {"unpackd", "Extraction Succeeded", R"({"kind":"job.succeeded"})", bus};
  }

  Error PutError(EventBridgeClient& client, const std::string& bus) {
    try {
      client.PutEvents(Entry(bus));
    } catch (const Error& e) {
      return e;
    }
    ADD_FAILURE() << "put to " << bus;
    return Error(ErrorKind::kInternal, "");
  }

  AwsNotifyDoubleFixture double_;
};

TEST_F(EventBridgeClientDoubleTest, PutsOneEvent) {
  EventBridgeClient client(Config());
  EXPECT_FALSE(client.PutEvents(Entry("unpackd")).empty());
  EXPECT_FALSE(client.PutEvents(Entry("")).empty());  // the default bus
  EXPECT_FALSE(
      client.PutEvents(Entry("arn:aws:events:us-east-1:123456789012:event-bus/unpackd")).empty());
  const nlohmann::json requests = double_.Requests();
  ASSERT_EQ(requests.size(), 3u);
  const nlohmann::json body = nlohmann::json::parse(requests[0]["body"].get<std::string>());
  EXPECT_EQ(body["Entries"][0]["Source"], "unpackd");
  EXPECT_EQ(body["Entries"][0]["DetailType"], "Extraction Succeeded");
  EXPECT_EQ(body["Entries"][0]["EventBusName"], "unpackd");
  EXPECT_EQ(requests[0]["headers"]["x-amz-target"], "AWSEvents.PutEvents");
}

TEST_F(EventBridgeClientDoubleTest, RefusalsAreMapped) {
  EventBridgeClient wrong(Config("wrong-secret"));
  Error e = PutError(wrong, "unpackd");
  EXPECT_EQ(e.kind(), ErrorKind::kAccessDenied);
  EXPECT_EQ(e.code(), "InvalidSignatureException");

  EventBridgeClient client(Config());
  e = PutError(client, "no-such-bus");
  EXPECT_EQ(e.kind(), ErrorKind::kNotFound);
  EXPECT_NE(std::string(e.what()).find("no-such-bus"), std::string::npos);
  double_.FailNextEntry("ThrottlingException");
  EXPECT_EQ(PutError(client, "unpackd").kind(), ErrorKind::kTransient);
  double_.FailNext("events", 400, "ThrottlingException");
  EXPECT_EQ(PutError(client, "unpackd").kind(), ErrorKind::kTransient);
  double_.FailNext("events", 500, "InternalException");
  EXPECT_EQ(PutError(client, "unpackd").kind(), ErrorKind::kTransient);
}

TEST_F(EventBridgeClientDoubleTest, RetriesAFailedEntry) {
  EventBridgeClientConfig config = Config();
  config.retry = net::RetryPolicy{};
  config.retry.base_delay = std::chrono::milliseconds(1);
  config.retry.max_probe_delay = std::chrono::milliseconds(20);
  EventBridgeClient client(config);
  double_.FailNextEntry("InternalFailure");
  EXPECT_FALSE(client.PutEvents(Entry("unpackd")).empty());
}

}  // namespace
}  // namespace unpackd::aws
