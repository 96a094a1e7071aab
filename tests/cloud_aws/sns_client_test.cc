// aws::SnsClient: its XML error mapping (pure), and Publish against
// tests/tools/aws_notify_double.py, a test double of SNS's documented Query API (AWS's endpoints
// are unreachable here) that recomputes every request's SigV4 signature with botocore and
// refuses mismatches with 403.
#include "cloud/aws/sns_client.h"

#include <gtest/gtest.h>

#include "cloud/aws/aws_url.h"
#include "support/aws_answer.h"
#include "support/aws_notify_double_fixture.h"

namespace unpackd::aws {
namespace {

using testing::AwsNotifyDoubleFixture;

std::string XmlError(const std::string& code) {
  return "<ErrorResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><Error><Type>Sender"
         "</Type><Code>" +
         code + "</Code><Message>said so</Message></Error><RequestId>req-x</RequestId>" +
         "</ErrorResponse>";
}

TEST(SnsClientErrorsTest, CodesBecomeKinds) {
  const std::vector<std::tuple<long, std::string, ErrorKind>> cases = {
      {404, "NotFound", ErrorKind::kNotFound},
      {403, "AuthorizationError", ErrorKind::kAccessDenied},
      {403, "SignatureDoesNotMatch", ErrorKind::kAccessDenied},
      {429, "Throttled", ErrorKind::kTransient},
      {500, "InternalError", ErrorKind::kTransient},
      {400, "InvalidParameter", ErrorKind::kIo},
  };
  for (const auto& [status, code, kind] : cases) {
    const Error e =
        MakeSnsError("arn:aws:sns:us-east-1:1:t", testing::AwsAnswer(status, XmlError(code)), "AK");
    EXPECT_EQ(e.kind(), kind) << e.what();
    EXPECT_EQ(e.code(), code);
    EXPECT_NE(
        std::string(e.what()).find("SNS Publish topic arn:aws:sns:us-east-1:1:t failed: HTTP " +
                                   std::to_string(status) + " " + code + ": said so"),
        std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("[request id req-x]"), std::string::npos) << e.what();
  }
  const Error html = MakeSnsError("t", testing::AwsAnswer(503, "<html>"), "AK");
  EXPECT_EQ(html.kind(), ErrorKind::kTransient);
  EXPECT_NE(std::string(html.what()).find("[request id req-1]"), std::string::npos);
}

TEST(SnsClientErrorsTest, RegionFromArn) {
  EXPECT_EQ(RegionFromArn("arn:aws:sns:eu-west-1:123456789012:alerts"), "eu-west-1");
  EXPECT_EQ(RegionFromArn("arn:aws:lambda:ap-south-1:1:function:f:live"), "ap-south-1");
  EXPECT_EQ(RegionFromArn("arn:aws:events:us-east-2:1:event-bus/b"), "us-east-2");
  EXPECT_EQ(RegionFromArn("alert-api"), "");
  EXPECT_EQ(RegionFromArn("arn:aws:s3"), "");
}

class SnsClientDoubleTest : public ::testing::Test {
 protected:
  SnsClientDoubleTest() : double_(AwsNotifyDoubleFixture::Options{}) {}

  SnsClientConfig Config(const std::string& secret = AwsNotifyDoubleFixture::kSecretKey) {
    SnsClientConfig config;
    config.endpoint = double_.endpoint();
    config.fallback_region = AwsNotifyDoubleFixture::kRegion;
    config.credentials = AwsNotifyDoubleFixture::Credentials(secret);
    config.retry.time_budget = std::chrono::milliseconds(0);
    config.retry.max_attempts = 1;
    return config;
  }

  Error PublishError(SnsClient& client, const std::string& topic) {
    try {
      client.Publish(topic, "{}");
    } catch (const Error& e) {
      return e;
    }
    ADD_FAILURE() << "published to " << topic;
    return Error(ErrorKind::kInternal, "");
  }

  AwsNotifyDoubleFixture double_;
};

TEST_F(SnsClientDoubleTest, PublishesMessageAndSubject) {
  SnsClient client(Config());
  const std::string topic = AwsNotifyDoubleFixture::TopicArn("alerts");
  const std::string message = R"({"kind":"job.failed","text":"a & b = c + d é"})";
  EXPECT_FALSE(client.Publish(topic, message, "unpackd: job failed").empty());
  EXPECT_FALSE(client.Publish(topic, message).empty());
  const nlohmann::json requests = double_.Requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0]["service"], "sns");
  // The double parsed the form back to the same message (checked by signature and by answer).
  EXPECT_NE(requests[0]["body"].get<std::string>().find("Subject=unpackd%3A%20job%20failed"),
            std::string::npos);
  EXPECT_EQ(requests[1]["body"].get<std::string>().find("Subject"), std::string::npos);
}

TEST_F(SnsClientDoubleTest, RefusalsAreMapped) {
  const std::string topic = AwsNotifyDoubleFixture::TopicArn("alerts");
  SnsClient wrong(Config("wrong-secret"));
  Error e = PublishError(wrong, topic);
  EXPECT_EQ(e.kind(), ErrorKind::kAccessDenied);
  EXPECT_EQ(e.code(), "SignatureDoesNotMatch");
  EXPECT_EQ(std::string(e.what()).find("wrong-secret"), std::string::npos);

  SnsClient client(Config());
  e = PublishError(client, AwsNotifyDoubleFixture::TopicArn("gone"));
  EXPECT_EQ(e.kind(), ErrorKind::kNotFound);
  EXPECT_EQ(e.code(), "NotFound");
  double_.FailNext("sns", 429, "Throttled");
  EXPECT_EQ(PublishError(client, topic).kind(), ErrorKind::kTransient);
  double_.FailNext("sns", 500, "InternalError");
  EXPECT_EQ(PublishError(client, topic).kind(), ErrorKind::kTransient);
  EXPECT_FALSE(client.Publish(topic, "{}").empty());
}

}  // namespace
}  // namespace unpackd::aws
