#include "store/local/key_folders.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "store/key_validation.h"
#include "store/local/local_errors.h"

namespace unpackd::local {
namespace {

// segments[0..count) joined with '/', for messages.
std::string JoinSegments(const std::vector<std::string>& segments, size_t count) {
  std::string out;
  for (size_t i = 0; i < count; ++i) {
    if (i > 0) out += '/';
    out += segments[i];
  }
  return out;
}

}  // namespace

std::vector<std::string> SplitKey(std::string_view key) {
  std::vector<std::string> segments;
  size_t start = 0;
  while (true) {
    const size_t slash = key.find('/', start);
    if (slash == std::string_view::npos) {
      segments.emplace_back(key.substr(start));
      return segments;
    }
    segments.emplace_back(key.substr(start, slash - start));
    start = slash + 1;
  }
}

std::span<const std::string> KeyFolders(const std::vector<std::string>& segments) {
  return std::span(segments).first(segments.size() - 1);
}

std::string DescribeBlockedFolder(int parent_fd, const std::vector<std::string>& segments,
                                  size_t failed, int err) {
  const std::string path = JoinSegments(segments, failed + 1);
  struct stat st;
  if (::fstatat(parent_fd, segments[failed].c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (S_ISLNK(st.st_mode)) {
      return "\"" + EscapeForMessage(path) +
             "\" is a symbolic link, which the local store never follows";
    }
    if (S_ISREG(st.st_mode)) {
      return "\"" + EscapeForMessage(path) +
             "\" is an existing object, so it cannot also be a folder of other keys";
    }
    if (!S_ISDIR(st.st_mode)) return "\"" + EscapeForMessage(path) + "\" is not a folder";
  }
  return "cannot open folder \"" + EscapeForMessage(path) + "\": " + ErrnoText(err);
}

void RemoveEmptyFolders(FolderCache& cache, const FolderPtr& deepest, size_t levels) {
  const OpenFolder* folder = deepest.get();
  for (size_t i = 0; i < levels && folder->parent; ++i, folder = folder->parent.get()) {
    if (::unlinkat(folder->parent->fd.get(), folder->name.c_str(), AT_REMOVEDIR) != 0) return;
    cache.Forget(folder->path);
  }
}

bool ForgetIfRemoved(FolderCache& cache, const FolderWalk& walk, const FolderPtr& base,
                     std::span<const std::string> folders) {
  if (walk.depth == 0 || !FolderCache::Removed(*walk.folder)) return false;
  cache.Forget(ChildPath(base->path, folders[0]));
  return true;
}

void RemoveFileAndEmptyFolders(FolderCache& cache, const FolderPtr& base,
                               std::span<const std::string> folders, const std::string& leaf,
                               const std::string* context) {
  // Twice at most: a first miss may be a cached folder a concurrent Delete removed.
  for (int attempt = 1; attempt <= 2; ++attempt) {
    const FolderWalk walk = cache.Walk(base, folders, false);
    if (walk.failure) return;
    const int dir_fd = walk.folder->fd.get();
    struct stat st;
    if (::fstatat(dir_fd, leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT && attempt == 1 && ForgetIfRemoved(cache, walk, base, folders)) {
        continue;
      }
    } else if (S_ISREG(st.st_mode)) {
      if (::unlinkat(dir_fd, leaf.c_str(), 0) != 0 && errno != ENOENT && context != nullptr) {
        const int err = errno;
        ThrowErrno(AccessDeniedOrIo(err), *context, "unlink", err);
      }
    }
    RemoveEmptyFolders(cache, walk.folder, walk.depth);
    return;
  }
}

}  // namespace unpackd::local
