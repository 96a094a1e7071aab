// WebhookTarget against real HTTP receivers on 127.0.0.1: signed, idempotent, and the answers
// (2xx, 410, 429, 5xx, 3xx, no listener) become the right DeliveryResult.
#include "notify/webhook_target.h"

#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "notify/deliver_now.h"
#include "notify/outcomes.h"
#include "notify/webhook_signature.h"
#include "support/http_receiver.h"
#include "support/loopback_port.h"

namespace unpackd::notify {
namespace {

using ::unpackd::testing::HttpReceiver;
using ::unpackd::testing::ReceivedRequest;
using ::unpackd::testing::ReceiverAnswer;
using Status = DeliveryResult::Status;
using Clock = std::chrono::steady_clock;

constexpr char kSecret[] = "whsec_9f8e7d6c5b4a";

int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

net::HttpClient& Http() {
  static net::HttpClient client{net::HttpClientOptions{}};
  return client;
}

WebhookTarget Target(const std::string& url) {
  return WebhookTarget(WebhookTargetOptions{"backend", url, kSecret, std::chrono::seconds(5)},
                       Http());
}

// A receiver as docs/notifications.md tells users to write one: verify the signature (rejecting
// timestamps older than 5 minutes), then drop an event id it has already seen.
class VerifyingReceiver {
 public:
  VerifyingReceiver()
      : server_([this](const ReceivedRequest& request) { return Handle(request); }) {}

  std::string url() const { return server_.url("/hooks/unpackd"); }
  const std::vector<std::string>& accepted() const { return accepted_; }
  int duplicates() const { return duplicates_; }
  int rejected() const { return rejected_; }

 private:
  ReceiverAnswer Handle(const ReceivedRequest& request) {
    if (!VerifySignatureHeader(kSecret, request.Header("unpackd-signature"), request.body,
                               UnixNow(), 300)) {
      ++rejected_;
      return {401, {}, "bad signature"};
    }
    const std::string event_id = request.Header("unpackd-event-id");
    if (event_id.empty() || request.Header("idempotency-key") != event_id ||
        nlohmann::json::parse(request.body)["event_id"] != event_id) {
      ++rejected_;
      return {400, {}, "event id headers disagree with the body"};
    }
    if (!seen_.insert(event_id).second) {
      ++duplicates_;
      return {200, {}, "duplicate"};
    }
    accepted_.push_back(request.body);
    return {204, {}, ""};
  }

