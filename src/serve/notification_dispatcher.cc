#include "serve/notification_dispatcher.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

#include "notify/delivery_backoff.h"
#include "serve/wall_clock.h"
#include "util/error.h"
#include "util/spread.h"

namespace unpackd {
namespace {

// Each target's head notification at most; more than this many targets take another round.
constexpr size_t kBatch = 32;
// How long an idle loop sleeps before looking again: `unpackd notifications retry` (another
// process) cannot wake it.
constexpr int64_t kIdlePollMs = 2000;

// The outbox keeps the payload as it was built; its kind is in it.
notify::Notification NotificationFromOutbox(const OutboxEntry& entry) {
  notify::Notification notification;
  notification.event_id = entry.event_id;
  notification.payload_json = entry.payload_json;
  const nlohmann::json payload = nlohmann::json::parse(entry.payload_json, nullptr, false);
  if (payload.is_object() && payload.contains("kind") && payload["kind"].is_string()) {
    notification.kind = notify::ParseNotificationKind(payload["kind"].get<std::string>())
                            .value_or(notify::NotificationKind::kJobFailed);
  }
  return notification;
}

}  // namespace

NotificationDispatcher::NotificationDispatcher(JobStore& jobs, Targets targets,
                                               const DispatchPolicy& policy,
                                               ServiceMetrics& metrics, ServiceLog& log)
    : jobs_(jobs),
      targets_(std::move(targets)),
      max_age_(policy.max_age),
      max_retry_interval_(policy.max_retry_interval),
      metrics_(metrics),
      log_(log) {}

void NotificationDispatcher::Run() {
  while (!wakeup_.closed()) {
    const uint64_t ticket = wakeup_.Ticket();
    size_t attempted = 0;
    std::optional<int64_t> due;
    try {
      attempted = DeliverDue();
      if (attempted == 0) due = jobs_.NextNotificationDueMs();
    } catch (const Error& e) {
      log_.Write("error", "notification outbox unavailable", {{"error", e.what()}});
      due = NowMs() + 1000;
    }
    if (attempted > 0) continue;
    const int64_t wait_ms = std::clamp<int64_t>(due ? *due - NowMs() : kIdlePollMs, 0, kIdlePollMs);
    wakeup_.WaitUntil(ticket,
                      std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms));
  }
}

void NotificationDispatcher::PruneHourly() {
  const auto now = std::chrono::steady_clock::now();
  if (last_prune_ && now - *last_prune_ < std::chrono::hours(1)) return;
  last_prune_ = now;
  const uint64_t pruned = jobs_.PruneDelivered(NowMs());
  if (pruned > 0) log_.Write("info", "delivered notifications pruned", {{"count", pruned}});
}

size_t NotificationDispatcher::DeliverDue() {
  PruneHourly();
  const std::vector<OutboxEntry> due = jobs_.DueNotifications(NowMs(), kBatch);
  for (const OutboxEntry& entry : due) {
    if (wakeup_.closed()) break;
    Deliver(entry, NowMs());
  }
  return due.size();
}

void NotificationDispatcher::Deliver(const OutboxEntry& entry, int64_t now_ms) {
  const auto target = targets_.find(entry.target);
  if (target == targets_.end() || disabled_.contains(entry.target)) {
    const std::string why = target == targets_.end()
                                ? "target \"" + entry.target + "\" is no longer configured"
                                : "target \"" + entry.target + "\" is disabled (it answered gone)";
    jobs_.MarkNotificationDead(entry.id, why, now_ms);
    metrics_.CountNotification(entry.target, "dead-lettered");
    log_.Write("warn", "notification dead-lettered",
               {{"notification_id", entry.id}, {"target", entry.target}, {"reason", why}});
    return;
  }
  const notify::DeliveryResult result = target->second->Deliver(NotificationFromOutbox(entry));
  const int64_t answered_ms = NowMs();
  metrics_.CountNotification(entry.target, notify::DeliveryStatusName(result.status));
  switch (result.status) {
    case notify::DeliveryResult::Status::kDelivered:
      jobs_.MarkNotificationDelivered(entry.id, answered_ms);
      log_.Write("info", "notification delivered",
                 {{"notification_id", entry.id},
                  {"target", entry.target},
                  {"event_id", entry.event_id},
                  {"job_id", entry.job_id},
                  {"attempt", entry.attempts + 1}});
      return;
    case notify::DeliveryResult::Status::kRetry:
      Retry(entry, result, answered_ms);
      return;
    case notify::DeliveryResult::Status::kGone:
      Disable(entry.target, result, answered_ms);
      return;
  }
}

void NotificationDispatcher::Retry(const OutboxEntry& entry, const notify::DeliveryResult& result,
                                   int64_t now_ms) {
  if (now_ms - entry.created_ms >=
      std::chrono::duration_cast<std::chrono::milliseconds>(max_age_).count()) {
    const std::string why = "undelivered after " + std::to_string(max_age_.count()) +
                            " s; last answer: " + result.detail;
    jobs_.MarkNotificationDead(entry.id, why, now_ms);
    metrics_.CountNotification(entry.target, "dead-lettered");
    log_.Write("error", "notification dead-lettered",
               {{"notification_id", entry.id}, {"target", entry.target}, {"reason", why}});
    return;
  }
  std::chrono::milliseconds delay = std::min<std::chrono::milliseconds>(
      notify::NextDeliveryDelay(
          entry.attempts + 1,
          SpreadPoint(static_cast<uint64_t>(entry.id), static_cast<uint64_t>(entry.attempts))),
      max_retry_interval_);
  // The receiver's own wish wins even over the configured cap: it knows when it can take more.
  if (result.retry_after) delay = std::max(delay, *result.retry_after);
  jobs_.MarkNotificationRetry(entry.id, now_ms + delay.count(), result.detail, now_ms);
  log_.Write("warn", "notification not delivered; will retry",
             {{"notification_id", entry.id},
              {"target", entry.target},
              {"attempt", entry.attempts + 1},
              {"retry_in_ms", delay.count()},
              {"error", result.detail}});
}

void NotificationDispatcher::Disable(const std::string& target,
                                     const notify::DeliveryResult& result, int64_t now_ms) {
  disabled_.insert(target);
  const std::string why = "target \"" + target + "\" answered gone: " + result.detail;
  jobs_.DeadLetterTarget(target, why, now_ms);
  metrics_.CountNotification(target, "dead-lettered");
  log_.Write("error",
             "notification target disabled until restart; its notifications are dead-lettered",
             {{"target", target}, {"reason", result.detail}});
}

}  // namespace unpackd
