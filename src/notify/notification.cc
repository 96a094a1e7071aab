#include "notify/notification.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

#include "cloud/aws/hashing.h"
#include "extract/destination.h"

namespace unpackd::notify {
namespace {

using Json = nlohmann::ordered_json;

// "2024-05-01T12:00:00.123Z": milliseconds, because a receiver ordering events of one second
// (a job failing fast, then its retry) needs them.
std::string IsoUtc(int64_t unix_ms) {
  const auto seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  const size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + n, sizeof text - n, ".%03dZ", static_cast<int>(unix_ms % 1000));
  return text;
}

int64_t NowUnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A string the schema allows to be unknown: null rather than "", so a receiver need not guess
// whether an empty ETag is a value.
Json OrNull(const std::string& value) { return value.empty() ? Json(nullptr) : Json(value); }

bool SkipsMember(const Finding& finding) {
  return finding.member.has_value() && finding.severity != Severity::kWarning;
}

Json ResultJson(const ExtractResult& result, double duration_seconds) {
  Json skipped = Json::array();
  for (const Finding& finding : result.findings) {
    if (!SkipsMember(finding) || skipped.size() >= kMaxListedSkips) continue;
    skipped.push_back(
        {{"name", finding.member_name}, {"code", finding.code}, {"reason", finding.message}});
  }
  const uint64_t skipped_count = result.manifest.skipped_count;
  // Skips beyond the listed ones: past the cap, or all of them when the run found the job
  // already complete and did not read the old manifest's list.
  const uint64_t truncated = skipped_count > skipped.size() ? skipped_count - skipped.size() : 0;
  return Json{
      {"members", result.manifest.member_count}, {"bytes", result.manifest.total_bytes},
      {"skipped_count", skipped_count},          {"skipped", std::move(skipped)},
      {"skipped_truncated", truncated},          {"members_written", result.members_written},
      {"members_reused", result.members_reused}, {"already_complete", result.already_complete},
      {"duration_seconds", duration_seconds}};
}

Json ErrorJson(const JobFailure& failure) {
  return Json{{"kind", std::string(ErrorKindName(failure.kind))},
              {"code", OrNull(failure.code)},
              {"message", failure.message},
              {"member", OrNull(failure.member)}};
}

// The job's identity and destination as the payload reports them, from whichever half of the
// outcome is set.
struct Subject {
  JobIdentity identity;
  std::string destination_bucket, destination_prefix;
  uint64_t archive_size = 0;
};

Subject SubjectOf(const JobOutcome& outcome) {
  Subject subject;
  if (outcome.result) {
    const ExtractResult& result = *outcome.result;
    subject.identity = result.job;
    subject.destination_bucket = result.manifest.destination_bucket;
    subject.destination_prefix = result.manifest.destination_prefix;
    subject.archive_size = result.manifest.source_size;
    if (subject.destination_bucket.empty()) subject.destination_bucket = result.job.manifest.bucket;
    return subject;
  }
  subject.identity = outcome.identity;
  if (subject.identity.archive.key.empty()) subject.identity.archive = outcome.job.archive;
  const std::string bucket = outcome.job.destination_bucket.empty()
                                 ? outcome.job.archive.bucket
                                 : outcome.job.destination_bucket;
  const Destination destination =
      ExpandDestination(outcome.job.destination_template.empty() ? kDefaultDestinationTemplate
                                                                 : outcome.job.destination_template,
                        bucket, outcome.job.archive.key);
  subject.destination_bucket = destination.bucket;
  subject.destination_prefix = destination.prefix;
  if (subject.identity.manifest.key.empty()) {
    subject.identity.manifest = ObjectRef{destination.bucket, destination.ManifestKey()};
  }
  if (subject.identity.id.empty()) {
    subject.identity.id =
        MakeJobId(subject.identity.archive, subject.identity.etag, subject.identity.manifest);
  }
  subject.archive_size = outcome.archive_size;
  return subject;
}

}  // namespace

