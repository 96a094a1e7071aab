// SlackTarget against a receiver that plays Slack's incoming webhook: the Block Kit body it
// gets holds Slack's limits, and Slack's documented answers map to delivered, retry or gone.
#include "notify/slack_target.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "notify/outcomes.h"
#include "notify/slack_limits.h"
#include "support/http_receiver.h"
#include "support/loopback_port.h"

namespace unpackd::notify {
namespace {

using ::unpackd::testing::HttpReceiver;
using ::unpackd::testing::ReceivedRequest;
using ::unpackd::testing::ReceiverAnswer;
using Status = DeliveryResult::Status;

constexpr char kHookPath[] = "/services/T0001/B0002/s3cr3tT0k3nXYZ";

net::HttpClient& Http() {
  static net::HttpClient client{net::HttpClientOptions{}};
  return client;
}

DeliveryResult DeliverTo(const std::string& url, const JobOutcome& outcome) {
  SlackTarget target(SlackTargetOptions{"ops", url, std::chrono::seconds(5)}, Http());
  return target.Deliver(BuildNotification(outcome));
}

ReceiverAnswer SlackAnswer(int status, const std::string& body) {
  return ReceiverAnswer{status, {}, body, "text/html"};  // Slack answers "ok" as text/html
}

TEST(SlackTargetTest, PostsBlockKitWithinSlackLimits) {
  HttpReceiver slack([](const ReceivedRequest&) { return SlackAnswer(200, "ok"); });
  JobOutcome outcome = testing::SucceededOutcome(1000);
  for (Finding& finding : outcome.result->findings) finding.message = std::string(3000, 'x');
  const DeliveryResult result = DeliverTo(slack.url(kHookPath), outcome);
  EXPECT_EQ(result.status, Status::kDelivered) << result.detail;
  const ReceivedRequest request = slack.requests().at(0);
  EXPECT_EQ(request.path, kHookPath);
  EXPECT_EQ(request.Header("content-type"), "application/json; charset=utf-8");
  testing::ExpectWithinSlackLimits(request.body);
  EXPECT_EQ(nlohmann::json::parse(request.body)["blocks"][0]["text"]["text"],
            "✅ Extracted 보고서.zip");
}

TEST(SlackTargetTest, RateLimitedIsRetryAfterSlacksDelay) {
  HttpReceiver slack([](const ReceivedRequest&) {
    return ReceiverAnswer{429, {{"Retry-After", "30"}}, "rate_limited", "text/plain"};
  });
  const DeliveryResult result = DeliverTo(slack.url(kHookPath), testing::RefusedOutcome());
  EXPECT_EQ(result.status, Status::kRetry);
  EXPECT_EQ(result.retry_after, std::chrono::milliseconds(30'000));
}

TEST(SlackTargetTest, AHookThatNoLongerExistsIsGone) {
  for (const auto& [status, body] : std::vector<std::pair<int, std::string>>{
           {404, "no_service"}, {410, "channel_is_archived"}, {403, "action_prohibited"}}) {
    HttpReceiver slack([&](const ReceivedRequest&) { return SlackAnswer(status, body); });
    const DeliveryResult result = DeliverTo(slack.url(kHookPath), testing::SucceededOutcome());
    EXPECT_EQ(result.status, Status::kGone) << status;
    EXPECT_EQ(result.detail, "HTTP " + std::to_string(status) + ": " + body);
  }
}

TEST(SlackTargetTest, ABadPayloadOrServerErrorRetriesWithoutDisablingTheHook) {
  for (const auto& [status, body] :
       std::vector<std::pair<int, std::string>>{{400, "invalid_payload"}, {500, "rollup_error"}}) {
    HttpReceiver slack([&](const ReceivedRequest&) { return SlackAnswer(status, body); });
    const DeliveryResult result = DeliverTo(slack.url(kHookPath), testing::SucceededOutcome());
    EXPECT_EQ(result.status, Status::kRetry) << status;
  }
}

TEST(SlackTargetTest, TheHooksTokenNeverAppearsInADetail) {
  const std::string down =
      "http://127.0.0.1:" + std::to_string(::unpackd::testing::FreeLoopbackPort()) + kHookPath;
  const DeliveryResult refused = DeliverTo(down, testing::SucceededOutcome());
  EXPECT_EQ(refused.status, Status::kRetry);
  EXPECT_EQ(refused.detail.find("s3cr3t"), std::string::npos) << refused.detail;
  EXPECT_EQ(refused.detail.find("T0001"), std::string::npos) << refused.detail;
  EXPECT_NE(refused.detail.find("/…"), std::string::npos) << refused.detail;

  HttpReceiver slack([](const ReceivedRequest&) {
    return ReceiverAnswer{301, {{"Location", "https://hooks.slack.com/services/T9/B9/other"}}, ""};
  });
  const DeliveryResult moved = DeliverTo(slack.url(kHookPath), testing::SucceededOutcome());
  EXPECT_EQ(moved.status, Status::kRetry);
  EXPECT_EQ(moved.detail.find("T9"), std::string::npos) << moved.detail;
  EXPECT_NE(moved.detail.find("https://hooks.slack.com/…"), std::string::npos) << moved.detail;
}

}  // namespace
}  // namespace unpackd::notify