  std::set<std::string> seen_;
  std::vector<std::string> accepted_;
  int duplicates_ = 0;
  int rejected_ = 0;
  HttpReceiver server_;  // last: stopped first, while the state it uses still exists
};

TEST(WebhookTargetTest, ReceiverVerifiesTheSignatureAndDropsTheDuplicate) {
  VerifyingReceiver receiver;
  WebhookTarget target = Target(receiver.url());
  const Notification n = BuildNotification(testing::SucceededOutcome());
  const DeliveryResult first = target.Deliver(n);
  EXPECT_EQ(first.status, Status::kDelivered) << first.detail;
  EXPECT_EQ(first.detail, "HTTP 204");
  // At least once: the same notification again (an outbox replay) is recognised.
  EXPECT_EQ(target.Deliver(n).status, Status::kDelivered);
  ASSERT_EQ(receiver.accepted().size(), 1u);
  EXPECT_EQ(receiver.accepted()[0], n.payload_json);  // byte for byte, Korean included
  EXPECT_EQ(receiver.duplicates(), 1);
  EXPECT_EQ(receiver.rejected(), 0);
}

TEST(WebhookTargetTest, ASignatureUnderAnotherSecretIsRejectedByTheReceiver) {
  VerifyingReceiver receiver;
  WebhookTarget target(WebhookTargetOptions{"backend", receiver.url(), "not the secret"}, Http());
  const DeliveryResult result = target.Deliver(BuildNotification(testing::SucceededOutcome()));
  EXPECT_EQ(result.status, Status::kRetry);
  EXPECT_EQ(result.detail, "HTTP 401: bad signature");
  EXPECT_EQ(receiver.rejected(), 1);
}

TEST(WebhookTargetTest, SendsJsonContentTypeAndUserAgent) {
  HttpReceiver receiver([](const ReceivedRequest&) { return ReceiverAnswer{200}; });
  ASSERT_EQ(Target(receiver.url()).Deliver(BuildNotification(testing::RefusedOutcome())).status,
            Status::kDelivered);
  const ReceivedRequest request = receiver.requests().at(0);
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.Header("content-type"), "application/json");
  EXPECT_EQ(request.Header("user-agent").rfind("unpackd/", 0), 0u);
}

TEST(WebhookTargetTest, ServerErrorThenSuccessIsDeliveredByRetrying) {
  int calls = 0;
  HttpReceiver receiver([&](const ReceivedRequest&) {
    return ++calls <= 2 ? ReceiverAnswer{500, {}, "database is down"} : ReceiverAnswer{200};
  });
  WebhookTarget target = Target(receiver.url());
  const Notification n = BuildNotification(testing::StoreFailedOutcome());
  const DeliveryResult once = target.Deliver(n);
  EXPECT_EQ(once.status, Status::kRetry);
  EXPECT_EQ(once.detail, "HTTP 500: database is down");
  const DeliveryResult result =
      DeliverWithRetries(target, n, Clock::now() + std::chrono::seconds(20), nullptr);
  EXPECT_EQ(result.status, Status::kDelivered) << result.detail;
  EXPECT_EQ(receiver.requests().size(), 3u);
}

TEST(WebhookTargetTest, NothingListeningIsRetryNamingTheTransportError) {
  const std::string url =
      "http://127.0.0.1:" + std::to_string(::unpackd::testing::FreeLoopbackPort()) + "/hook";
  const DeliveryResult result = Target(url).Deliver(BuildNotification(testing::SucceededOutcome()));
  EXPECT_EQ(result.status, Status::kRetry);
  EXPECT_FALSE(result.retry_after.has_value());
  EXPECT_NE(result.detail.find("POST http://127.0.0.1:"), std::string::npos) << result.detail;
  EXPECT_NE(result.detail.find("onnect"), std::string::npos) << result.detail;  // curl's reason
  EXPECT_EQ(result.detail.find("/hook"), std::string::npos) << result.detail;   // path redacted
}

TEST(WebhookTargetTest, GoneIsGone) {
  HttpReceiver receiver([](const ReceivedRequest&) {
    return ReceiverAnswer{410, {}, "endpoint retired"};
  });
  const DeliveryResult result =
      Target(receiver.url()).Deliver(BuildNotification(testing::SucceededOutcome()));
  EXPECT_EQ(result.status, Status::kGone);
  EXPECT_EQ(result.detail, "HTTP 410: endpoint retired");
}

TEST(WebhookTargetTest, TooManyRequestsHonoursRetryAfter) {
  std::mutex mutex;
  std::vector<Clock::time_point> arrivals;
  HttpReceiver receiver([&](const ReceivedRequest&) {
    std::lock_guard lock(mutex);
    arrivals.push_back(Clock::now());
    return arrivals.size() == 1 ? ReceiverAnswer{429, {{"Retry-After", "2"}}, "slow down"}
                                : ReceiverAnswer{200};
  });
  WebhookTarget target = Target(receiver.url());
  const Notification n = BuildNotification(testing::SucceededOutcome());
  const DeliveryResult once = target.Deliver(n);
  EXPECT_EQ(once.status, Status::kRetry);
  EXPECT_EQ(once.retry_after, std::chrono::milliseconds(2000));
  {
    std::lock_guard lock(mutex);
    arrivals.clear();
  }
  const DeliveryResult result =
      DeliverWithRetries(target, n, Clock::now() + std::chrono::seconds(20), nullptr);
  EXPECT_EQ(result.status, Status::kDelivered) << result.detail;
  std::lock_guard lock(mutex);
  ASSERT_EQ(arrivals.size(), 2u);
  // The backoff alone would have waited 0.5 to 1 s.
  EXPECT_GE(arrivals[1] - arrivals[0], std::chrono::milliseconds(1900));
}

TEST(WebhookTargetTest, ARedirectToAnotherHostIsNotFollowed) {
  HttpReceiver elsewhere([](const ReceivedRequest&) { return ReceiverAnswer{200}; });
  const std::string location = "http://localhost:" + std::to_string(elsewhere.port()) + "/steal";
  HttpReceiver receiver([&](const ReceivedRequest&) {
    return ReceiverAnswer{302, {{"Location", location}}, ""};
  });
  const DeliveryResult result =
      Target(receiver.url()).Deliver(BuildNotification(testing::SucceededOutcome()));
  EXPECT_EQ(result.status, Status::kRetry);
  EXPECT_NE(result.detail.find("HTTP 302: redirects are not followed"), std::string::npos)
      << result.detail;
  EXPECT_NE(result.detail.find("http://localhost:" + std::to_string(elsewhere.port()) + "/…"),
            std::string::npos)
      << result.detail;
  EXPECT_EQ(receiver.requests().size(), 1u);
  EXPECT_TRUE(elsewhere.requests().empty());
}

TEST(WebhookTargetTest, DeliverWithRetriesGivesUpAtTheDeadline) {
  HttpReceiver receiver([](const ReceivedRequest&) { return ReceiverAnswer{503, {}, "later"}; });
  WebhookTarget target = Target(receiver.url());
  const auto start = Clock::now();
  const DeliveryResult result =
      DeliverWithRetries(target, BuildNotification(testing::SucceededOutcome()),
                         start + std::chrono::milliseconds(2500), nullptr);
  EXPECT_EQ(result.status, Status::kRetry);
  EXPECT_NE(result.detail.find("HTTP 503: later (gave up after"), std::string::npos)
      << result.detail;
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(2500));
  EXPECT_GE(receiver.requests().size(), 2u);
}

TEST(WebhookTargetTest, DeliverWithRetriesStopsWhenCancelled) {
  HttpReceiver receiver([](const ReceivedRequest&) {
    return ReceiverAnswer{429, {{"Retry-After", "60"}}, ""};
  });
  WebhookTarget target = Target(receiver.url());
  CancellationToken cancel;
  const auto start = Clock::now();
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    cancel.Cancel();
  });
  const DeliveryResult result =
      DeliverWithRetries(target, BuildNotification(testing::SucceededOutcome()),
                         start + std::chrono::minutes(5), &cancel);
  canceller.join();
  EXPECT_EQ(result.status, Status::kRetry);
  EXPECT_NE(result.detail.find("cancelled"), std::string::npos) << result.detail;
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
}

}  // namespace
}  // namespace unpackd::notify
