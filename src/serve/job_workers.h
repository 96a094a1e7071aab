// JobWorkers: the loops that run queued jobs. Each claims the oldest due job from the job
// store, runs it with RunExtractJob (extract/extract_job.h) and records how it ended:
//   done     - the manifest exists (a rerun of a finished archive version is done at once);
//   refused  - the archive is hostile or unsupported: final, never retried by itself;
//   failed   - retried with backoff while a retry can help (store outages, throttling,
//              credentials), final once it cannot (the object is gone or was replaced, a
//              configuration error) or attempts are spent.
// Each worker runs one job at a time, so a huge archive holds one worker while the others
// keep taking small ones; all of them share one memory plan split between the workers.
//
// Thread safety: Start, Wake and Stop may be called from any thread; the loops run on the
// executor's service lane.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>

#include "extract/memory_plan.h"
#include "jobs/job_store.h"
#include "rules/service_config.h"
#include "serve/service_log.h"
#include "serve/service_metrics.h"
#include "store/object_store.h"
#include "util/cancellation.h"
#include "util/executor.h"
#include "util/mutex.h"

namespace unpackd {

// The store an archive named by a job lives in (by its event's origin), and where its members
// go (the same store: a rule's destination bucket is in the same store as its source).
using StoreForJob = std::function<ObjectStore&(const JobRequest&)>;

class JobWorkers {
 public:
  // Borrows everything; all must outlive Stop(). `per_job` is the memory plan of one job.
  // A job's end records the notifications its rule asks for (notify/notification.h) in the
  // job store's outbox, in the same transaction; `notified` is then called (from a worker's
  // thread) so that their delivery starts at once.
  JobWorkers(const ServiceConfig& config, JobStore& jobs, StoreForJob store_for, Executor& executor,
             const MemoryPlan& per_job, ServiceMetrics& metrics, ServiceLog& log,
             std::function<void()> notified);
  ~JobWorkers();
  JobWorkers(const JobWorkers&) = delete;
  JobWorkers& operator=(const JobWorkers&) = delete;

  // Starts `count` loops.
  void Start(size_t count);
  // Tells idle loops that a job may be due.
  void Wake();
  // Stops claiming new jobs; running ones may finish within `grace`, then are cancelled (they
  // stop at a member boundary and are queued again to resume). Returns when every loop has
  // returned. Idempotent.
  void Stop(std::chrono::milliseconds grace);

 private:
  void Loop();
  void Run(const JobRecord& job);
  // Sleeps until woken (wakeups_ moves past `seen`), the next queued job is due, or Stop.
  void WaitForWork(uint64_t seen);

  const ServiceConfig& config_;
  JobStore& jobs_;
  const StoreForJob store_for_;
  Executor& executor_;
  const MemoryPlan per_job_;
  ServiceMetrics& metrics_;
  ServiceLog& log_;
  const std::function<void()> notified_;
  CancellationToken cancel_;  // fired when the grace period ends

  Mutex mutex_;
  CondVar changed_;
  bool stopping_ GUARDED_BY(mutex_) = false;
  uint64_t wakeups_ GUARDED_BY(mutex_) = 0;
  size_t loops_ GUARDED_BY(mutex_) = 0;  // running
};

}  // namespace unpackd
