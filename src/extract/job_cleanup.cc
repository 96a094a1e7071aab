#include "extract/job_cleanup.h"

#include "extract/member_metadata.h"
#include "util/error.h"

namespace unpackd {

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

CleanupReport PruneStaleObjects(ObjectStore& store, const Destination& destination,
                                const ObjectRef& archive,
                                const std::unordered_map<std::string, uint64_t>& listed_before,
                                const std::function<bool(std::string_view)>& in_manifest) {
  CleanupReport report;
  const std::string manifest_key = destination.ManifestKey();
  for (const auto& [key, size] : listed_before) {
    if (key == manifest_key || in_manifest(key)) continue;
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

}  // namespace unpackd
