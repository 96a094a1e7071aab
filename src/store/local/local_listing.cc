#include "store/local/local_listing.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <string_view>

#include "store/key_validation.h"
#include "store/local/file_identity.h"
#include "store/local/folder_cache.h"
#include "store/local/local_errors.h"

namespace unpackd::local {
namespace {

// Adds every object below `dir_fd` (whose keys start with `key_prefix`) matching `prefix`.
void CollectEntries(int dir_fd, const std::string& key_prefix, const std::string& prefix,
                    const std::string& context, std::vector<ListEntry>& entries) {
  // A new open file description of the folder, not a dup: a dup would share the read offset
  // with the cached folder descriptor, which other Lists read too.
  UniqueFd own = OpenFolderNoFollow(dir_fd, ".");
  DIR* dir = own.valid() ? ::fdopendir(own.get()) : nullptr;
  if (dir == nullptr) {
    ThrowErrno(ErrorKind::kIo, context, "reading folder \"" + key_prefix + "\"", errno);
  }
  own.release();  // the DIR owns it now
  const std::unique_ptr<DIR, int (*)(DIR*)> closer(dir, &::closedir);
  while (true) {
    errno = 0;
    const dirent* entry = ::readdir(dir);
    if (entry == nullptr) {
      if (errno != 0) {
        ThrowErrno(ErrorKind::kIo, context, "reading folder \"" + key_prefix + "\"", errno);
      }
      return;
    }
    const std::string_view name = entry->d_name;
    if (name == "." || name == ".." || name.starts_with(kReservedNamePrefix)) continue;
    const std::string key = key_prefix + std::string(name);
    struct stat st;
    if (::fstatat(dir_fd, entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;  // gone
    if (S_ISDIR(st.st_mode)) {
      const std::string folder = key + "/";
      if (!(prefix.starts_with(folder) || folder.starts_with(prefix))) continue;
      const UniqueFd sub = OpenFolderNoFollow(dir_fd, entry->d_name);
      if (!sub.valid()) continue;  // removed or replaced meanwhile
      CollectEntries(sub.get(), folder, prefix, context, entries);
    } else if (S_ISREG(st.st_mode) && key.starts_with(prefix) && !ObjectKeyProblem(key)) {
      entries.push_back(ListEntry{key, static_cast<uint64_t>(st.st_size), EtagOf(st)});
    }
  }
}

}  // namespace

std::vector<ListEntry> ListObjects(int bucket_fd, const std::string& prefix,
                                   const std::string& context) {
  std::vector<ListEntry> entries;
  CollectEntries(bucket_fd, "", prefix, context, entries);
  std::sort(entries.begin(), entries.end(),
            [](const ListEntry& a, const ListEntry& b) { return a.key < b.key; });
  return entries;
}

}  // namespace unpackd::local
