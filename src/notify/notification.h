// Notification: what unpackd tells the world when a job ends, built once from the job's outcome
// and then delivered, unchanged, to every target (webhook, Slack, ...). The payload is a JSON
// document of schema "unpackd.notification/1" (docs/notifications.md,
// docs/notification.schema.json); targets that need another shape (Slack) derive it from the
// payload, so what one target says never disagrees with another.
//
// Building is pure: no I/O, no clock unless the outcome leaves its end time unset. The same
// outcome always gives the same event id (job id and kind), so a receiver can drop the duplicate
// an at-least-once delivery brings.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "extract/extract_job.h"
#include "util/error.h"

namespace unpackd::notify {

enum class NotificationKind { kJobSucceeded, kJobFailed, kArchiveRefused };

// "job.succeeded", "job.failed", "archive.refused": the payload's "kind".
std::string_view NotificationKindName(NotificationKind kind);
// "Extraction Succeeded", "Extraction Failed", "Archive Refused": the kind for people (an SNS
// subject, EventBridge's DetailType).
std::string_view NotificationKindTitle(NotificationKind kind);
// The kind named `name`, or nullopt for a name not listed above.
std::optional<NotificationKind> ParseNotificationKind(std::string_view name);

inline constexpr const char* kNotificationSchema = "unpackd.notification/1";

// One notification, ready to deliver. `payload_json` is the document a webhook receives
// byte for byte (and signs over); it is kept as text so a durable outbox stores and replays
// exactly what was built.
struct Notification {
  std::string event_id;  // "evt_" + 32 lower-case hex digits; stable per job and kind
  NotificationKind kind = NotificationKind::kJobSucceeded;
  std::string payload_json;
};

// Why a job did not succeed, as its Error said it (callers never parse messages; see
// util/error.h), and the member it concerns when the caller knows one.
struct JobFailure {
  ErrorKind kind = ErrorKind::kInternal;
  std::string code;     // Error::code(); may be empty
  std::string message;  // Error::what()
  std::string member;   // the member's name inside the archive; empty when none is named

  static JobFailure FromError(const Error& error, std::string member = {});
};

// What a job's end looked like, filled by whoever ran it (serve's worker, the extract command,
// Lambda). Exactly one of `result` and `failure` is set.
struct JobOutcome {
  // The job as asked: archive, destination template and bucket.
  ExtractJob job;
  // Who the job is when it failed: at least the archive's ETag (the job's pinned ETag, or the
  // one its event named) and version id when known. An empty `id` is computed with MakeJobId
  // from the job's destination; an empty `manifest` likewise. Ignored when `result` is set
  // (its own identity is used).
  JobIdentity identity;
  // The archive's size in bytes when known (0: unknown); a result's manifest overrides it.
  uint64_t archive_size = 0;

  std::optional<ExtractResult> result;  // the job succeeded (or found itself already complete)
  // The job failed: kArchiveRefused makes it an "archive.refused" notification, any other
  // kind a "job.failed" one.
  std::optional<JobFailure> failure;

  int attempts = 1;             // runs of this job so far, this one included
  int64_t started_at_ms = 0;    // unix milliseconds; 0: unknown
  int64_t ended_at_ms = 0;      // unix milliseconds; 0: now (when the notification is built)
  double duration_seconds = 0;  // of this run; 0 with a result: the result's own seconds
};

// The identity a failed job would have had: the destination expanded from `job` (its bucket,
// or the archive's), the manifest under it, and MakeJobId over those and `etag`. Throws
// Error(kUsage) when the job's destination template is malformed (the job never ran then).
JobIdentity IdentifyJob(const ExtractJob& job, std::string etag, std::string version_id);

// The kind `outcome` reports. Throws Error(kInternal) unless exactly one of result and failure
// is set.
NotificationKind KindOf(const JobOutcome& outcome);

// "evt_" + the first 32 hex digits of SHA-256("<job_id>\n<kind name>").
std::string MakeEventId(std::string_view job_id, NotificationKind kind);

// The notification for `outcome`: its kind, event id and payload. Names and messages are
// carried as UTF-8 unchanged (invalid bytes, which no normalized name holds, are replaced by
// U+FFFD rather than failing). At most kMaxListedSkips skipped members are listed; the rest are
// counted in "skipped_truncated". Throws Error(kInternal) as KindOf does; Error(kUsage) as
// IdentifyJob does when a failed outcome has no id.
Notification BuildNotification(const JobOutcome& outcome);

inline constexpr size_t kMaxListedSkips = 100;

}  // namespace unpackd::notify
