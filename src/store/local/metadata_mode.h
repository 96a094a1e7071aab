// Where a store keeps the metadata of the objects it writes, and which buckets may still hold
// sidecars to look at or clean up.
//
// Extended attributes (metadata_xattr.h) unless the store was told otherwise or the filesystem
// turned out to have none (the first write that tries finds out, and every later one of the
// store uses sidecars). A bucket folder is looked at for a sidecar tree once per store: where
// there is none, writing, reading and deleting xattr-carrying objects costs no sidecar syscall.
// A tree another process makes later is missed; that is harmless, since an attribute is always
// believed before a sidecar and a sidecar entry only describes the data file it was written for.
//
// Thread-safe.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <map>
#include <utility>

#include "store/local/folder_cache.h"
#include "util/mutex.h"
#include "util/thread_annotations.h"

namespace unpackd::local {

class MetadataMode {
 public:
  explicit MetadataMode(bool xattrs) : xattrs_(xattrs) {}
  MetadataMode(const MetadataMode&) = delete;
  MetadataMode& operator=(const MetadataMode&) = delete;

  // Whether new objects get their metadata as an attribute.
  bool UseXattrs() const { return xattrs_.load(std::memory_order_relaxed); }
  // The filesystem has no user attributes: sidecars from now on.
  void XattrsUnsupported() { xattrs_.store(false, std::memory_order_relaxed); }

  // Whether `bucket` may hold a sidecar tree: it had one when first asked, or this store made one.
  bool MayHaveSidecars(const OpenFolder& bucket) EXCLUDES(mu_);
  // This store is about to put a sidecar into `bucket`.
  void NoteSidecars(const OpenFolder& bucket) EXCLUDES(mu_);

 private:
  std::atomic<bool> xattrs_;
  Mutex mu_;
  std::map<std::pair<dev_t, ino_t>, bool> has_tree_ GUARDED_BY(mu_);
};

}  // namespace unpackd::local
