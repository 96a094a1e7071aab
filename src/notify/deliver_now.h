// Delivering one notification right away, waiting between attempts: for `unpackd extract
// --notify` and Lambda, which have no outbox and must know before they exit whether the
// notification arrived. The service delivers from its durable outbox instead.
#pragma once

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "notify/notification_target.h"
#include "util/cancellation.h"

namespace unpackd::notify {

// Delivers `n` to `target`, retrying kRetry answers with DelayBeforeRetry (backoff with
// jitter, or the receiver's Retry-After when longer) until it is delivered, the target is gone,
// or the next attempt could not start before `deadline`. Returns the last attempt's result, so
// kRetry means "gave up"; its detail then also says how many attempts were made. Blocks the
// calling thread (sleeping between attempts); an attempt in flight at the deadline is bounded
// by the target's own timeout, not cut short. `cancel` (optional; must outlive the call) ends
// the waiting at once and returns the last result. Never throws for delivery failures (see
// NotificationTarget::Deliver).
DeliveryResult DeliverWithRetries(NotificationTarget& target, const Notification& n,
                                  std::chrono::steady_clock::time_point deadline,
                                  const CancellationToken* cancel);

// Delivers `n` to every target `names` lists, one after another, each with DeliverWithRetries
// until `deadline`. `find` gives a target by name; a name it does not know (nullptr) counts as
// not delivered (configuration validation names every target: a bug if reached). `report`
// hears each delivered or failed target's result, for the caller's log. Returns whether every
// target has it.
bool DeliverToEach(const std::vector<std::string>& names,
                   const std::function<NotificationTarget*(const std::string&)>& find,
                   const Notification& n, std::chrono::steady_clock::time_point deadline,
                   const CancellationToken* cancel,
                   const std::function<void(const std::string&, const DeliveryResult&)>& report);

// The log line a runner writes for one target's result from DeliverToEach, so that every
// runner (serve's fleet, Lambda) reports deliveries alike.
struct DeliveryLogLine {
  const char* level;    // "info" or "error"
  const char* message;  // "notification delivered" or "notification not delivered"
  nlohmann::json fields;
};
DeliveryLogLine DescribeDelivery(const std::string& target, const std::string& event_id,
                                 const DeliveryResult& result);

}  // namespace unpackd::notify
