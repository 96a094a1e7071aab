#include "store/object_store.h"

#include "store/key_validation.h"

namespace unpackd {

std::optional<std::string> ObjectStore::KeyProblem(std::string_view key) const {
  return S3KeyProblem(key);
}

void ObjectStore::AbortUpload(const ObjectRef& /*ref*/, const std::string& /*upload_id*/) {}

}  // namespace unpackd
