// Removing what no manifest vouches for, and only what unpackd wrote: the objects of a run that
// ended in a refusal, and the objects an older version of the archive left behind.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "extract/destination.h"
#include "extract/listed_objects.h"
#include "store/object_store.h"
#include "util/error.h"

namespace unpackd {

struct CleanupReport {
  uint64_t deleted = 0;
  uint64_t failed = 0;        // deletes the store refused; the objects stay
  std::string first_failure;  // the first such error, for the message
};

// Deletes `keys` (objects this run wrote) from `bucket`, continuing past failures. Never
// throws for a store error: the caller is already reporting a worse one.
CleanupReport DeleteObjects(ObjectStore& store, const std::string& bucket,
                            const std::vector<std::string>& keys);

// The refusal `e` after deleting `keys` (what the run wrote, or kept from an earlier run of
// the same version), so a refused archive leaves nothing behind under --on-error=fail; the
// message says how many were deleted and how many could not be.
Error RolledBack(const Error& e, ObjectStore& store, const std::string& bucket,
                 const std::vector<std::string>& keys);

// Deletes the objects among `listed_before` (under the destination prefix, listed before the
// run) that the new manifest does not list (`in_manifest`) and whose metadata says unpackd
// wrote them from `archive`. The prefix is listed again for their keys (listed_before keeps
// none), streamed: only the stale keys are held. The manifest's own key, and objects another
// writer made, are never touched. Store errors propagate; what was deleted before stays
// deleted.
CleanupReport PruneStaleObjects(ObjectStore& store, const Destination& destination,
                                const ObjectRef& archive, const ListedObjects& listed_before,
                                const std::function<bool(std::string_view)>& in_manifest);

// Aborts the multipart uploads an interrupted run left under `destination`: exactly those its
// upload records (Destination::UploadRecordsPrefix) name, for keys under the destination
// prefix (members and the manifest), deleting each record once its upload is gone. An upload
// without a record is never touched: S3 cannot say who started it. Continues past failures (the
// record then stays, for the next run); never throws for a store error. `records_prefix`
// narrows it to the records under it (one shard's, shard_plan.h); the default takes every one.
CleanupReport AbortRecordedUploads(ObjectStore& store, const Destination& destination);
CleanupReport AbortRecordedUploads(ObjectStore& store, const Destination& destination,
                                   const std::string& records_prefix);

}  // namespace unpackd
