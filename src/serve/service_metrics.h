// ServiceMetrics: what `serve` counts, rendered for Prometheus at /metrics (text format 0.0.4).
// Counters only grow; jobs by state and the queue depth come from the job store at scrape time
// (it is the truth after a restart), the rest is this process's since it started.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "jobs/job_record.h"
#include "util/mutex.h"

namespace unpackd {

class ServiceMetrics {
 public:
  // An event that started no job: "malformed", "not-created", "no-rule", "own-output",
  // "duplicate", "stale", "test-event", "missing-object", "unauthorized", "too-large".
  void CountDropped(std::string_view reason);
  void CountQueued();
  // A job that reached a final state or was queued again after a failure.
  void CountJobEnded(JobState state, double seconds, uint64_t members, uint64_t bytes);

  // What a queue source did with one delivery. AMQP: "acked", "rejected" (dead-lettered or
  // dropped by the broker), "requeued" (given back to retry). SQS: "deleted", "malformed"
  // (left for the dead-letter queue), "retry-later" (handed back after a backoff),
  // "handed-back" (received while stopping).
  void CountDelivery(std::string_view source, std::string_view outcome);
  // Whether a queue source can reach its broker or queue (its last receive succeeded).
  void SetSourceConnected(std::string_view source, bool connected);

  // One notification's delivery attempt to `target`: "delivered", "retry", "gone",
  // "dead-lettered".
  void CountNotification(std::string_view target, std::string_view outcome);

  // `notifications_by_state`: the outbox's "pending", "delivered" and "dead" counts.
  std::string Render(const std::map<JobState, uint64_t>& jobs_by_state,
                     const std::map<std::string, uint64_t>& notifications_by_state) const;

 private:
  // Upper bounds (seconds) of the job duration histogram's buckets, +Inf implied.
  static constexpr std::array<double, 10> kDurationBounds = {0.1, 0.5, 1,   5,    15,
                                                             60,  300, 900, 3600, 14400};
  mutable Mutex mutex_;
  std::map<std::string, uint64_t, std::less<>> dropped_ GUARDED_BY(mutex_);
  uint64_t queued_ GUARDED_BY(mutex_) = 0;
  // (source, outcome) -> deliveries; source -> connected.
  std::map<std::pair<std::string, std::string>, uint64_t> deliveries_ GUARDED_BY(mutex_);
  std::map<std::string, bool, std::less<>> connected_ GUARDED_BY(mutex_);
  // (target, outcome) -> attempts.
  std::map<std::pair<std::string, std::string>, uint64_t> notifications_ GUARDED_BY(mutex_);
  std::map<JobState, uint64_t> ended_ GUARDED_BY(mutex_);
  uint64_t members_ GUARDED_BY(mutex_) = 0;
  uint64_t bytes_ GUARDED_BY(mutex_) = 0;
  std::array<uint64_t, kDurationBounds.size()> duration_buckets_ GUARDED_BY(mutex_){};
  uint64_t duration_count_ GUARDED_BY(mutex_) = 0;
  double duration_sum_ GUARDED_BY(mutex_) = 0;
};

}  // namespace unpackd
