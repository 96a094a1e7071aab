#include "lambda/invocation_handler.h"

#include <atomic>

#include "event/event_message.h"
#include "extract/progress.h"
#include "lambda/deadline_watch.h"
#include "lambda/invocation_event.h"
#include "notify/deliver_now.h"
#include "notify/notified_marker.h"
#include "rules/event_admission.h"
#include "rules/job_message.h"
#include "rules/rule_match.h"
#include "rules/service_config.h"
#include "util/error.h"

namespace unpackd::lambda {
namespace {

using Clock = std::chrono::steady_clock;

int64_t UnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Members this invocation wrote, whatever the job's end: a continuation that wrote none made no
// progress.
class MembersWritten final : public ProgressSink {
 public:
  void OnProgress(const ProgressEvent& event) noexcept override {
    if (event.kind == ProgressEvent::Kind::kMemberFinished &&
        event.outcome == ProgressEvent::Outcome::kWritten) {
      count_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> count_{0};
};

}  // namespace

// One invocation's clock and cancellation.
struct InvocationHandler::Context {
  CancellationToken cancel;
  Clock::time_point notify_deadline;  // deliveries must end before Lambda's deadline
  std::unique_ptr<DeadlineWatch> watch;
};

// How one work item (or one job of it) ended; the worst of an item's jobs is the item's.
struct InvocationHandler::Outcome {
  enum class Status { kDone, kContinued, kFailed } status = Status::kDone;
  std::string error_type;  // when kFailed
  std::string message;     // when kFailed
  nlohmann::json jobs = nlohmann::json::array();
  std::optional<nlohmann::json> reply;  // a planning request's answer, sent as it is

