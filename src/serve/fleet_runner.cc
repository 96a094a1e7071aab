#include "serve/fleet_runner.h"

#include <algorithm>

#include "event/event_message.h"
#include "jobs/job_retry.h"
#include "notify/deliver_now.h"
#include "notify/notification.h"
#include "notify/notified_marker.h"
#include "rules/event_admission.h"
#include "rules/rule_match.h"
#include "serve/wall_clock.h"
#include "util/error.h"
#include "util/spread.h"

namespace unpackd {
namespace {

// How long a worker tries to deliver one notification before it gives the job back to the
// queue (the next run, finding the archive complete, delivers it again).
constexpr std::chrono::minutes kDeliveryPatience{2};
// A backoff is waited out holding the message (no queue here delays a message), so it is
// kept short; the queue's own redelivery spreads retries further.
constexpr int64_t kMaxRetryWaitMs = 30'000;

nlohmann::json Describe(const JobMessage& job) {
  nlohmann::json fields = {{"bucket", job.bucket},   {"key", job.key},
                           {"etag", job.etag},       {"rule", job.rule},
                           {"attempt", job.attempt}, {"started_at_ms", job.started_at_ms}};
  if (job.shard) fields["shard"] = job.shard->ToString();
  return fields;
}

// Counts a run for as long as it lives, however it leaves.
class RunCounted {
 public:
  explicit RunCounted(std::atomic<size_t>& count) : count_(count) { count_.fetch_add(1); }
  ~RunCounted() { count_.fetch_sub(1); }
  RunCounted(const RunCounted&) = delete;
  RunCounted& operator=(const RunCounted&) = delete;

 private:
  std::atomic<size_t>& count_;
};

}  // namespace

FleetRunner::FleetRunner(const ServiceConfig& config, ObjectStore& store, Executor& executor,
                         const MemoryPlan& per_job, Targets targets, ServiceMetrics& metrics,
                         ServiceLog& log)
    : config_(config),
      store_(store),
      executor_(executor),
      per_job_(per_job),
      targets_(std::move(targets)),
      metrics_(metrics),
      log_(log) {}

void FleetRunner::Cancel() {
  stopping_.Close();
  cancel_.Cancel();
}

FleetVerdict FleetRunner::Run(std::string_view body, std::string_view source) {
  const RunCounted counted(running_);
  FleetVerdict verdict;
  std::vector<JobMessage> jobs;
  try {
    if (std::optional<JobMessage> job = ParseJobMessage(body)) {
      jobs.push_back(std::move(*job));
    } else {
      EventMessage message = ParseEventMessage(body);
      if (message.test_event) metrics_.CountDropped("test-event");
      for (const ObjectEvent& event : message.created) {
        const Admission admission = AdmitEvent(config_, event, [this](const ObjectEvent& e) {
          return store_.Stat({e.bucket, e.key});
        });
        if (admission.rule == nullptr) {
          metrics_.CountDropped(admission.ignored);
          if (admission.worth_logging) {
            log_.Write(
                "info", "event ignored",
                {{"reason", admission.ignored}, {"bucket", event.bucket}, {"key", event.key}});
          }
          continue;
        }
        metrics_.CountQueued();
        JobMessage job;
        job.rule = admission.rule->name;
        job.bucket = admission.event.bucket;
        job.key = admission.event.key;
        job.etag = admission.event.etag;
        job.version_id = admission.event.version_id;
        job.size = admission.event.size.value_or(0);
        job.started_at_ms = NowMs();
        jobs.push_back(std::move(job));
      }
    }
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kUsage) {
      metrics_.CountDropped("malformed");
      log_.Write("warn", "malformed message", {{"source", source}, {"reason", e.what()}});
      verdict.settle = FleetVerdict::Settle::kReject;
    } else {
      // The store could not say whether the object is there: nothing ran, try again later.
      verdict.settle = FleetVerdict::Settle::kRequeue;
    }
    verdict.reason = e.what();
    return verdict;
  }
  for (const JobMessage& job : jobs) {
    try {
      RunJob(job, verdict);
    } catch (const std::exception& e) {
      // A bug met on this input: park the message rather than loop on it.
      log_.Write("error", "job stopped by an unexpected failure",
                 {{"job", Describe(job)}, {"error", e.what()}});
      verdict.settle = FleetVerdict::Settle::kReject;
      verdict.reason = e.what();
    }
  }
  return verdict;
}

