#include "store/local/opened_object.h"

#include <fcntl.h>

#include <cerrno>
#include <chrono>
#include <optional>
#include <thread>
#include <vector>

#include "store/key_validation.h"
#include "store/local/file_identity.h"
#include "store/local/key_folders.h"
#include "store/local/local_errors.h"
#include "store/local/metadata_sidecar.h"
#include "store/local/metadata_xattr.h"

namespace unpackd::local {
namespace {

// How often OpenObject re-reads a sidecar that has no entry for its data, and how long it
// waits in between: long enough for a concurrent writer to rename its data after its sidecar.
constexpr int kSidecarAttempts = 4;
constexpr std::chrono::milliseconds kSidecarRetryDelay{2};

[[noreturn]] void ThrowNotFound(const std::string& context, const std::string& why = "") {
  throw Error(ErrorKind::kNotFound, context + ": no such object" + why);
}

// Opens the data file of the key `segments` in `bucket`: fd, parent and leaf are set.
void OpenDataFile(FolderCache& cache, const FolderPtr& bucket,
                  const std::vector<std::string>& segments, const std::string& context,
                  OpenedObject& opened) {
  const auto folders = KeyFolders(segments);
  opened.leaf = segments.back();
  for (int attempt = 1; !opened.fd.valid(); ++attempt) {
    const FolderWalk walk = cache.Walk(bucket, folders, false);
    if (walk.failure) {
      if (*walk.failure == ENOENT) ThrowNotFound(context);
      ThrowNotFound(
          context,
          " (" + DescribeBlockedFolder(walk.folder->fd.get(), segments, walk.depth, *walk.failure) +
              ")");
    }
    // O_NONBLOCK: a FIFO planted under a key must not hang the open.
    opened.fd.reset(::openat(walk.folder->fd.get(), opened.leaf.c_str(),
                             O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    opened.parent = walk.folder;
    if (opened.fd.valid()) return;
    const int err = errno;
    if (err == ENOENT) {
      if (attempt == 1 && ForgetIfRemoved(cache, walk, bucket, folders)) continue;
      ThrowNotFound(context);
    }
    if (err == ELOOP) {
      ThrowNotFound(context, " (it is a symbolic link, which the local store never follows)");
    }
    ThrowErrno(KindForErrno(err), context, "open", err);
  }
}

// Opens the data file and fills in what stat tells: size and ETag.
OpenedObject OpenData(FolderCache& cache, const FolderPtr& bucket,
                      const std::vector<std::string>& segments, const std::string& context) {
  OpenedObject opened;
  OpenDataFile(cache, bucket, segments, context, opened);
  if (::fstat(opened.fd.get(), &opened.st) != 0) {
    ThrowErrno(ErrorKind::kIo, context, "fstat", errno);
  }
  if (S_ISDIR(opened.st.st_mode)) ThrowNotFound(context, " (it is a folder of other keys)");
  if (!S_ISREG(opened.st.st_mode)) ThrowNotFound(context, " (it is not a regular file)");
  opened.info.size = static_cast<uint64_t>(opened.st.st_size);
  opened.info.etag = EtagOf(opened.st);
  return opened;
}

void Describe(const SidecarEntry& entry, ObjectInfo& info) {
  info.content_type = entry.content_type;
  info.metadata = entry.metadata;
}

// True if the key no longer names the opened file.
bool Replaced(const OpenedObject& opened) {
  struct stat named;
  return ::fstatat(opened.parent->fd.get(), opened.leaf.c_str(), &named, AT_SYMLINK_NOFOLLOW) !=
             0 ||
         !SameFile(named, opened.st);
}

}  // namespace

OpenedObject OpenObject(LocalStoreState& state, const ObjectRef& ref, const char* operation) {
  ValidateObjectKey(ref.bucket, ref.key);
  const std::string context = Context(operation, ref);
  const FolderPtr bucket = state.OpenBucket(ref.bucket, context);
  const auto segments = SplitKey(ref.key);
  for (int attempt = 1;; ++attempt) {
    OpenedObject opened = OpenData(state.folders, bucket, segments, context);
    // The file's own attribute describes it whatever happens to the key meanwhile; a sidecar
    // is never looked at then (any left for the key describes other data).
    if (const std::optional<SidecarEntry> own = ReadMetadataXattr(opened.fd.get())) {
      if (own->data_etag == opened.info.etag) Describe(*own, opened.info);
      return opened;
    }
    // Not looked for through MetadataMode's cache: a sidecar-era object by another process
    // must read with its metadata, and a missing tree costs one failed openat.
    const Sidecar sidecar = ReadSidecar(state.folders, bucket, segments);
    if (const SidecarEntry* entry = FindEntry(sidecar, opened.info.etag)) {
      Describe(*entry, opened.info);
      return opened;
    }
    if (attempt == kSidecarAttempts) return opened;
    // The key names newer data already, whose writer may have removed our sidecar (an
    // attribute-carrying commit tidies it away): read that instead, as if opened a moment later.
    if (Replaced(opened)) continue;
    if (sidecar.empty()) return opened;
    // A sidecar for other data: concurrent writers of this key raced each other, or the data
    // was overwritten by another tool. Give a writer a moment, then look again.
    std::this_thread::sleep_for(kSidecarRetryDelay * attempt);
  }
}

}  // namespace unpackd::local
