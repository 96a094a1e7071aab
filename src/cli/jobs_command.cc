// `unpackd jobs`: list, show and retry the service's jobs. The store is opened for operators
// (no service lock, no crash recovery; job_store.h), so this works beside a running
// `unpackd serve`: reads never block it, and `retry` is one short write it waits out.
#include <cstdio>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/operator_commands.h"
#include "cli/printable.h"
#include "jobs/job_store.h"
#include "util/error.h"

namespace unpackd {
namespace {

nlohmann::json JobJson(const JobRecord& job) {
  const JobRequest& r = job.request;
  nlohmann::json j = {{"id", job.id},
                      {"state", JobStateName(job.state)},
                      {"attempts", job.attempts},
                      {"bucket", r.bucket},
                      {"key", r.key},
                      {"etag", r.etag},
                      {"version_id", r.version_id},
                      {"sequencer", r.sequencer},
                      {"size", r.size},
                      {"rule", r.rule},
                      {"origin", r.origin},
                      {"event_time", r.event_time},
                      {"created_ms", job.created_ms},
                      {"updated_ms", job.updated_ms},
                      {"next_attempt_ms", job.next_attempt_ms},
                      {"error_kind", job.error_kind},
                      {"error_code", job.error_code},
                      {"error", job.error}};
  // The summary is JSON the worker wrote; shown as JSON when it parses, else as text.
  j["result"] = JsonOrText(job.result_json);
  return j;
}

// One line a job: id, state, attempts, bucket/key, updated, error (tab-separated).
void PrintLine(const JobRecord& job) {
  std::string error = job.error_code.empty() ? job.error : job.error_code + ": " + job.error;
  std::printf("%lld\t%s\t%d\t%s/%s\t%s\t%s\n", static_cast<long long>(job.id),
              JobStateName(job.state), job.attempts, Printable(job.request.bucket).c_str(),
              Printable(job.request.key).c_str(), TimeText(job.updated_ms).c_str(),
              Printable(error).c_str());
}

void PrintDetails(const JobRecord& job) {
  const JobRequest& r = job.request;
  const std::pair<const char*, std::string> fields[] = {
      {"id", std::to_string(job.id)},
      {"state", JobStateName(job.state)},
      {"attempts", std::to_string(job.attempts)},
      {"bucket", r.bucket},
      {"key", r.key},
      {"etag", r.etag},
      {"version", r.version_id},
      {"sequencer", r.sequencer},
      {"size", std::to_string(r.size)},
      {"rule", r.rule},
      {"origin", r.origin},
      {"event time", r.event_time},
      {"created", TimeText(job.created_ms)},
      {"updated", TimeText(job.updated_ms)},
      {"next attempt", job.state == JobState::kQueued ? TimeText(job.next_attempt_ms) : "-"},
      {"error kind", job.error_kind},
      {"error code", job.error_code},
      {"error", job.error},
      {"result", job.result_json}};
  for (const auto& [name, value] : fields) {
    std::printf("%s: %s\n", name, Printable(value).c_str());
  }
}

JobRecord FindJob(JobStore& store, int64_t id) {
  auto job = store.Get(id);
  if (!job)
    throw Error(ErrorKind::kNotFound, "job " + std::to_string(id) + ": no such job", "no-such-job");
  return *job;
}

}  // namespace

int RunJobs(const JobsOptions& o, const CliOptions& options) {
  const auto store = OpenOperatorStore(o.state_dir);
  if (o.action == JobsOptions::Action::kList) {
    const auto jobs = store->List(ParseJobState(o.state), o.limit);
    if (options.json) {
      nlohmann::json out = nlohmann::json::array();
      for (const JobRecord& job : jobs) out.push_back(JobJson(job));
      PrintJson({{"jobs", out}});
    } else {
      for (const JobRecord& job : jobs) PrintLine(job);
    }
    return kExitOk;
  }
  if (o.action == JobsOptions::Action::kShow) {
    const JobRecord job = FindJob(*store, o.id);
    if (options.json) {
      PrintJson(JobJson(job));
    } else {
      PrintDetails(job);
    }
    return kExitOk;
  }
  if (!store->Retry(o.id, OperatorNowMs())) {
    const JobRecord job = FindJob(*store, o.id);  // throws when there is no such job
    throw Error(ErrorKind::kUsage,
                "job " + std::to_string(o.id) + " is " + JobStateName(job.state) +
                    ": only failed or refused jobs can be retried",
                "job-not-retryable");
  }
  const JobRecord job = FindJob(*store, o.id);
  if (options.json) {
    PrintJson(JobJson(job));
  } else {
    PrintLine(job);
  }
  return kExitOk;
}

}  // namespace unpackd
