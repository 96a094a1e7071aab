#include "store/local/local_store_state.h"

#include <cerrno>

#include "store/key_validation.h"
#include "store/local/local_errors.h"

namespace unpackd::local {

FolderPtr LocalStoreState::OpenBucket(const std::string& bucket, const std::string& context) {
  ValidateBucketName(bucket);
  FolderPtr folder = folders.OpenTop(bucket);
  if (!folder) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR || err == ELOOP) {
      throw Error(ErrorKind::kNotFound, context + ": bucket \"" + EscapeForMessage(bucket) +
                                            "\" does not exist (no folder " +
                                            (root / bucket).string() + ")");
    }
    ThrowErrno(KindForErrno(err), context, "opening bucket folder " + (root / bucket).string(),
               err);
  }
  return folder;
}

}  // namespace unpackd::local