  static Outcome Failed(std::string type, std::string message) {
    Outcome outcome;
    outcome.status = Status::kFailed;
    outcome.error_type = std::move(type);
    outcome.message = std::move(message);
    return outcome;
  }
  void Merge(Outcome other) {
    if (other.status > status) {
      status = other.status;
      error_type = std::move(other.error_type);
      message = std::move(other.message);
    }
    for (auto& job : other.jobs) jobs.push_back(std::move(job));
    if (other.reply) reply = std::move(other.reply);
  }
};

// One archive's job as this invocation runs it.
struct InvocationHandler::Job {
  const Rule* rule = nullptr;
  Continuation state;        // archive, version, first start, invocations so far
  bool commit_only = false;  // a commit step: the shards are done, write the manifest
};

InvocationHandler::InvocationHandler(const HandlerServices& services) : services_(services) {}

InvocationReply InvocationHandler::Handle(const Invocation& invocation) {
  const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(
      invocation.deadline - std::chrono::system_clock::now());
  const auto margin = SafetyMargin(*services_.settings, remaining);
  const Clock::time_point now = Clock::now();
  Context context;
  context.notify_deadline = now + remaining - std::min(margin / 2, std::chrono::milliseconds(5000));
  context.watch = std::make_unique<DeadlineWatch>(*services_.executor, context.cancel,
                                                  now + remaining - margin);

  const InvocationEvent event = SplitInvocationEvent(invocation.body);
  std::vector<Outcome> outcomes;
  for (const WorkItem& item : event.items) {
    if (!outcomes.empty() && context.cancel.cancelled()) {
      // Out of time before this record started: SQS redelivers it. (The first item always
      // runs: out of time, its job is handed over at once.)
      outcomes.push_back(Outcome::Failed("DeadlineReached", "not started before the deadline"));
      continue;
    }
    outcomes.push_back(RunItem(item.message, context));
  }
  context.watch.reset();

  InvocationReply reply;
  if (event.sqs_batch) {
    nlohmann::json failures = nlohmann::json::array();
    nlohmann::json jobs = nlohmann::json::array();
    for (size_t i = 0; i < outcomes.size(); ++i) {
      for (auto& job : outcomes[i].jobs) jobs.push_back(std::move(job));
      if (outcomes[i].status != Outcome::Status::kFailed) continue;
      if (event.items[i].sqs_message_id.empty()) {
        // A record batchItemFailures cannot name: fail the whole batch so SQS keeps it.
        return {true, "an SQS record without a messageId failed: " + outcomes[i].message,
                outcomes[i].error_type};
      }
      failures.push_back({{"itemIdentifier", event.items[i].sqs_message_id}});
    }
    reply.body = nlohmann::json{{"batchItemFailures", failures}, {"jobs", jobs}}.dump(
        -1, ' ', false, nlohmann::json::error_handler_t::replace);
    return reply;
  }
  Outcome& outcome = outcomes.front();
  if (outcome.status == Outcome::Status::kFailed) {
    return {true, outcome.message, outcome.error_type};
  }
  reply.body = outcome.reply.value_or(nlohmann::json{{"jobs", outcome.jobs}})
                   .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return reply;
}

InvocationHandler::Outcome InvocationHandler::RunItem(const std::string& message,
                                                      Context& context) {
  LambdaLog& log = *services_.log;
  std::optional<Continuation> continuation;
  std::optional<JobMessage> job_message;
  std::optional<std::string> plan_request;
  EventMessage parsed;
  try {
    continuation = ParseContinuation(message);
    if (!continuation) {
      // A shard job a fleet published (serve's fleet mode, or a Step Functions map): it runs
      // as the first invocation of a job.
      job_message = ParseJobMessage(message);
      if (const std::optional<JobMessage>& job = job_message) {
        continuation = Continuation{};
        continuation->rule = job->rule;
        continuation->bucket = job->bucket;
        continuation->key = job->key;
        continuation->etag = job->etag;
        continuation->version_id = job->version_id;
        continuation->size = job->size;
        continuation->started_at_ms = job->started_at_ms != 0 ? job->started_at_ms : UnixMs();
        continuation->shard = job->shard ? job->shard->ToString() : "";
        continuation->defer_commit = job->defer_commit;
      }
    }
    if (!continuation) {
      plan_request = PlanRequestEvent(message);
      parsed = ParseEventMessage(plan_request.value_or(message));
    }
  } catch (const Error& e) {
    log.Write("warn", "malformed event", {{"reason", e.what()}});
    return Outcome::Failed("MalformedEvent", e.what());
  }
  if (continuation) {
    Job job;
    job.rule = FindRule(*services_.config, continuation->rule);
    job.state = *continuation;
    if (job.rule == nullptr) {
      return Outcome::Failed("RuleGone", "the continuation's rule \"" + continuation->rule +
                                             "\" is no longer configured");
    }
    if (job_message && job_message->step == JobMessage::Step::kFail) {
      return ReportFailure(job, job_message->error, context);
    }
    job.commit_only = job_message && job_message->step == JobMessage::Step::kCommit;
    return RunJob(job, context);
  }
  if (parsed.test_event) log.Write("info", "s3:TestEvent ignored");
  Outcome outcome;
  for (const ObjectEvent& event : parsed.created) {
    Admission admission;
    try {
      admission = AdmitEvent(*services_.config, event, [this](const ObjectEvent& e) {
        return services_.store->Stat({e.bucket, e.key});
      });
    } catch (const Error& e) {
      outcome.Merge(Outcome::Failed("StoreUnavailable", e.what()));
      continue;
    }
    if (admission.rule == nullptr) {
      if (admission.worth_logging) {
        log.Write("info", "event ignored",
                  {{"reason", admission.ignored}, {"bucket", event.bucket}, {"key", event.key}});
      }
      continue;
    }
    Job job;
    job.rule = admission.rule;
    job.state.rule = admission.rule->name;
    job.state.bucket = admission.event.bucket;
    job.state.key = admission.event.key;
    job.state.etag = admission.event.etag;
    job.state.version_id = admission.event.version_id;
    job.state.size = admission.event.size.value_or(0);
    job.state.started_at_ms = UnixMs();
    if (plan_request) return Plan(job, context);  // the engine starts one execution per object
    outcome.Merge(RunJob(job, context));
  }
  if (plan_request) {
    // No rule takes the object: the execution ends here, successfully.
    outcome.reply = nlohmann::json{{"status", "ignored"}, {"jobs", nlohmann::json::array()}};
  }
  return outcome;
}

InvocationHandler::Outcome InvocationHandler::Plan(const Job& job, Context& context) {
  const ObjectRef archive{job.state.bucket, job.state.key};
  const nlohmann::json where = {
      {"bucket", archive.bucket}, {"key", archive.key}, {"etag", job.state.etag}};
  JobMessage message;
  message.rule = job.state.rule;
  message.bucket = job.state.bucket;
  message.key = job.state.key;
  message.etag = job.state.etag;
  message.version_id = job.state.version_id;
  message.size = job.state.size;
  message.started_at_ms = job.state.started_at_ms;
  const auto with = [&](JobMessage::Step step, std::optional<ShardSpec> shard) {
    JobMessage m = message;
    m.step = step;
    m.shard = shard;
    m.defer_commit = step == JobMessage::Step::kRun;
    return m.ToJsonValue();
  };
  nlohmann::json reply = {{"jobs", nlohmann::json::array()},
                          {"fail", with(JobMessage::Step::kFail, std::nullopt)}};
  ExtractJob extract = MakeJobFor(*job.rule, archive, job.state.etag);
  extract.memory = services_.settings->plan;
  extract.fan_out = ShardThresholds{services_.config->fleet.max_shard_bytes,
                                    services_.config->fleet.max_shard_members};
  extract.plan_only = true;
  JobServices services;
  services.source_store = services_.store;
  services.destination_store = services_.store;
  services.executor = services_.executor;
  services.cancel = &context.cancel;
  ExtractResult result;
  try {
    result = RunExtractJob(extract, services);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::kArchiveRefused) {
      services_.log->Write("error", "planning failed", {{"where", where}, {"error", e.what()}});
      return Outcome::Failed(RetryMayCure(e.kind()) ? "JobFailed" : "PlanFailed", e.what());
    }
    // Refused before anything was written: told here, and the execution fails visibly.
    notify::JobOutcome outcome;
    outcome.job = extract;
    outcome.identity = notify::IdentifyJob(extract, job.state.etag, job.state.version_id);
    outcome.failure = notify::JobFailure::FromError(e);
    outcome.archive_size = job.state.size;
    outcome.started_at_ms = job.state.started_at_ms;
    outcome.ended_at_ms = UnixMs();
    services_.log->Write("warn", "archive refused", {{"where", where}, {"error", e.what()}});
    if (ClaimFailure(outcome, job.state.etag)) Notify(job, outcome, false, context);
    reply["status"] = "refused";
    reply["error"] = e.what();
    Outcome refused;
    refused.reply = std::move(reply);
    return refused;
  }
  // An archive already extracted: the commit step finds it so and tells, unless told before.
  const uint32_t shards = result.already_complete ? 1 : std::max<uint32_t>(result.fan_out, 1);
  reply["status"] = result.already_complete ? "complete" : "planned";
  reply["shards"] = shards;
  reply["commit"] = with(JobMessage::Step::kCommit, ShardSpec{0, shards});
  if (!result.already_complete) {
    for (uint32_t i = 0; i < shards; ++i) {
      reply["jobs"].push_back(with(JobMessage::Step::kRun, ShardSpec{i, shards}));
    }
  }
  services_.log->Write("info", "job planned",
                       {{"where", where}, {"status", reply["status"]}, {"shards", shards}});
  Outcome planned;
  planned.reply = std::move(reply);
  return planned;
}

InvocationHandler::Outcome InvocationHandler::ReportFailure(const Job& job, const std::string& why,
                                                            Context& context) {
  const ObjectRef archive{job.state.bucket, job.state.key};
  const Error error(ErrorKind::kIo,
                    archive.ToString() + ": the fan-out gave up" + (why.empty() ? "" : ": " + why),
                    "fan-out-failed");
  notify::JobOutcome outcome;
  outcome.job = MakeJobFor(*job.rule, archive, job.state.etag);
  outcome.identity = notify::IdentifyJob(outcome.job, job.state.etag, job.state.version_id);
  outcome.failure = notify::JobFailure::FromError(error);
  outcome.archive_size = job.state.size;
  outcome.started_at_ms = job.state.started_at_ms;
  outcome.ended_at_ms = UnixMs();
  outcome.duration_seconds =
      static_cast<double>(outcome.ended_at_ms - job.state.started_at_ms) / 1000.0;
  nlohmann::json entry = {{"bucket", archive.bucket},
                          {"key", archive.key},
                          {"etag", job.state.etag},
                          {"status", "failed"},
                          {"error", error.what()}};
  services_.log->Write("error", "job failed", entry);
  // A shard that failed for good has told already, through the same claim.
  entry["told"] = ClaimFailure(outcome, job.state.etag) && Notify(job, outcome, false, context);
  Outcome ended;
  ended.jobs.push_back(std::move(entry));
  return ended;
}

InvocationHandler::Outcome InvocationHandler::RunJob(const Job& job, Context& context) {
  LambdaLog& log = *services_.log;
  const ObjectRef archive{job.state.bucket, job.state.key};
  const Clock::time_point started = Clock::now();
  const auto elapsed = [&] {
    return std::chrono::duration<double>(Clock::now() - started).count();
  };
  const nlohmann::json where = {{"bucket", archive.bucket},
                                {"key", archive.key},
                                {"etag", job.state.etag},
                                {"invocation", job.state.invocation}};
  log.Write("info", "job started", where);
  std::optional<ExtractJob> extract;
  MembersWritten written;
  notify::JobOutcome outcome;
  try {
    extract = MakeJobFor(*job.rule, archive, job.state.etag);
    if (!job.state.shard.empty()) extract->shard = ParseShardSpec(job.state.shard);
    if (job.commit_only) {
      extract->shard_end = ExtractJob::ShardEnd::kCommitOnly;
    } else if (job.state.defer_commit) {
      extract->shard_end = ExtractJob::ShardEnd::kRecordOnly;
    }
    extract->memory = services_.settings->plan;
    extract->mime_types_path = services_.settings->mime_types_path;
    JobServices services;
    services.source_store = services_.store;
    services.destination_store = services_.store;
    services.executor = services_.executor;
    services.cancel = &context.cancel;
    services.progress = &written;
    const ExtractResult result = RunExtractJob(*extract, services);
    outcome.result = result;
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kCancelled && context.watch->fired()) {
      return Continue(job, written.count(), context);
    }
    if (!extract) {
      return Outcome::Failed("JobFailed", e.what());  // a rule whose destination cannot expand
    }
    outcome.failure = notify::JobFailure::FromError(e);
  }
  outcome.job = *extract;
  outcome.identity = notify::IdentifyJob(*extract, job.state.etag, job.state.version_id);
  outcome.archive_size = job.state.size;
  outcome.attempts = job.state.invocation;
  outcome.started_at_ms = job.state.started_at_ms;
  outcome.ended_at_ms = UnixMs();
  outcome.duration_seconds = elapsed();

