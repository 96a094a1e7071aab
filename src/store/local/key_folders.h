// How a key maps onto a bucket's folder tree, and the folder chores every part of the local
// store shares: the key "a/b/c" is the file "c" in the folder "a/b" of the bucket folder (and
// its sidecar the file "c" in ".unpackd-meta/a/b"); folders are walked through the FolderCache,
// never through a symbolic link.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/local/folder_cache.h"

namespace unpackd::local {

// How often a commit walks its folders again after a concurrent Delete removed one of them.
inline constexpr int kFolderRaceAttempts = 8;

// The '/'-separated segments of a (validated) key.
std::vector<std::string> SplitKey(std::string_view key);

// The folders of a key: every segment but the last.
std::span<const std::string> KeyFolders(const std::vector<std::string>& segments);

// Why segments[failed] could not be entered as a folder under `parent_fd` (errno `err`), for
// messages: a symlink, an existing object, not a folder, or strerror.
std::string DescribeBlockedFolder(int parent_fd, const std::vector<std::string>& segments,
                                  size_t failed, int err);

// Removes `levels` folders from `deepest` upwards, as long as they are empty. Best effort: a
// folder someone just wrote into stays.
void RemoveEmptyFolders(FolderCache& cache, const FolderPtr& deepest, size_t levels);

// After a name was not found in `walk.folder` (reached through `folders` below `base`): if
// that folder was removed meanwhile (a cached folder a concurrent Delete emptied, whose inode
// number a new folder of the same name reuses), forgets it and returns true so the caller
// looks again by name.
bool ForgetIfRemoved(FolderCache& cache, const FolderWalk& walk, const FolderPtr& base,
                     std::span<const std::string> folders);

// Removes the regular file `leaf` in the folders `folders` below `base` (nothing if it is
// absent or not a regular file), then the folders that leaves empty. With `context`, a failing
// unlink throws (kAccessDenied or kIo, naming `context`); without, it is ignored.
void RemoveFileAndEmptyFolders(FolderCache& cache, const FolderPtr& base,
                               std::span<const std::string> folders, const std::string& leaf,
                               const std::string* context);

}  // namespace unpackd::local
