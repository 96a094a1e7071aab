// SlackTarget: posts SlackMessageJson(notification) to a Slack incoming webhook
// (https://hooks.slack.com/services/...; the URL is the credential and is never logged whole).
//
// Slack's answers (docs.slack.dev, incoming webhooks' errors): 200 "ok" delivered; 429 retry
// after its Retry-After; 401, 403 (action_prohibited, invalid_token), 404 (no_service,
// channel_not_found, no_team) and 410 (channel_is_archived) gone: the hook or channel is
// removed or barred and will not come back by waiting. 400 (invalid_payload, ...) retries: it
// is about this message, not the hook, so the hook stays in use and the outbox dead-letters the
// message when its time is up. 5xx, 3xx (never followed) and transport failures retry.
#pragma once

#include <chrono>
#include <string>

#include "net/http_client.h"
#include "notify/notification_target.h"

namespace unpackd::notify {

struct SlackTargetOptions {
  std::string name;
  std::string url;                            // the incoming webhook's URL: a secret
  std::chrono::milliseconds timeout{10'000};  // per request
};

class SlackTarget : public NotificationTarget {
 public:
  // `http` is not owned and must outlive the target.
  SlackTarget(SlackTargetOptions options, net::HttpClient& http);

  const std::string& name() const override { return options_.name; }
  // See NotificationTarget::Deliver.
  DeliveryResult Deliver(const Notification& n) override;

 private:
  const SlackTargetOptions options_;
  net::HttpClient& http_;
};

}  // namespace unpackd::notify
