#include "store/object_store.h"

#include "store/key_validation.h"

namespace unpackd {

std::optional<std::string> ObjectStore::KeyProblem(std::string_view key) const {
  return S3KeyProblem(key);
}

void ObjectStore::AbortUpload(const ObjectRef& /*ref*/, const std::string& /*upload_id*/) {}

std::optional<CopiedObject> ObjectStore::CopyRange(const ObjectRef& /*source*/,
                                                   const std::string& /*source_etag*/,
                                                   uint64_t /*offset*/, uint64_t /*length*/,
                                                   const ObjectRef& /*dest*/,
                                                   const WriteOptions& /*options*/) {
  return std::nullopt;
}

}  // namespace unpackd
