// Job outcomes the notify tests share: one of each kind, with names in Korean (a member's name
// must reach a receiver byte for byte).
#pragma once

#include <string>

#include "notify/notification.h"

namespace unpackd::notify::testing {

inline ExtractJob SampleJob() {
  ExtractJob job;
  job.archive = ObjectRef{"incoming", "uploads/2024/보고서.zip"};
  job.pinned_etag = "9b2cf535f27731c974343645a3985328";
  return job;
}

inline JobOutcome SucceededOutcome(size_t skipped = 1) {
  JobOutcome outcome;
  outcome.job = SampleJob();
  ExtractResult result;
  result.job.archive = outcome.job.archive;
  result.job.etag = outcome.job.pinned_etag;
  result.job.version_id = "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY";
  result.job.manifest = ObjectRef{"incoming", "uploads/2024/보고서/.unpackd/manifest.json"};
  result.job.id = MakeJobId(result.job.archive, result.job.etag, result.job.manifest);
  result.manifest.source_bucket = "incoming";
  result.manifest.source_key = outcome.job.archive.key;
  result.manifest.source_size = 48'213'554;
  result.manifest.destination_bucket = "incoming";
  result.manifest.destination_prefix = "uploads/2024/보고서/";
  result.manifest.member_count = 120;
  result.manifest.total_bytes = 201'326'592;
  result.manifest.skipped_count = skipped;
  for (size_t i = 0; i < skipped; ++i) {
    result.findings.push_back(Finding{Severity::kSkip, "symlink", static_cast<uint32_t>(i),
                                      "링크/바로가기-" + std::to_string(i),
                                      "symbolic links are not extracted"});
  }
  result.findings.push_back(
      Finding{Severity::kWarning, "case-collision", 7u, "a.txt", "differs from A.txt by case"});
  result.members_written = 118;
  result.members_reused = 2;
  result.seconds = 12.5;
  outcome.result = result;
  outcome.attempts = 1;
  outcome.started_at_ms = 1'714'564'800'000;
  outcome.ended_at_ms = 1'714'564'812'500;
  return outcome;
}

inline JobOutcome FailedOutcome(ErrorKind kind, std::string code, std::string message,
                                std::string member = {}) {
  JobOutcome outcome;
  outcome.job = SampleJob();
  outcome.identity.etag = outcome.job.pinned_etag;
  outcome.archive_size = 48'213'554;
  outcome.failure = JobFailure{kind, std::move(code), std::move(message), std::move(member)};
  outcome.attempts = 3;
  outcome.started_at_ms = 1'714'564'800'000;
  outcome.ended_at_ms = 1'714'564'803'000;
  outcome.duration_seconds = 3.0;
  return outcome;
}

inline JobOutcome RefusedOutcome() {
  return FailedOutcome(ErrorKind::kArchiveRefused, "unsafe-path",
                       "incoming/uploads/2024/보고서.zip: archive refused: ../../etc/passwd: the "
                       "name leaves the destination",
                       "../../etc/passwd");
}

inline JobOutcome StoreFailedOutcome() {
  return FailedOutcome(ErrorKind::kTransient, "SlowDown",
                       "PutObject s3://incoming/uploads/2024/보고서/a.txt: HTTP 503 SlowDown after "
                       "retries for 120 s");
}

}  // namespace unpackd::notify::testing
