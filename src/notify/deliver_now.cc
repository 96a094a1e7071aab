#include "notify/deliver_now.h"

#include <random>

#include "notify/delivery_backoff.h"
#include "util/mutex.h"

namespace unpackd::notify {
namespace {

using Clock = std::chrono::steady_clock;

// Sleeps until `until` or until `cancel` fires, whichever comes first.
void SleepUnlessCancelled(Clock::time_point until, const CancellationToken* cancel) {
  Mutex mutex;
  CondVar woken;
  CancellationToken::Subscription subscription;
  if (cancel != nullptr) {
    subscription = cancel->OnCancel([&] {
      MutexLock lock(mutex);
      woken.NotifyAll();
    });
  }
  MutexLock lock(mutex);
  while (Clock::now() < until && (cancel == nullptr || !cancel->cancelled())) {
    woken.WaitUntil(mutex, until);
  }
}

void NoteAttempts(DeliveryResult& result, int attempts, const char* why) {
  result.detail += " (gave up after " + std::to_string(attempts) +
                   (attempts == 1 ? " attempt: " : " attempts: ") + why + ")";
}

}  // namespace

DeliveryResult DeliverWithRetries(NotificationTarget& target, const Notification& n,
                                  Clock::time_point deadline, const CancellationToken* cancel) {
  std::mt19937_64 random{std::random_device{}()};
  std::uniform_real_distribution<double> jitter(0.0, 1.0);
  for (int attempts = 1;; ++attempts) {
    DeliveryResult result = target.Deliver(n);
    if (result.status != DeliveryResult::Status::kRetry) return result;
    const Clock::time_point next =
        Clock::now() + DelayBeforeRetry(attempts, jitter(random), result.retry_after);
    if (next >= deadline) {
      NoteAttempts(result, attempts, "the next one would start after the deadline");
      return result;
    }
    SleepUnlessCancelled(next, cancel);
    if (cancel != nullptr && cancel->cancelled()) {
      NoteAttempts(result, attempts, "cancelled");
      return result;
    }
  }
}

bool DeliverToEach(const std::vector<std::string>& names,
                   const std::function<NotificationTarget*(const std::string&)>& find,
                   const Notification& n, std::chrono::steady_clock::time_point deadline,
                   const CancellationToken* cancel,
                   const std::function<void(const std::string&, const DeliveryResult&)>& report) {
  bool all = true;
  for (const std::string& name : names) {
    NotificationTarget* target = find(name);
    if (target == nullptr) {
      all = false;
      continue;
    }
    const DeliveryResult result = DeliverWithRetries(*target, n, deadline, cancel);
    all = all && result.status == DeliveryResult::Status::kDelivered;
    report(name, result);
  }
  return all;
}

DeliveryLogLine DescribeDelivery(const std::string& target, const std::string& event_id,
                                 const DeliveryResult& result) {
  const bool delivered = result.status == DeliveryResult::Status::kDelivered;
  return {delivered ? "info" : "error",
          delivered ? "notification delivered" : "notification not delivered",
          {{"target", target},
           {"event_id", event_id},
           {"status", DeliveryStatusName(result.status)},
           {"detail", result.detail}}};
}

}  // namespace unpackd::notify