void FleetRunner::RunJob(const JobMessage& job, FleetVerdict& verdict) {
  const nlohmann::json where = Describe(job);
  const Rule* rule = FindRule(config_, job.rule);
  if (rule == nullptr) {
    log_.Write("error", "job dropped: its rule is no longer configured", where);
    return;
  }
  if (job.step != JobMessage::Step::kRun || job.defer_commit) {
    // Those steps are a Step Functions execution's (deploy/aws), which is its own barrier.
    log_.Write("error", "job dropped: a step of a Step Functions fan-out, not a queue job", where);
    verdict.settle = FleetVerdict::Settle::kReject;
    verdict.reason = "a Step Functions step";
    return;
  }
  const ObjectRef archive{job.bucket, job.key};
  ExtractJob extract = MakeJobFor(*rule, archive, job.etag);
  extract.memory = per_job_;
  if (job.shard) {
    extract.shard = job.shard;
  } else {
    extract.fan_out =
        ShardThresholds{config_.fleet.max_shard_bytes, config_.fleet.max_shard_members};
  }
  JobServices services;
  services.source_store = &store_;
  services.destination_store = &store_;
  services.executor = &executor_;
  services.cancel = &cancel_;

  log_.Write("info", job.shard ? "shard started" : "job started", where);
  const auto started = std::chrono::steady_clock::now();
  const auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  notify::JobOutcome outcome;
  outcome.job = extract;
  outcome.identity = notify::IdentifyJob(extract, job.etag, job.version_id);
  outcome.archive_size = job.size;
  outcome.attempts = job.attempt;
  outcome.started_at_ms = job.started_at_ms;
  std::optional<Error> failure;
  try {
    outcome.result = RunExtractJob(extract, services);
  } catch (const Error& e) {
    failure = e;
  }
  outcome.ended_at_ms = NowMs();
  // The job's time, from its first run's start: what the backend wants to hear.
  outcome.duration_seconds = static_cast<double>(outcome.ended_at_ms - job.started_at_ms) / 1000.0;

  auto retry_or_fail = [&](const Error& e) {
    nlohmann::json fields = where;
    fields.update(
        {{"error_kind", ErrorKindName(e.kind())}, {"error_code", e.code()}, {"error", e.what()}});
    if (e.kind() == ErrorKind::kCancelled) {
      verdict.settle = FleetVerdict::Settle::kRequeue;
      verdict.reason = "stopping";
      log_.Write("info", "job handed back to the queue: the worker is stopping", fields);
      return;
    }
    if (RetryMayCure(e.kind()) && job.attempt < config_.fleet.max_attempts) {
      if (!WaitBeforeRetry(job)) {
        verdict.settle = FleetVerdict::Settle::kRequeue;
        verdict.reason = "stopping";
        return;
      }
      JobMessage next = job;
      next.attempt += 1;
      verdict.publish.push_back(next.ToJson());
      metrics_.CountJobEnded(JobState::kFailed, elapsed(), 0, 0);
      log_.Write("warn", "job failed; queued again", fields);
      return;
    }
    const bool refused = e.kind() == ErrorKind::kArchiveRefused;
    metrics_.CountJobEnded(refused ? JobState::kRefused : JobState::kFailed, elapsed(), 0, 0);
    log_.Write(refused ? "warn" : "error", refused ? "archive refused" : "job failed for good",
               fields);
    outcome.result.reset();
    outcome.failure = notify::JobFailure::FromError(e);
    // Of every run of this archive version that ends this way, one tells.
    std::string claim_error;
    const bool tell = notify::ShouldTellFailure(store_, outcome.identity.manifest, job.etag,
                                                e.what(), claim_error);
    if (!claim_error.empty()) {
      log_.Write("warn", "could not write the failure claim; notifying anyway",
                 {{"error", claim_error}});
    }
    if (tell) Notify(*rule, outcome, false);
  };

  if (failure) {
    retry_or_fail(*failure);
    return;
  }
  const ExtractResult& result = *outcome.result;
  if (result.fan_out > 1) {
    for (uint32_t i = 0; i < result.fan_out; ++i) {
      JobMessage shard = job;
      shard.attempt = 1;
      shard.shard = ShardSpec{i, result.fan_out};
      verdict.publish.push_back(shard.ToJson());
    }
    nlohmann::json fields = where;
    fields["shards"] = result.fan_out;
    log_.Write("info", "job fanned out into shards", fields);
    return;
  }
  nlohmann::json fields = where;
  fields.update({{"manifest", result.job.manifest.key},
                 {"already_complete", result.already_complete},
                 {"members_written", result.members_written},
                 {"members_reused", result.members_reused},
                 {"seconds", result.seconds}});
  if (result.shard) {
    fields.update({{"records_seen", result.shard->records_seen},
                   {"committed", result.shard->committed},
                   {"recorded_before", result.shard->recorded_before}});
  }
  if (!result.EndsTheJob()) {
    metrics_.CountJobEnded(JobState::kDone, elapsed(), result.members_written, 0);
    log_.Write("info", "shard done", fields);
    return;
  }
  fields.update(
      {{"members", result.manifest.member_count}, {"bytes", result.manifest.total_bytes}});
  metrics_.CountJobEnded(JobState::kDone, elapsed(), result.members_written,
                         result.already_complete ? 0 : result.manifest.total_bytes);
  log_.Write("info", "job done", fields);
  if (!Notify(*rule, outcome, result.already_complete)) {
    // The extraction stands; the notification is owed. A rerun finds the archive complete and
    // delivers it again (its event id is stable, so receivers drop a double).
    retry_or_fail(
        Error(ErrorKind::kTransient, "a notification was not delivered", "notify-failed"));
  }
}