std::string_view NotificationKindName(NotificationKind kind) {
  switch (kind) {
    case NotificationKind::kJobSucceeded:
      return "job.succeeded";
    case NotificationKind::kJobFailed:
      return "job.failed";
    case NotificationKind::kArchiveRefused:
      return "archive.refused";
  }
  return "job.failed";
}

std::string_view NotificationKindTitle(NotificationKind kind) {
  // In the enum's order.
  static constexpr std::string_view kTitles[] = {"Extraction Succeeded", "Extraction Failed",
                                                 "Archive Refused"};
  return kTitles[static_cast<size_t>(kind)];
}

std::optional<NotificationKind> ParseNotificationKind(std::string_view name) {
  for (const NotificationKind kind : {NotificationKind::kJobSucceeded, NotificationKind::kJobFailed,
                                      NotificationKind::kArchiveRefused}) {
    if (NotificationKindName(kind) == name) return kind;
  }
  return std::nullopt;
}

JobFailure JobFailure::FromError(const Error& error, std::string member) {
  return JobFailure{error.kind(), error.code(), error.what(), std::move(member)};
}

JobIdentity IdentifyJob(const ExtractJob& job, std::string etag, std::string version_id) {
  JobOutcome outcome;
  outcome.job = job;
  outcome.identity.etag = std::move(etag);
  outcome.identity.version_id = std::move(version_id);
  return SubjectOf(outcome).identity;
}

NotificationKind KindOf(const JobOutcome& outcome) {
  if (outcome.result.has_value() == outcome.failure.has_value()) {
    throw Error(ErrorKind::kInternal,
                "a job outcome needs exactly one of a result and a failure to be notified");
  }
  if (outcome.result) return NotificationKind::kJobSucceeded;
  return outcome.failure->kind == ErrorKind::kArchiveRefused ? NotificationKind::kArchiveRefused
                                                             : NotificationKind::kJobFailed;
}

std::string MakeEventId(std::string_view job_id, NotificationKind kind) {
  std::string material(job_id);
  material += '\n';
  material += NotificationKindName(kind);
  return "evt_" + aws::Sha256Hex(material).substr(0, 32);
}

Notification BuildNotification(const JobOutcome& outcome) {
  const NotificationKind kind = KindOf(outcome);
  const Subject subject = SubjectOf(outcome);
  const JobIdentity& id = subject.identity;
  Notification notification;
  notification.kind = kind;
  notification.event_id = MakeEventId(id.id, kind);

  const double duration = outcome.duration_seconds == 0 && outcome.result
                              ? outcome.result->seconds
                              : outcome.duration_seconds;
  Json payload{
      {"schema", kNotificationSchema},
      {"event_id", notification.event_id},
      {"kind", std::string(NotificationKindName(kind))},
      {"occurred_at", IsoUtc(outcome.ended_at_ms != 0 ? outcome.ended_at_ms : NowUnixMs())},
      {"job",
       {{"id", id.id},
        {"attempts", outcome.attempts},
        {"started_at",
         outcome.started_at_ms != 0 ? Json(IsoUtc(outcome.started_at_ms)) : Json(nullptr)},
        {"duration_seconds", duration}}},
      {"archive",
       {{"bucket", id.archive.bucket},
        {"key", id.archive.key},
        {"etag", OrNull(id.etag)},
        {"version_id", OrNull(id.version_id)},
        {"size", subject.archive_size != 0 ? Json(subject.archive_size) : Json(nullptr)}}},
      {"destination",
       {{"bucket", subject.destination_bucket},
        {"prefix", subject.destination_prefix},
        {"manifest_key", id.manifest.key}}},
  };
  if (outcome.result) {
    payload["result"] = ResultJson(*outcome.result, duration);
  } else {
    payload["error"] = ErrorJson(*outcome.failure);
  }
  notification.payload_json = payload.dump(-1, ' ', false, Json::error_handler_t::replace);
  return notification;
}

}  // namespace unpackd::notify
