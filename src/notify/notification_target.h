// NotificationTarget: one place notifications go (a webhook, a Slack channel, ...). A target
// makes one delivery attempt per call and says what the caller should do next; retrying,
// backing off and remembering what is pending are the caller's (deliver_now.h for a one-shot
// command, the durable outbox in jobs/ for the service).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "notify/notification.h"

namespace unpackd::notify {

struct DeliveryResult {
  enum class Status {
    kDelivered,  // the receiver accepted it: done
    kRetry,      // not delivered, and trying again later may help (network, 5xx, 429, ...)
    kGone,       // the target will never accept anything again (410, a deleted Slack hook):
                 // stop delivering to it until someone reconfigures it
  };
  Status status = Status::kRetry;
  // The receiver's own wish (Retry-After), when it said one; the caller waits at least this long.
  std::optional<std::chrono::milliseconds> retry_after;
  // For logs and `notifications list`: "HTTP 500: <first 200 bytes of body>", or the transport
  // error. Never holds a secret or a Slack URL's path.
  std::string detail;

  static DeliveryResult Delivered(std::string detail) {
    return {Status::kDelivered, std::nullopt, std::move(detail)};
  }
  static DeliveryResult Retry(std::string detail,
                              std::optional<std::chrono::milliseconds> retry_after = std::nullopt) {
    return {Status::kRetry, retry_after, std::move(detail)};
  }
  static DeliveryResult Gone(std::string detail) {
    return {Status::kGone, std::nullopt, std::move(detail)};
  }
};

// "delivered", "retry", "gone": for logs and JSON.
inline const char* DeliveryStatusName(DeliveryResult::Status status) {
  switch (status) {
    case DeliveryResult::Status::kDelivered:
      return "delivered";
    case DeliveryResult::Status::kRetry:
      return "retry";
    case DeliveryResult::Status::kGone:
      return "gone";
  }
  return "retry";
}

class NotificationTarget {
 public:
  virtual ~NotificationTarget() = default;

  // The target's configured name, for logs and the outbox ("backend", "slack-ops").
  virtual const std::string& name() const = 0;

  // Makes one attempt to deliver `n`. Thread-safe: one target may deliver many notifications at
  // once. Blocks for at most the target's timeout (plus connecting). Never throws for HTTP or
  // transport failures: those are kRetry (or kGone, see DeliveryResult); throws only for a bug
  // (Error(kInternal): a notification BuildNotification did not make).
  virtual DeliveryResult Deliver(const Notification& n) = 0;
};

}  // namespace unpackd::notify