bool FleetRunner::WaitBeforeRetry(const JobMessage& job) {
  const double jitter =
      SpreadPoint(std::hash<std::string>{}(job.key + job.etag), static_cast<uint64_t>(job.attempt));
  const int64_t wait_ms = std::min(BackoffDelayMs(job.attempt, jitter), kMaxRetryWaitMs);
  const uint64_t ticket = stopping_.Ticket();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!stopping_.WaitUntil(ticket, deadline)) return false;
  }
  return !stopping_.closed();
}

bool FleetRunner::Notify(const Rule& rule, const notify::JobOutcome& outcome,
                         bool already_complete) {
  if (rule.notify.empty()) return true;
  const notify::Notification notification = notify::BuildNotification(outcome);
  const ObjectRef& manifest =
      outcome.result ? outcome.result->job.manifest : outcome.identity.manifest;
  if (outcome.result && already_complete) {
    try {
      if (notify::AlreadyNotified(store_, manifest, notification.event_id)) return true;
    } catch (const Error& e) {
      log_.Write("warn", "could not read the notified marker; notifying again",
                 {{"error", e.what()}});
    }
  }
  const bool all = notify::DeliverToEach(
      rule.notify,
      [this](const std::string& name) -> notify::NotificationTarget* {
        const auto target = targets_.find(name);
        return target == targets_.end() ? nullptr : target->second.get();
      },
      notification, std::chrono::steady_clock::now() + kDeliveryPatience, &cancel_,
      [&](const std::string& name, const notify::DeliveryResult& result) {
        const bool delivered = result.status == notify::DeliveryResult::Status::kDelivered;
        metrics_.CountNotification(name, delivered ? "delivered" : "failed");
        const notify::DeliveryLogLine line =
            notify::DescribeDelivery(name, notification.event_id, result);
        log_.Write(line.level, line.message, line.fields);
      });
  if (all && outcome.result) {
    try {
      notify::RecordNotified(store_, manifest, notification.event_id);
    } catch (const Error& e) {
      log_.Write("warn", "could not write the notified marker", {{"error", e.what()}});
    }
  }
  return all;
}

}  // namespace unpackd
