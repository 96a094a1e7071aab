// Extract: the whole job for one archive. Opens it by random access, plans, streams every
// member concurrently into the destination store, then writes the manifest.
//
// Idempotent: a complete manifest for the same archive ETag means nothing is done; after a
// partial run, members already written from the same archive version (checked by their
// metadata) are kept and only the rest is written. Objects appear atomically, so a crash
// leaves whole objects and no manifest, never a half object.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "archive/zip_archive.h"
#include "pipeline/finding.h"
#include "pipeline/limits.h"
#include "pipeline/manifest.h"
#include "store/object_store.h"

namespace unpackd {

struct ExtractProgress {
  uint64_t bytes_done = 0, bytes_total = 0;
  uint64_t members_done = 0, members_total = 0;
};

struct ExtractOptions {
  std::string destination_template;  // empty: kDefaultDestinationTemplate
  std::string destination_bucket;    // empty: the archive's bucket
  unsigned jobs = 0;                 // members in flight at once; 0: the hardware's thread count
  // Bytes the reading side may hold: read-ahead chunks and coalesced small-member runs. The
  // destination store's own buffers (S3 part buffers) are budgeted in its configuration.
  uint64_t read_memory_budget = uint64_t{128} << 20;
  ExtractionLimits limits;
  OnErrorPolicy on_error = OnErrorPolicy::kFail;
  ZipOpenOptions open;
  std::string mime_types_path = "/etc/mime.types";
  // Called from worker threads (must be thread-safe) as bytes are written.
  std::function<void(const ExtractProgress&)> on_progress;
};

struct ExtractResult {
  bool already_complete = false;  // a complete manifest for this archive version existed
  Manifest manifest;
  std::string manifest_key;
  std::string destination_bucket;
  uint64_t members_written = 0;
  uint64_t members_reused = 0;  // already present from an earlier, partial run
  std::vector<Finding> findings;
  double seconds = 0;
};

// Throws Error(kArchiveRefused) when the archive (or, under kFail, any member) is refused, with
// the reasons; store errors propagate with their kind. No manifest is written on failure.
ExtractResult Extract(ObjectStore& source_store, const ObjectRef& archive, ObjectStore& dest_store,
                      const ExtractOptions& options);

}  // namespace unpackd
