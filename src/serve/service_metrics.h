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

#include "jobs/job_record.h"
#include "util/mutex.h"

namespace unpackd {

class ServiceMetrics {
 public:
  // An event that started no job: "malformed", "not-created", "no-rule", "own-output",
  // "duplicate", "stale", "test-event", "missing-object", "unauthorized", "too-large".
  void CountDropped(std::string_view reason);
  void CountQueued();
  // An SQS message "received", then "deleted", "malformed" (left for the dead-letter queue),
  // "retry-later" (handed back after a backoff) or "handed-back" (received while stopping).
  void CountSqsMessage(std::string_view outcome);
  // A ReceiveMessage that failed (after the client's own retries).
  void CountSqsReceiveError();
  // A job that reached a final state or was queued again after a failure.
  void CountJobEnded(JobState state, double seconds, uint64_t members, uint64_t bytes);

  std::string Render(const std::map<JobState, uint64_t>& jobs_by_state) const;

 private:
  // Upper bounds (seconds) of the job duration histogram's buckets, +Inf implied.
  static constexpr std::array<double, 10> kDurationBounds = {0.1, 0.5, 1,   5,    15,
                                                             60,  300, 900, 3600, 14400};
  mutable Mutex mutex_;
  std::map<std::string, uint64_t, std::less<>> dropped_ GUARDED_BY(mutex_);
  uint64_t queued_ GUARDED_BY(mutex_) = 0;
  std::map<std::string, uint64_t, std::less<>> sqs_messages_ GUARDED_BY(mutex_);
  uint64_t sqs_receive_errors_ GUARDED_BY(mutex_) = 0;
  std::map<JobState, uint64_t> ended_ GUARDED_BY(mutex_);
  uint64_t members_ GUARDED_BY(mutex_) = 0;
  uint64_t bytes_ GUARDED_BY(mutex_) = 0;
  std::array<uint64_t, kDurationBounds.size()> duration_buckets_ GUARDED_BY(mutex_){};
  uint64_t duration_count_ GUARDED_BY(mutex_) = 0;
  double duration_sum_ GUARDED_BY(mutex_) = 0;
};

}  // namespace unpackd