  Outcome ended;
  nlohmann::json entry = where;
  if (!job.state.shard.empty()) entry["shard"] = job.state.shard;
  if (outcome.result && !outcome.result->EndsTheJob()) {
    // A shard whose record is written, while other shards still run: whoever completes the
    // set writes the manifest and tells.
    const ExtractResult& result = *outcome.result;
    entry.update({{"status", "shard-done"},
                  {"members_written", result.members_written},
                  {"records_seen", result.shard ? result.shard->records_seen : 0},
                  {"seconds", result.seconds}});
    log.Write("info", "shard done", entry);
  } else if (outcome.result) {
    const ExtractResult& result = *outcome.result;
    entry.update({{"status", "done"},
                  {"manifest", result.job.manifest.key},
                  {"already_complete", result.already_complete},
                  {"members", result.manifest.member_count},
                  {"bytes", result.manifest.total_bytes},
                  {"members_written", result.members_written},
                  {"members_reused", result.members_reused},
                  {"seconds", result.seconds}});
    log.Write("info", "job done", entry);
    if (!Notify(job, outcome, result.already_complete, context)) {
      ended = Outcome::Failed("NotificationFailed",
                              "extracted " + archive.ToString() +
                                  ", but a notification was not delivered (see the log)");
    }
  } else if (outcome.failure->code == "shards-pending") {
    entry.update({{"status", "shards-pending"}, {"error", outcome.failure->message}});
    log.Write("info", "commit waits for shards", entry);
    ended = Outcome::Failed("ShardsPending", outcome.failure->message);
  } else {
    const notify::JobFailure& failure = *outcome.failure;
    const bool refused = failure.kind == ErrorKind::kArchiveRefused;
    entry.update({{"status", refused ? "refused" : "failed"},
                  {"error_kind", ErrorKindName(failure.kind)},
                  {"error_code", failure.code},
                  {"error", failure.message}});
    log.Write(refused ? "warn" : "error", refused ? "archive refused" : "job failed", entry);
    // A failure AWS's retry may cure is told only by the retry's own end; of the runs of one
    // archive version that fail for good (duplicates, shards), the one that claims it tells.
    if (!RetryMayCure(failure.kind) && ClaimFailure(outcome, job.state.etag)) {
      Notify(job, outcome, false, context);
    }
    ended = Outcome::Failed(refused ? "ArchiveRefused" : "JobFailed", failure.message);
  }
  ended.jobs.push_back(std::move(entry));
  return ended;
}

InvocationHandler::Outcome InvocationHandler::Continue(const Job& job, uint64_t members_written,
                                                       Context& context) {
  LambdaLog& log = *services_.log;
  Continuation next = job.state;
  next.invocation += 1;
  next.idle_invocations = members_written == 0 ? job.state.idle_invocations + 1 : 0;
  const nlohmann::json where = {{"bucket", next.bucket},
                                {"key", next.key},
                                {"members_written", members_written},
                                {"next_invocation", next.invocation}};
  constexpr int kMaxIdle = 3;
  if (next.invocation > services_.settings->max_invocations || next.idle_invocations >= kMaxIdle) {
    const std::string why =
        next.idle_invocations >= kMaxIdle
            ? std::to_string(kMaxIdle) +
                  " invocations in a row finished no member: a member takes longer than one "
                  "invocation can give it (raise the function's timeout or memory)"
            : "not finished within " + std::to_string(services_.settings->max_invocations) +
                  " invocations (UNPACKD_LAMBDA_MAX_INVOCATIONS)";
    const Error error(ErrorKind::kTransient, next.bucket + "/" + next.key + ": " + why,
                      "deadline-exceeded");
    notify::JobOutcome outcome;
    try {
      outcome.job = MakeJobFor(*job.rule, {next.bucket, next.key}, next.etag);
      outcome.identity = notify::IdentifyJob(outcome.job, next.etag, next.version_id);
      outcome.failure = notify::JobFailure::FromError(error);
      outcome.archive_size = next.size;
      outcome.attempts = job.state.invocation;
      outcome.started_at_ms = next.started_at_ms;
      if (ClaimFailure(outcome, next.etag)) Notify(job, outcome, false, context);
    } catch (const Error& e) {
      log.Write("error", "could not notify a job's failure", {{"error", e.what()}});
    }
    log.Write("error", "job gave up", {{"bucket", next.bucket}, {"key", next.key}, {"error", why}});
    return Outcome::Failed("JobFailed", error.what());
  }
  try {
    services_.continuations->Send(next);
  } catch (const Error& e) {
    log.Write("error", "continuation not sent: the invocation fails so AWS retries it",
              {{"bucket", next.bucket}, {"key", next.key}, {"error", e.what()}});
    return Outcome::Failed("ContinuationFailed", e.what());
  }
  log.Write("info", "job continues in a new invocation", where);
  Outcome outcome;
  outcome.status = Outcome::Status::kContinued;
  nlohmann::json entry = where;
  entry["status"] = "continued";
  outcome.jobs.push_back(std::move(entry));
  return outcome;
}

bool InvocationHandler::ClaimFailure(const notify::JobOutcome& outcome, const std::string& etag) {
  std::string claim_error;
  const bool tell =
      notify::ShouldTellFailure(*services_.store, outcome.identity.manifest, etag,
                                outcome.failure ? outcome.failure->message : "", claim_error);
  if (!claim_error.empty()) {
    services_.log->Write("warn", "could not write the failure claim; notifying anyway",
                         {{"error", claim_error}});
  }
  return tell;
}

bool InvocationHandler::Notify(const Job& job, const notify::JobOutcome& outcome,
                               bool already_complete, Context& context) {
  if (job.rule->notify.empty()) return true;
  LambdaLog& log = *services_.log;
  const notify::Notification notification = notify::BuildNotification(outcome);
  const ObjectRef& manifest =
      outcome.result ? outcome.result->job.manifest : outcome.identity.manifest;
  if (outcome.result) {
    try {
      if (already_complete &&
          notify::AlreadyNotified(*services_.store, manifest, notification.event_id)) {
        return true;  // a duplicate event for an archive whose notification went out
      }
    } catch (const Error& e) {
      log.Write("warn", "could not read the notified marker; notifying again",
                {{"error", e.what()}});
    }
  }
  const bool all = notify::DeliverToEach(
      job.rule->notify,
      [this](const std::string& name) -> notify::NotificationTarget* {
        const auto target = services_.targets->find(name);
        return target == services_.targets->end() ? nullptr : target->second.get();
      },
      notification, context.notify_deadline, nullptr,
      [&](const std::string& name, const notify::DeliveryResult& result) {
        const notify::DeliveryLogLine line =
            notify::DescribeDelivery(name, notification.event_id, result);
        log.Write(line.level, line.message, line.fields);
      });
  if (all && outcome.result) {
    try {
      notify::RecordNotified(*services_.store, manifest, notification.event_id);
    } catch (const Error& e) {
      // Only a duplicate event would notify again: the receiver drops it by its event id.
      log.Write("warn", "could not write the notified marker", {{"error", e.what()}});
    }
  }
  return all;
}

}  // namespace unpackd::lambda
