// The AWS notification targets (LambdaTarget, SnsTarget, EventBridgeTarget), built as the service
// builds them (ResolveTarget + MakeTarget), against tests/tools/aws_notify_double.py: a test
// double of the documented Lambda Invoke, SNS Publish and EventBridge PutEvents APIs, since AWS's
// endpoints are unreachable here. The double recomputes every request's SigV4 signature with
// botocore and refuses mismatches with 403.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "notify/eventbridge_target.h"
#include "notify/lambda_target.h"
#include "notify/notification.h"
#include "notify/outcomes.h"
#include "notify/sns_target.h"
#include "notify/target_config.h"
#include "support/aws_notify_double_fixture.h"

namespace unpackd::notify {
namespace {

using Status = DeliveryResult::Status;
using testing::RefusedOutcome;
using testing::SucceededOutcome;
using ::unpackd::testing::AwsNotifyDoubleFixture;

class AwsTargetsTest : public ::testing::Test {
 protected:
  AwsTargetsTest() : double_(AwsNotifyDoubleFixture::Options{}) {}

  std::unique_ptr<NotificationTarget> Make(
      TargetConfig config, const std::string& secret = AwsNotifyDoubleFixture::kSecretKey) {
    config.name = "aws";
    config.endpoint = double_.endpoint();
    config.timeout = std::chrono::seconds(5);
    AwsTargetEnvironment aws;
    aws.credentials = AwsNotifyDoubleFixture::Credentials(secret);
    aws.fallback_region = AwsNotifyDoubleFixture::kRegion;
    return MakeTarget(ResolveTarget(config), http_, aws);
  }

  static TargetConfig Lambda(const std::string& function) {
    TargetConfig config;
    config.kind = TargetConfig::Kind::kLambda;
    config.function = function;
    return config;
  }
  static TargetConfig Sns(const std::string& topic) {
    TargetConfig config;
    config.kind = TargetConfig::Kind::kSns;
    config.topic_arn = AwsNotifyDoubleFixture::TopicArn(topic);
    return config;
  }
  static TargetConfig Bus(const std::string& bus) {
    TargetConfig config;
    config.kind = TargetConfig::Kind::kEventBridge;
    config.event_bus = bus;
    return config;
  }

  const Notification succeeded_ = BuildNotification(SucceededOutcome());
  net::HttpClient http_{net::HttpClientOptions{}};
  AwsNotifyDoubleFixture double_;
};

TEST_F(AwsTargetsTest, LambdaReceivesThePayloadAsIs) {
  const auto target = Make(Lambda("arn:aws:lambda:us-east-1:123456789012:function:alert-api"));
  EXPECT_NE(dynamic_cast<LambdaTarget*>(target.get()), nullptr);
  const DeliveryResult result = target->Deliver(succeeded_);
  EXPECT_EQ(result.status, Status::kDelivered) << result.detail;
  const nlohmann::json requests = double_.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0]["body"], succeeded_.payload_json);
  EXPECT_EQ(requests[0]["headers"]["x-amz-invocation-type"], "Event");
}

TEST_F(AwsTargetsTest, LambdaFailuresRetryOrGo) {
  const auto target = Make(Lambda("alert-api"));
  double_.FailNext("lambda", 429, "TooManyRequestsException");
  DeliveryResult result = target->Deliver(succeeded_);
  EXPECT_EQ(result.status, Status::kRetry);
  EXPECT_NE(result.detail.find("TooManyRequestsException"), std::string::npos) << result.detail;
  double_.FailNext("lambda", 503, "ServiceException");
  EXPECT_EQ(target->Deliver(succeeded_).status, Status::kRetry);
  double_.FailNext("lambda", 403, "AccessDeniedException");
  result = target->Deliver(succeeded_);
  EXPECT_EQ(result.status, Status::kRetry);
  EXPECT_NE(result.detail.find("lambda:InvokeFunction"), std::string::npos) << result.detail;
  EXPECT_EQ(target->Deliver(succeeded_).status, Status::kDelivered);

  result = Make(Lambda("deleted-function"))->Deliver(succeeded_);
  EXPECT_EQ(result.status, Status::kGone);
  EXPECT_NE(result.detail.find("Lambda function 'deleted-function' does not exist"),
            std::string::npos)
      << result.detail;
}

