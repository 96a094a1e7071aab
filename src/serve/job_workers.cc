#include "serve/job_workers.h"

#include <algorithm>
#include <cstdint>

#include "jobs/job_retry.h"
#include "notify/notification.h"
#include "rules/rule_match.h"
#include "serve/wall_clock.h"
#include "util/error.h"
#include "util/spread.h"

namespace unpackd {

namespace {

// The job's end as a notification sees it; the caller sets the result or the failure.
notify::JobOutcome OutcomeOf(const JobRecord& record, const ExtractJob& extract, int64_t started_ms,
                             double seconds) {
  notify::JobOutcome outcome;
  outcome.job = extract;
  outcome.identity = notify::IdentifyJob(extract, record.request.etag, record.request.version_id);
  outcome.archive_size = record.request.size;
  outcome.attempts = record.attempts;
  outcome.started_at_ms = started_ms;
  outcome.ended_at_ms = NowMs();
  outcome.duration_seconds = seconds;
  return outcome;
}

// One outbox message per target the rule names, all carrying the same notification.
std::vector<OutboxMessage> Notifications(const Rule* rule, const notify::JobOutcome& outcome) {
  std::vector<OutboxMessage> messages;
  if (rule == nullptr || rule->notify.empty()) return messages;
  const notify::Notification notification = notify::BuildNotification(outcome);
  for (const std::string& target : rule->notify) {
    messages.push_back({target, notification.event_id, notification.payload_json});
  }
  return messages;
}

double JitterFor(const JobRecord& job) {
  return SpreadPoint(static_cast<uint64_t>(job.id), static_cast<uint64_t>(job.attempts));
}

}  // namespace

JobWorkers::JobWorkers(const ServiceConfig& config, JobStore& jobs, StoreForJob store_for,
                       Executor& executor, const MemoryPlan& per_job, ServiceMetrics& metrics,
                       ServiceLog& log, std::function<void()> notified)
    : config_(config),
      jobs_(jobs),
      store_for_(std::move(store_for)),
      executor_(executor),
      per_job_(per_job),
      metrics_(metrics),
      log_(log),
      notified_(std::move(notified)) {}

JobWorkers::~JobWorkers() { Stop(std::chrono::milliseconds(0)); }

void JobWorkers::Start(size_t count) {
  {
    MutexLock lock(mutex_);
    loops_ += count;
  }
  for (size_t i = 0; i < count; ++i) executor_.Submit(Lane::kService, [this] { Loop(); });
}

void JobWorkers::Wake() {
  {
    MutexLock lock(mutex_);
    ++wakeups_;
  }
  changed_.NotifyAll();
}

void JobWorkers::Stop(std::chrono::milliseconds grace) {
  const auto deadline = std::chrono::steady_clock::now() + grace;
  {
    MutexLock lock(mutex_);
    stopping_ = true;
  }
  changed_.NotifyAll();
  MutexLock lock(mutex_);
  while (loops_ > 0 && std::chrono::steady_clock::now() < deadline) {
    changed_.WaitUntil(mutex_, deadline);
  }
  if (loops_ > 0) cancel_.Cancel();
  while (loops_ > 0) changed_.Wait(mutex_);
}

void JobWorkers::Loop() {
  for (;;) {
    // Read before claiming: a Wake() that lands after ClaimNext finds nothing must still end
    // the wait that follows, or a job queued in that instant waits for the next poll.
    uint64_t wakeups_before_claim = 0;
    {
      MutexLock lock(mutex_);
      if (stopping_) break;
      wakeups_before_claim = wakeups_;
    }
    std::optional<JobRecord> job;
    try {
      job = jobs_.ClaimNext(NowMs());
    } catch (const Error& e) {
      log_.Write("error", "job store unavailable", {{"error", e.what()}});
    }
    if (job) {
      Run(*job);
    } else {
      WaitForWork(wakeups_before_claim);
    }
  }
  {
    MutexLock lock(mutex_);
    --loops_;
  }
  changed_.NotifyAll();
}

void JobWorkers::WaitForWork(uint64_t seen) {
  std::optional<int64_t> due;
  try {
    due = jobs_.NextDueMs();
  } catch (const Error&) {
    due = NowMs() + 1000;  // the store is failing: look again soon, ClaimNext logs it
  }
  // Another process (`unpackd jobs retry`) can queue jobs without waking us: look every 2 s.
  const int64_t wait_ms = std::clamp<int64_t>(due ? *due - NowMs() : 2000, 0, 2000);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  MutexLock lock(mutex_);
  while (!stopping_ && wakeups_ == seen && std::chrono::steady_clock::now() < deadline) {
    changed_.WaitUntil(mutex_, deadline);
  }
}

void JobWorkers::Run(const JobRecord& job) {
  log_.Transition(job, JobState::kRunning);
  const int64_t started_ms = NowMs();
  const auto started = std::chrono::steady_clock::now();
  const auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  const Rule* rule = FindRule(config_, job.request.rule);
  std::optional<ExtractJob> extract;
  try {
    if (rule == nullptr) {
      throw Error(ErrorKind::kUsage,
                  "the job's rule \"" + job.request.rule + "\" is no longer configured",
                  "rule-gone");
    }
    extract = MakeJobFor(*rule, {job.request.bucket, job.request.key}, job.request.etag);
    extract->memory = per_job_;
    ObjectStore& store = store_for_(job.request);
    JobServices services;
    services.source_store = &store;
    services.destination_store = &store;
    services.executor = &executor_;
    services.cancel = &cancel_;
    const ExtractResult result = RunExtractJob(*extract, services);
    const nlohmann::json summary = {{"job", result.job.id},
                                    {"manifest_bucket", result.job.manifest.bucket},
                                    {"manifest_key", result.job.manifest.key},
                                    {"etag", result.job.etag},
                                    {"already_complete", result.already_complete},
                                    {"members", result.manifest.member_count},
                                    {"skipped", result.manifest.skipped_count},
                                    {"bytes", result.manifest.total_bytes},
                                    {"members_written", result.members_written},
                                    {"members_reused", result.members_reused},
                                    {"objects_pruned", result.objects_pruned},
                                    {"seconds", result.seconds}};
    notify::JobOutcome outcome = OutcomeOf(job, *extract, started_ms, elapsed());
    outcome.result = result;
    jobs_.MarkDone(job.id, summary.dump(), Notifications(rule, outcome), NowMs());
    metrics_.CountJobEnded(JobState::kDone, elapsed(), result.members_written,
                           result.already_complete ? 0 : result.manifest.total_bytes);
    log_.Transition(job, JobState::kDone, summary);
    notified_();
  } catch (const Error& e) {
    const std::string kind(ErrorKindName(e.kind()));
    nlohmann::json fields = {{"error_kind", kind}, {"error_code", e.code()}, {"error", e.what()}};
    try {
      // Without a rule (or a job it can make) there is no one to tell.
      std::vector<OutboxMessage> notifications;
      if (extract) {
        notify::JobOutcome outcome = OutcomeOf(job, *extract, started_ms, elapsed());
        outcome.failure = notify::JobFailure::FromError(e);
        notifications = Notifications(rule, outcome);
      }
      if (e.kind() == ErrorKind::kArchiveRefused) {
        jobs_.MarkRefused(job.id, kind, e.code(), e.what(), notifications, NowMs());
        metrics_.CountJobEnded(JobState::kRefused, elapsed(), 0, 0);
        log_.Transition(job, JobState::kRefused, fields);
        if (!notifications.empty()) notified_();
        return;
      }
      std::optional<int64_t> retry_at;
      // A job cancelled by shutdown did not fail: it resumes first thing after a restart.
      if (e.kind() == ErrorKind::kCancelled) {
        retry_at = NowMs();
      } else if (RetryMayCure(e.kind())) {
        retry_at = NextAttemptMs(job.attempts, NowMs(), JitterFor(job));
      }
      // The store records the notifications only when the failure is final.
      jobs_.MarkFailed(job.id, kind, e.code(), e.what(), retry_at, notifications, NowMs());
      metrics_.CountJobEnded(JobState::kFailed, elapsed(), 0, 0);
      if (retry_at) fields["retry_in_ms"] = *retry_at - NowMs();
      log_.Transition(job, retry_at ? JobState::kQueued : JobState::kFailed, fields);
      if (!retry_at && !notifications.empty()) notified_();
    } catch (const Error& store_error) {
      // The job stays running in the store; the next start queues it again.
      log_.Write("error", "could not record a job's end",
                 {{"job_id", job.id}, {"error", store_error.what()}});
    }
  }
}

}  // namespace unpackd
