#include "store/local/metadata_mode.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>

#include "store/local/metadata_sidecar.h"

namespace unpackd::local {

bool MetadataMode::MayHaveSidecars(const OpenFolder& bucket) {
  const std::pair<dev_t, ino_t> id{bucket.dev, bucket.ino};
  {
    MutexLock lock(mu_);
    if (const auto it = has_tree_.find(id); it != has_tree_.end()) return it->second;
  }
  // Looked up outside the lock; racing callers store the same answer. Anything but "no such
  // name" counts as a tree, so a failing lookup never hides sidecars.
  struct stat st;
  const bool has_tree =
      ::fstatat(bucket.fd.get(), kMetaDirName, &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT;
  MutexLock lock(mu_);
  return has_tree_.emplace(id, has_tree).first->second;
}

void MetadataMode::NoteSidecars(const OpenFolder& bucket) {
  MutexLock lock(mu_);
  has_tree_[{bucket.dev, bucket.ino}] = true;
}

}  // namespace unpackd::local
