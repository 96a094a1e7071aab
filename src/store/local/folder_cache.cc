#include "store/local/folder_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

namespace unpackd {
namespace {

// How often Walk starts over after finding that a folder it walked through was removed.
constexpr int kRemovedFolderAttempts = 4;

}  // namespace

UniqueFd OpenFolderNoFollow(int dir_fd, const char* name) {
  return UniqueFd(::openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
}

std::string ChildPath(const std::string& parent_path, const std::string& name) {
  if (parent_path.empty()) return name;
  std::string path;
  path.reserve(parent_path.size() + 1 + name.size());
  path += parent_path;
  path += '/';
  path += name;
  return path;
}

std::string FolderPath(const std::string& base_path, std::span<const std::string> names) {
  std::string path = base_path;
  for (const std::string& name : names) path = ChildPath(path, name);
  return path;
}

FolderCache::FolderCache(UniqueFd root_fd, size_t capacity)
    : root_fd_(std::move(root_fd)), capacity_(capacity) {}

bool FolderCache::Removed(const OpenFolder& folder) {
  struct stat st;
  return ::fstat(folder.fd.get(), &st) == 0 && st.st_nlink == 0;
}

const OpenFolder* FolderCache::FirstStale(const OpenFolder& folder, const OpenFolder* stop) const {
  const OpenFolder* stale = nullptr;
  for (const OpenFolder* f = &folder; f != nullptr && f != stop; f = f->parent.get()) {
    const int parent_fd = f->parent ? f->parent->fd.get() : root_fd_.get();
    struct stat st;
    if (::fstatat(parent_fd, f->name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 ||
        !S_ISDIR(st.st_mode) || st.st_dev != f->dev || st.st_ino != f->ino) {
      stale = f;  // keep going: everything below the topmost stale folder goes too
    }
  }
  return stale;
}

FolderPtr FolderCache::Lookup(const std::string& path) {
  if (capacity_ == 0) return nullptr;
  MutexLock lock(mu_);
  const auto it = by_path_.find(path);
  if (it == by_path_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  FolderPtr found = it->second->folder;
  // Ancestors become more recent than their descendants, so eviction drops leaves first and
  // an evicted folder is never kept open only through a cached child.
  for (const OpenFolder* up = found->parent.get(); up != nullptr; up = up->parent.get()) {
    const auto ancestor = by_path_.find(up->path);
    if (ancestor != by_path_.end()) lru_.splice(lru_.begin(), lru_, ancestor->second);
  }
  return found;
}

FolderPtr FolderCache::Insert(FolderPtr folder) {
  if (capacity_ == 0) return folder;
  MutexLock lock(mu_);
  if (const auto it = by_path_.find(folder->path); it != by_path_.end()) Drop(it);
  lru_.push_front(Entry{folder->path, folder});
  by_path_[folder->path] = lru_.begin();
  while (lru_.size() > capacity_) {
    by_path_.erase(lru_.back().path);
    lru_.pop_back();
  }
  return folder;
}

FolderWalk FolderCache::CachedHint(const FolderPtr& base, std::span<const std::string> names) {
  FolderWalk hint;
  hint.folder = base;
  std::string path = FolderPath(base->path, names);
  for (size_t i = names.size(); i-- > 0;) {
    if (FolderPtr hit = Lookup(path)) {
      hint.folder = std::move(hit);
      hint.depth = i + 1;
      break;
    }
    // The parent's path: this name and the '/' before it (none directly below the root).
    path.resize(path.size() - std::min(path.size(), names[i].size() + 1));
  }
  return hint;
}

FolderCache::Index::iterator FolderCache::Drop(Index::iterator it) {
  lru_.erase(it->second);
  return by_path_.erase(it);
}

void FolderCache::Forget(const std::string& path) {
  if (capacity_ == 0) return;
  MutexLock lock(mu_);
  if (const auto it = by_path_.find(path); it != by_path_.end()) Drop(it);
  const std::string below = path + '/';
  for (auto it = by_path_.lower_bound(below);
       it != by_path_.end() && it->first.starts_with(below);) {
    it = Drop(it);
  }
}

FolderPtr FolderCache::OpenChild(const FolderPtr& parent, const std::string& name, bool create,
                                 bool& created) {
  const int parent_fd = parent ? parent->fd.get() : root_fd_.get();
  UniqueFd fd = OpenFolderNoFollow(parent_fd, name.c_str());
  if (!fd.valid() && errno == ENOENT && create) {
    if (::mkdirat(parent_fd, name.c_str(), 0755) == 0) {
      created = true;
    } else if (errno != EEXIST) {
      return nullptr;
    }
    fd = OpenFolderNoFollow(parent_fd, name.c_str());
  }
  if (!fd.valid()) return nullptr;
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return nullptr;
  auto folder = std::make_shared<OpenFolder>();
  folder->fd = std::move(fd);
  folder->dev = st.st_dev;
  folder->ino = st.st_ino;
  folder->name = name;
  folder->path = ChildPath(parent ? parent->path : std::string(), name);
  folder->parent = parent;
  return Insert(std::move(folder));
}

FolderPtr FolderCache::OpenTop(const std::string& name) {
  if (FolderPtr hit = Lookup(name)) {
    // Also checked for removal: below a top folder removed and made again with the same inode
    // number, nothing could be created until it is walked again (Walk only recovers below
    // its base).
    if (FirstStale(*hit, nullptr) == nullptr && !Removed(*hit)) return hit;
    Forget(name);
  }
  bool created = false;
  return OpenChild(nullptr, name, /*create=*/false, created);
}

FolderWalk FolderCache::Walk(const FolderPtr& base, std::span<const std::string> names,
                             bool create) {
  std::vector<std::string> paths;
  paths.reserve(names.size());
  for (const std::string& name : names) {
    paths.push_back(ChildPath(paths.empty() ? base->path : paths.back(), name));
  }
  std::vector<size_t> created;
  for (int attempt = 1;; ++attempt) {
    FolderWalk walk;
    walk.folder = base;
    for (size_t i = names.size(); i-- > 0;) {
      const FolderPtr hit = Lookup(paths[i]);
      if (!hit) continue;
      if (const OpenFolder* stale = FirstStale(*hit, base.get())) {
        Forget(stale->path);
        continue;  // a shallower folder may still be good
      }
      walk.folder = hit;
      walk.depth = i + 1;
      break;
    }
    bool restart = false;
    for (size_t i = walk.depth; i < names.size(); ++i) {
      bool made = false;
      FolderPtr child = OpenChild(walk.folder, names[i], create, made);
      const int err = errno;
      if (made) created.push_back(i);
      if (!child) {
        // Below a folder that was removed (a concurrent Delete emptied it), start over from
        // the base so the folder is made again (or reported missing) by name.
        if (err == ENOENT && walk.depth > 0 && attempt < kRemovedFolderAttempts &&
            Removed(*walk.folder)) {
          Forget(paths[0]);
          restart = true;
          break;
        }
        walk.failure = err;
        break;
      }
      walk.folder = std::move(child);
      walk.depth = i + 1;
    }
    if (restart) continue;
    walk.created = std::move(created);
    return walk;
  }
}

}  // namespace unpackd
