// Runs an ExtractJob the way tests want it: a small executor of its own, a memory plan for a
// given number of jobs, and the options tests vary, in one call.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "extract/extract_job.h"

namespace unpackd::testing {

struct JobOptions {
  unsigned jobs = 4;
  uint64_t memory_bytes = uint64_t{256} << 20;
  std::string destination_template;
  std::string destination_bucket;
  OnErrorPolicy on_error = OnErrorPolicy::kFail;
  bool prune = true;
  bool verify_first = false;
  std::optional<ShardSpec> shard;
  std::optional<ShardThresholds> fan_out;
  ServerCopyOptions server_copy;
  std::string mime_types_path = "/etc/mime.types";
  ExtractionLimits limits;
  ArchiveOpenOptions open;
  std::string pinned_etag;
  const CancellationToken* cancel = nullptr;
  // Called for every progress event, from worker threads.
  std::function<void(const ProgressEvent&)> on_progress;
};

// The job RunJob would run for these options.
ExtractJob MakeTestJob(const ObjectRef& archive, const JobOptions& options);

ExtractResult RunJob(ObjectStore& source, const ObjectRef& archive, ObjectStore& destination,
                     const JobOptions& options = {});

}  // namespace unpackd::testing
