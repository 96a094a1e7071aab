// NotificationDispatcher: delivers the job store's outbox (jobs/job_store.h), the
// notifications a job's end recorded in the same transaction as that end. One loop on the
// service lane takes each target's oldest pending notification that is due, delivers it, and
// records what happened:
//   delivered - done;
//   retry     - due again after an exponential backoff with jitter (notify/delivery_backoff.h,
//               capped by the policy), or the target's Retry-After when that is later;
//               dead-lettered once the notification is older than the policy's max age;
//   gone      - the target said it will never accept anything (webhook 410, a revoked Slack
//               webhook): logged, the target is disabled until restart and its pending
//               notifications are dead-lettered.
// A notification for a target that is no longer configured is dead-lettered. Dead-lettered
// notifications stay in the store for `unpackd notifications list|retry`.
//
// Delivery is at least once: a crash between a target's answer and MarkNotificationDelivered
// sends it again after the restart, with the same event id (the receiver's idempotency key).
// Per target, notifications go out in the order their jobs ended, one at a time; targets do
// not wait for each other's backoff, but a slow answer from one target delays the others by
// up to that target's timeout (one loop).
//
// Thread safety: Wake and Stop may be called from any thread; Run runs on one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "jobs/job_store.h"
#include "notify/notification_target.h"
#include "serve/service_log.h"
#include "serve/service_metrics.h"
#include "util/wakeup.h"

namespace unpackd {

struct DispatchPolicy {
  std::chrono::seconds max_age{24 * 3600};  // then dead-lettered
  // The longest pause between two attempts (notify/delivery_backoff.h grows it to 10 min);
  // a target's Retry-After may ask for longer.
  std::chrono::milliseconds max_retry_interval{600'000};
};

class NotificationDispatcher {
 public:
  using Targets = std::map<std::string, std::unique_ptr<notify::NotificationTarget>, std::less<>>;
  // Borrows `jobs`, `metrics` and `log`, which must outlive Run.
  NotificationDispatcher(JobStore& jobs, Targets targets, const DispatchPolicy& policy,
                         ServiceMetrics& metrics, ServiceLog& log);

  // Delivers until Stop. Store errors are logged and retried; nothing escapes.
  void Run();
  // A job ended with notifications: look now.
  void Wake() { wakeup_.Notify(); }
  // Run returns after the delivery in flight, if any, has its answer.
  void Stop() { wakeup_.Close(); }

  // Delivers what is due now, once; the number of notifications attempted. For Run, and for
  // tests that drive the dispatcher by hand.
  size_t DeliverDue();

 private:
  void Deliver(const OutboxEntry& entry, int64_t now_ms);
  void Retry(const OutboxEntry& entry, const notify::DeliveryResult& result, int64_t now_ms);
  void Disable(const std::string& target, const notify::DeliveryResult& result, int64_t now_ms);
  // Delivered entries are kept a while for operators; the store drops old ones when asked.
  void PruneHourly();

  JobStore& jobs_;
  Targets targets_;
  const std::chrono::seconds max_age_;
  const std::chrono::milliseconds max_retry_interval_;
  ServiceMetrics& metrics_;
  ServiceLog& log_;
  // Touched by the thread that delivers only.
  std::set<std::string, std::less<>> disabled_;
  std::optional<std::chrono::steady_clock::time_point> last_prune_;
  Wakeup wakeup_;
};

}  // namespace unpackd
