// FolderCache: opens folders below a root directory without ever following a symbolic link,
// and keeps recently used ones open so that a path is walked once per folder, not once per
// object.
//
// Why: opening a folder costs far more than looking a name up (openat is ~20x the cost of
// fstatat on overlay filesystems), and LocalStore used to open every folder of a key's path
// for every object it wrote or read.
//
// Safety: a cached folder descriptor keeps pointing at its folder wherever that folder goes,
// so every cache hit is re-checked before it is used: each folder of the chain from the hit up
// to the root must still be found under its parent by name, without following symlinks, as the
// same inode (one fstatat per level). A folder that was replaced (by a symlink, another folder
// or a file) or moved away fails that check; it is then forgotten, with everything below it,
// and walked again with O_NOFOLLOW. A folder that was removed while cached (a concurrent
// Delete of its last object) may pass the check if its inode number was reused at once; every
// create or rename in it fails with ENOENT then, and callers handle ENOENT by Forget and retry
// (Walk does so itself when a step below a removed folder fails).
//
// Thread safety: all methods may be called from many threads at once. Returned folders are
// shared and immutable; their descriptors stay open while anyone holds them, even after the
// cache dropped them.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "util/mutex.h"
#include "util/thread_annotations.h"
#include "util/unique_fd.h"

namespace unpackd {

// One open folder below the root.
struct OpenFolder {
  UniqueFd fd;
  dev_t dev = 0;
  ino_t ino = 0;
  std::string name;                          // its name in its parent
  std::string path;                          // relative to the root, '/'-separated
  std::shared_ptr<const OpenFolder> parent;  // null: directly below the root
};
using FolderPtr = std::shared_ptr<const OpenFolder>;

struct FolderWalk {
  // The deepest folder reached: the requested folder on success, else the one holding the
  // segment that could not be entered.
  FolderPtr folder;
  size_t depth = 0;             // how many names were entered (== names.size() on success)
  std::optional<int> failure;   // errno for names[depth], when it could not be entered
  std::vector<size_t> created;  // indexes of the names whose folders this walk made
};

class FolderCache {
 public:
  // `root_fd` is trusted as is (it may have been reached through a symlink). At most
  // `capacity` folders stay open (0: nothing is cached, every walk opens every folder).
  FolderCache(UniqueFd root_fd, size_t capacity);
  FolderCache(const FolderCache&) = delete;
  FolderCache& operator=(const FolderCache&) = delete;

  int root_fd() const { return root_fd_.get(); }

  // The folder `name` directly below the root, or null with errno set (ENOENT, ENOTDIR,
  // ELOOP for a symlink, ...).
  FolderPtr OpenTop(const std::string& name);

  // Walks the folders `names` below `base` (which the caller has just opened or checked), from
  // the deepest one still cached. With `create`, missing folders are made (mode 0755).
  FolderWalk Walk(const FolderPtr& base, std::span<const std::string> names, bool create);

  // The deepest of the folders `names` below `base` that is cached (`folder`, `depth`; `base`
  // and 0 when none is), without a syscall. Unchecked: a hint, not a promise.
  FolderWalk CachedHint(const FolderPtr& base, std::span<const std::string> names) EXCLUDES(mu_);

  // Drops the folder at `path` and everything below it (after it was found removed or
  // replaced, or was removed by us).
  void Forget(const std::string& path) EXCLUDES(mu_);

  // True if `folder` was removed (it has no name any more): nothing can be created in it.
  static bool Removed(const OpenFolder& folder);

 private:
  // The first folder from `folder` up to (excluding) `stop` that is no longer what its path
  // names, or null when the whole chain still holds.
  const OpenFolder* FirstStale(const OpenFolder& folder, const OpenFolder* stop) const;
  FolderPtr Lookup(const std::string& path) EXCLUDES(mu_);
  FolderPtr Insert(FolderPtr folder) EXCLUDES(mu_);
  FolderPtr OpenChild(const FolderPtr& parent, const std::string& name, bool create, bool& created);

  const UniqueFd root_fd_;
  const size_t capacity_;

  struct Entry {
    std::string path;
    FolderPtr folder;
  };
  using Index = std::map<std::string, std::list<Entry>::iterator>;
  // Removes one entry from both the list and the index; returns the next index entry.
  Index::iterator Drop(Index::iterator it) REQUIRES(mu_);

  Mutex mu_;
  std::list<Entry> lru_ GUARDED_BY(mu_);  // most recently used first
  Index by_path_ GUARDED_BY(mu_);
};

// Opens the folder `name` in `dir_fd` without following a symbolic link (ELOOP, or ENOTDIR for
// anything but a folder); invalid with errno set on failure.
UniqueFd OpenFolderNoFollow(int dir_fd, const char* name);

// `parent_path` + "/" + `name` (just `name` below the root).
std::string ChildPath(const std::string& parent_path, const std::string& name);

// `base_path` + "/" + the names joined with '/'.
std::string FolderPath(const std::string& base_path, std::span<const std::string> names);

}  // namespace unpackd
