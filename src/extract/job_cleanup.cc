#include "extract/job_cleanup.h"

#include <vector>

#include "extract/member_metadata.h"
#include "store/small_object.h"
#include "store/upload_record.h"
#include "util/error.h"

namespace unpackd {
namespace {

// Far more than a record holds (a 1024-byte key and an upload id): a bigger object under the
// records prefix is not one of unpackd's records.
constexpr uint64_t kMaxRecordBytes = 8 << 10;

// The record stored at `ref`, or nullopt when the object is not a record of this format.
std::optional<UploadRecord> ReadUploadRecord(ObjectStore& store, const ObjectRef& ref) {
  const std::optional<std::string> body = ReadSmallObject(store, ref, kMaxRecordBytes);
  if (!body) return std::nullopt;
  return ParseUploadRecord(*body);
}

}  // namespace

CleanupReport DeleteObjects(ObjectStore& store, const std::string& bucket,
                            const std::vector<std::string>& keys) {
  CleanupReport report;
  for (const std::string& key : keys) {
    try {
      store.Delete({bucket, key});
      ++report.deleted;
    } catch (const Error& e) {
      if (report.failed++ == 0) report.first_failure = e.what();
    }
  }
  return report;
}

Error RolledBack(const Error& e, ObjectStore& store, const std::string& bucket,
                 const std::vector<std::string>& keys) {
  if (keys.empty()) return e;
  const CleanupReport report = DeleteObjects(store, bucket, keys);
  std::string message = std::string(e.what()) + "; rolled back: deleted the " +
                        std::to_string(report.deleted) + " objects already written";
  if (report.failed > 0) {
    message += ", but " + std::to_string(report.failed) +
               " could not be deleted and remain (first: " + report.first_failure + ")";
  }
  return Error(e.kind(), message, e.code());
}

CleanupReport PruneStaleObjects(ObjectStore& store, const Destination& destination,
                                const ObjectRef& archive, const ListedObjects& listed_before,
                                const std::function<bool(std::string_view)>& in_manifest) {
  CleanupReport report;
  const std::string manifest_key = destination.ManifestKey();
  std::vector<std::string> stale;
  store.List(destination.bucket, destination.prefix, [&](const ListEntry& e) {
    if (e.key != manifest_key && listed_before.Contains(e.key) && !in_manifest(e.key)) {
      stale.push_back(e.key);
    }
    return true;
  });
  for (const std::string& key : stale) {
    const ObjectRef ref{destination.bucket, key};
    try {
      if (!IsFromSourceKey(store.Stat(ref), archive)) continue;
    } catch (const Error& e) {
      if (e.kind() == ErrorKind::kNotFound) continue;  // someone else removed it
      throw;
    }
    store.Delete(ref);
    ++report.deleted;
  }
  return report;
}

CleanupReport AbortRecordedUploads(ObjectStore& store, const Destination& destination) {
  return AbortRecordedUploads(store, destination, destination.UploadRecordsPrefix());
}

CleanupReport AbortRecordedUploads(ObjectStore& store, const Destination& destination,
                                   const std::string& records_prefix) {
  CleanupReport report;
  auto fail = [&](const Error& e) {
    if (report.failed++ == 0) report.first_failure = e.what();
  };
  std::vector<std::string> record_keys;
  try {
    store.List(destination.bucket, records_prefix, [&](const ListEntry& e) {
      record_keys.push_back(e.key);
      return true;
    });
  } catch (const Error& e) {
    fail(
        e.WithContext("listing upload records under " + destination.bucket + "/" + records_prefix));
    return report;
  }
  for (const std::string& record_key : record_keys) {
    const ObjectRef record_ref{destination.bucket, record_key};
    try {
      const std::optional<UploadRecord> record = ReadUploadRecord(store, record_ref);
      // Only a well-formed record for a key of this destination (a member's, or the manifest's)
      // is acted on; anything else under the records prefix is left exactly as found.
      if (!record || !record->key.starts_with(destination.prefix) ||
          record->key.starts_with(records_prefix)) {
        continue;
      }
      store.AbortUpload({destination.bucket, record->key}, record->upload_id);
      store.Delete(record_ref);
      ++report.deleted;
    } catch (const Error& e) {
      if (e.kind() == ErrorKind::kNotFound) continue;  // the record went meanwhile
      fail(e.WithContext("aborting the upload recorded in " + record_ref.ToString()));
    }
  }
  return report;
}

}  // namespace unpackd
