// WebhookTarget: POSTs the notification's payload, byte for byte, to a receiver of the user's
// (the backend), signed so the receiver can trust it (webhook_signature.h). Headers:
//   Content-Type: application/json
//   Unpackd-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
//   Unpackd-Event-Id: <event id>    Idempotency-Key: <event id>   (the same value: a receiver
//                                    drops a notification whose id it has seen)
//   User-Agent: unpackd/<version>
// Answers: 2xx delivered; 410 gone (the receiver says "stop"); anything else, including 3xx
// (redirects are never followed: a signed body must not be sent to a host nobody configured)
// and transport failures, retry, honouring Retry-After.
#pragma once

#include <chrono>
#include <string>

#include "net/http_client.h"
#include "notify/notification_target.h"

namespace unpackd::notify {

struct WebhookTargetOptions {
  std::string name;
  std::string url;     // checked by the caller (target_config.h); never logged whole
  std::string secret;  // the HMAC key; never logged
  std::chrono::milliseconds timeout{10'000};  // per request
};

class WebhookTarget : public NotificationTarget {
 public:
  // `http` is not owned and must outlive the target.
  WebhookTarget(WebhookTargetOptions options, net::HttpClient& http);

  const std::string& name() const override { return options_.name; }
  // See NotificationTarget::Deliver. Signs with the current time.
  DeliveryResult Deliver(const Notification& n) override;

 private:
  const WebhookTargetOptions options_;
  net::HttpClient& http_;
};

}  // namespace unpackd::notify
