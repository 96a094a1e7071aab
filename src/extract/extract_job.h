// ExtractJob: one archive to extract, described completely, and the one function that runs it.
// The CLI's `extract` and `inspect`, and every service that starts extractions, go through
// here; none of them assembles a pipeline of its own.
//
// Idempotent: a manifest for the same archive version means nothing is done; after a partial
// run (crash, cancellation, outage), members already written from the same archive version
// (checked by their metadata) are kept and only the rest is written. Objects appear
// atomically, so an interruption leaves whole objects and no manifest, never a half object.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "archive/archive_reader.h"
#include "archive/finding.h"
#include "extract/limits.h"
#include "extract/manifest.h"
#include "extract/memory_plan.h"
#include "extract/progress.h"
#include "extract/server_copy.h"
#include "extract/shard_plan.h"
#include "store/object_store.h"
#include "util/cancellation.h"
#include "util/executor.h"

namespace unpackd {

struct ExtractJob {
  ObjectRef archive;
  // When set, the job runs only on this version of the archive and fails with kPrecondition
  // (code "archive-changed") if the store holds another: an event names the version it saw.
  std::string pinned_etag;
  // Destination: a key template (see destination.h; empty: the default) in a bucket (empty:
  // the archive's).
  std::string destination_template;
  std::string destination_bucket;
  ExtractionLimits limits;
  OnErrorPolicy on_error = OnErrorPolicy::kFail;
  // After the manifest is written, delete the objects under the destination prefix that an
  // older version of this archive produced and the new manifest does not list (their metadata
  // names this archive's key; nothing else is ever deleted).
  bool prune = true;
  // Sequential archives (the tar family) only: read the whole stream once to check it before
  // anything is written (a refusal then writes nothing), and a second time to extract.
  // Without it, a refusal met while streaming rolls back what was written.
  bool verify_first = false;
  // Stored ZIP members at least this big are copied by the store itself (server_copy.h) when
  // the archive and the destination are in the same store.
  ServerCopyOptions server_copy;
  // Fan-out (shard_plan.h, shard_record.h): extract only this shard of the plan's members,
  // record it, and write the manifest when every shard's record is there. ZIP only.
  std::optional<ShardSpec> shard;
  // Which barrier ends a sharded run. The store's by default: the shard whose record completes
  // the set commits. An engine that knows when every shard has ended (a Step Functions map)
  // runs its shards with kRecordOnly and then one run with kCommitOnly, which writes nothing
  // but the manifest and fails with Error(kTransient, "shards-pending") while a shard's
  // record is missing (one that ran out of time is still running elsewhere).
  enum class ShardEnd { kCommitIfLast, kRecordOnly, kCommitOnly };
  ShardEnd shard_end = ShardEnd::kCommitIfLast;
  // A whole run (no `shard`) of a ZIP whose plan exceeds these bounds writes nothing and
  // returns ExtractResult::fan_out instead: the caller hands out that many shard jobs.
  std::optional<ShardThresholds> fan_out;
  // With `fan_out`: plan and stop, whatever the size; ExtractResult::fan_out is then the
  // number of shards (1 for an archive within the bounds, and for a stream, which has no
  // directory to split). A hostile archive is still refused.
  bool plan_only = false;
  ArchiveOpenOptions open;
  MemoryPlan memory = MakeMemoryPlan({});
  std::string mime_types_path = "/etc/mime.types";
};

// What a job runs with. Everything is borrowed and must outlive RunExtractJob; the stores and
// the executor may be shared by many jobs at once.
struct JobServices {
  ObjectStore* source_store = nullptr;
  ObjectStore* destination_store = nullptr;
  Executor* executor = nullptr;
  const CancellationToken* cancel = nullptr;  // optional
  ProgressSink* progress = nullptr;           // optional
};

// Who the job is: the archive version it read and where its manifest is. `id` is stable for
// the same archive version and destination, so duplicate events map to the same job.
struct JobIdentity {
  std::string id;  // 16 hex digits
  ObjectRef archive;
  std::string etag;
  std::string version_id;
  ObjectRef manifest;
};

// What a run of one shard (ExtractJob::shard) did.
struct ShardResult {
  ShardSpec spec;
  ShardRange range;
  bool recorded_before = false;  // its record was there: an earlier run did this shard
  uint32_t records_seen = 0;     // shard records found after writing this one's
  // This run wrote the final manifest: the one worker of the archive that notifies.
  bool committed = false;
};

struct ExtractResult {
  JobIdentity job;
  bool already_complete = false;  // a manifest for this archive version existed
  // The manifest's summary (this run's, or the earlier run's when already_complete); its
  // member list is in the store (manifest_reader.h).
  ManifestSummary manifest;
  uint64_t members_written = 0;
  uint64_t members_reused = 0;  // already present from an earlier, partial run
  // Left by an older archive version and deleted (ExtractJob::prune).
  uint64_t objects_pruned = 0;
  // Written by the store from the archive's bytes (ExtractJob::server_copy), their content
  // bytes, and how many of them have a CRC-32 nobody checked (CopyCheck::kTrust).
  uint64_t members_server_copied = 0;
  uint64_t bytes_server_copied = 0;
  uint64_t members_crc_unchecked = 0;
  std::vector<Finding> findings;
  double seconds = 0;
  std::optional<ShardResult> shard;  // set for a run of one shard
  // Set (> 1) when ExtractJob::fan_out found the archive too big for one run: nothing was
  // written, and the job is to run as this many shards.
  uint32_t fan_out = 0;
  // Whether this run's end is the archive's: a whole run, or the shard run that committed
  // the manifest. Only such a run tells anyone (notifications).
  bool EndsTheJob() const { return fan_out == 0 && (!shard || shard->committed); }
};

// Runs `job`. Throws Error(kArchiveRefused) when the archive (or, under kFail, any member) is
// refused, with the reasons: before anything is written when the directory shows it, else
// after deleting every object the run wrote (the message says so); Error(kPrecondition,
// "archive-changed") when the archive is replaced during the run; Error(kCancelled) when `cancel`
// fired (members in flight finish, no new one starts, no manifest: a rerun resumes); store errors
// propagate with their kind. No manifest is written on failure.
ExtractResult RunExtractJob(const ExtractJob& job, const JobServices& services);

// The stable job id for an archive version and a manifest location.
std::string MakeJobId(const ObjectRef& archive, const std::string& etag, const ObjectRef& manifest);

}  // namespace unpackd