TEST_F(AwsTargetsTest, WrongCredentialsAreRefusedAndRetried) {
  for (TargetConfig config : {Lambda("alert-api"), Sns("alerts"), Bus("unpackd")}) {
    const DeliveryResult result = Make(config, "wrong-secret")->Deliver(succeeded_);
    EXPECT_EQ(result.status, Status::kRetry) << TargetKindName(config.kind);
    EXPECT_NE(result.detail.find("access denied"), std::string::npos) << result.detail;
    EXPECT_NE(result.detail.find(AwsNotifyDoubleFixture::kAccessKey), std::string::npos);
    EXPECT_EQ(result.detail.find("wrong-secret"), std::string::npos) << result.detail;
  }
  EXPECT_TRUE(double_.Requests().empty());
}

TEST_F(AwsTargetsTest, SnsPublishesThePayloadWithASubject) {
  const auto target = Make(Sns("alerts"));
  DeliveryResult result = target->Deliver(succeeded_);
  EXPECT_EQ(result.status, Status::kDelivered) << result.detail;
  const nlohmann::json requests = double_.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_NE(requests[0]["body"].get<std::string>().find("Subject=unpackd%3A%20extraction"),
            std::string::npos);
  double_.FailNext("sns", 429, "Throttled");
  EXPECT_EQ(target->Deliver(succeeded_).status, Status::kRetry);
  double_.FailNext("sns", 500, "InternalError");
  EXPECT_EQ(target->Deliver(succeeded_).status, Status::kRetry);
  result = Make(Sns("deleted"))->Deliver(succeeded_);
  EXPECT_EQ(result.status, Status::kGone);
  EXPECT_NE(result.detail.find("SNS topic arn:aws:sns:us-east-1:123456789012:deleted"),
            std::string::npos)
      << result.detail;
}

TEST_F(AwsTargetsTest, EventBridgeGetsOneEventPerNotification) {
  const auto target = Make(Bus("unpackd"));
  const Notification refused = BuildNotification(RefusedOutcome());
  EXPECT_EQ(target->Deliver(refused).status, Status::kDelivered);
  const nlohmann::json requests = double_.Requests();
  ASSERT_EQ(requests.size(), 1u);
  const nlohmann::json entry =
      nlohmann::json::parse(requests[0]["body"].get<std::string>())["Entries"][0];
  EXPECT_EQ(entry["Source"], "unpackd");
  EXPECT_EQ(entry["DetailType"], "Archive Refused");
  EXPECT_EQ(entry["Detail"], refused.payload_json);
  EXPECT_EQ(entry["EventBusName"], "unpackd");

  double_.FailNextEntry("ThrottlingException");
  DeliveryResult result = target->Deliver(refused);
  EXPECT_EQ(result.status, Status::kRetry);
  EXPECT_NE(result.detail.find("ThrottlingException"), std::string::npos) << result.detail;
  double_.FailNext("events", 500, "InternalException");
  EXPECT_EQ(target->Deliver(refused).status, Status::kRetry);
  result = Make(Bus("deleted-bus"))->Deliver(refused);
  EXPECT_EQ(result.status, Status::kGone);
  EXPECT_NE(result.detail.find("deleted-bus"), std::string::npos) << result.detail;
}

TEST_F(AwsTargetsTest, UnreachableEndpointRetries) {
  TargetConfig config = Lambda("alert-api");
  config.name = "aws";
  config.endpoint = "http://127.0.0.1:1";
  AwsTargetEnvironment aws;
  aws.credentials = AwsNotifyDoubleFixture::Credentials();
  const DeliveryResult result = MakeTarget(ResolveTarget(config), http_, aws)->Deliver(succeeded_);
  EXPECT_EQ(result.status, Status::kRetry);
}

TEST(AwsTargetShapesTest, DetailTypesAndSubjects) {
  EXPECT_EQ(EventDetailType(NotificationKind::kJobSucceeded), "Extraction Succeeded");
  EXPECT_EQ(EventDetailType(NotificationKind::kJobFailed), "Extraction Failed");
  EXPECT_EQ(EventDetailType(NotificationKind::kArchiveRefused), "Archive Refused");
  Notification n = BuildNotification(SucceededOutcome());
  const std::string subject = SnsSubject(n);
  EXPECT_TRUE(subject.starts_with("unpackd: extraction succeeded: ")) << subject;
  n.payload_json =
      R"({"archive":{"bucket":"b","key":"보고서/)" + std::string(200, 'x') + "\\nend.zip\"}}";
  const std::string long_subject = SnsSubject(n);
  EXPECT_LT(long_subject.size(), 100u);
  EXPECT_TRUE(long_subject.ends_with("...")) << long_subject;
  for (const char c : long_subject) {
    EXPECT_TRUE(c >= 0x20 && c < 0x7f) << long_subject;
  }
  n.payload_json = "not json";
  n.kind = NotificationKind::kJobFailed;
  EXPECT_EQ(SnsSubject(n), "unpackd: extraction failed");
}

}  // namespace
}  // namespace unpackd::notify
