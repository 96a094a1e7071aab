// Delivering one notification right away, waiting between attempts: for `unpackd extract
// --notify` and Lambda, which have no outbox and must know before they exit whether the
// notification arrived. The service delivers from its durable outbox instead.
#pragma once

#include <chrono>

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

}  // namespace unpackd::notify
