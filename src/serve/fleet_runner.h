// FleetRunner: how a worker of a fleet (rules/service_config.h, FleetConfig) runs one queue
// message. Workers share nothing but the queue and the object store, so a message is the job's
// only record: the source settles it only when Run returned, and a worker killed before that
// leaves it with the queue, which hands it to another worker (members already written are
// kept; the store's manifest, written with If-None-Match, decides that a job is done).
//
// A message is an S3 event (admitted by the rules as serve's intake does) or a JobMessage
// (rules/job_message.h) that a worker published:
//   - an archive whose plan exceeds the shard bounds is not extracted: its shard jobs are
//     published instead, one message each, and the worker whose shard completes the set
//     writes the manifest (extract/shard_record.h) and notifies;
//   - a run that failed in a way a retry may cure is published again with the next attempt
//     number, after a backoff, until FleetConfig::max_attempts; then, as for a refused archive,
//     the job has failed: the run that creates the archive version's failure claim
//     (notify/notified_marker.h) sends the one failure notification;
//   - notifications are delivered before the message is settled (there is no outbox), and the
//     notified marker keeps a duplicate event from telling twice.
//
// Thread safety: Run may be called from many threads at once; Cancel from any thread.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "extract/memory_plan.h"
#include "notify/notification_target.h"
#include "rules/job_message.h"
#include "rules/service_config.h"
#include "serve/service_log.h"
#include "serve/service_metrics.h"
#include "store/object_store.h"
#include "util/cancellation.h"
#include "util/executor.h"
#include "util/wakeup.h"

namespace unpackd {

// What the source does with a message once Run returned: first publish `publish` to the same
// queue (each one durably, before the settlement), then settle.
struct FleetVerdict {
  enum class Settle {
    kAck,      // done with: the job ended, was handed on, or was never one
    kReject,   // malformed: to the dead-letter queue, never retried as it is
    kRequeue,  // not run to an end (the worker is stopping, the store could not say): again
  };
  Settle settle = Settle::kAck;
  std::vector<std::string> publish;
  std::string reason;  // for kReject and kRequeue
};

class FleetRunner {
 public:
  using Targets = std::map<std::string, std::unique_ptr<notify::NotificationTarget>, std::less<>>;

  // Borrows everything but `targets`; `store` holds the archives and their destinations.
  FleetRunner(const ServiceConfig& config, ObjectStore& store, Executor& executor,
              const MemoryPlan& per_job, Targets targets, ServiceMetrics& metrics, ServiceLog& log);
  FleetRunner(const FleetRunner&) = delete;
  FleetRunner& operator=(const FleetRunner&) = delete;

  // Runs what `body` asks to its end (or to a cancellation). Never throws.
  FleetVerdict Run(std::string_view body, std::string_view source);

  // Runs in progress; a stopping service waits for them to reach 0 before it cancels.
  size_t running() const { return running_.load(); }
  // Makes running jobs stop at their next member (their messages are requeued) and ends
  // backoff waits at once. Idempotent.
  void Cancel();

 private:
  // Runs one job; adds to `verdict` what it publishes, or requeues the message.
  void RunJob(const JobMessage& job, FleetVerdict& verdict);
  // Delivers the job's end to the rule's targets; false when one was not delivered.
  bool Notify(const Rule& rule, const notify::JobOutcome& outcome, bool already_complete);
  // Waits out the backoff before `job`'s next attempt; false when cancelled meanwhile.
  bool WaitBeforeRetry(const JobMessage& job);

  const ServiceConfig& config_;
  ObjectStore& store_;
  Executor& executor_;
  const MemoryPlan per_job_;
  const Targets targets_;
  ServiceMetrics& metrics_;
  ServiceLog& log_;
  CancellationToken cancel_;
  Wakeup stopping_;  // closed by Cancel: ends backoff waits
  std::atomic<size_t> running_{0};
};

}  // namespace unpackd
