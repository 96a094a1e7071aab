#include "store/local/local_object_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <utility>

#include "store/key_validation.h"
#include "store/local/file_identity.h"
#include "store/local/key_folders.h"
#include "store/local/local_errors.h"
#include "store/local/metadata_xattr.h"

namespace unpackd::local {
namespace {

constexpr const char* kDefaultContentType = "application/octet-stream";

}  // namespace

LocalObjectWriter::LocalObjectWriter(ObjectRef ref, WriteOptions options,
                                     std::shared_ptr<LocalStoreState> state, FolderPtr bucket)
    : ref_(std::move(ref)),
      options_(std::move(options)),
      segments_(SplitKey(ref_.key)),
      state_(std::move(state)),
      bucket_(std::move(bucket)),
      link_method_(state_->temp_files.LinkMethodFor(bucket_->fd.get())) {
  // An unnamed file when the filesystem allows: it needs no rename when the key is new, and
  // an aborted (or crashed) write leaves nothing behind at all.
  if (link_method_ != LinkMethod::kNone) {
    temp_fd_ = OpenAnonymous(bucket_->fd.get());
    anonymous_ = temp_fd_.valid();
  }
  if (!anonymous_) temp_fd_ = state_->temp_files.CreateNamed(bucket_->fd.get(), temp_name_);
  if (!temp_fd_.valid()) {
    const int err = errno;
    ThrowErrno(AccessDeniedOrIo(err), Context("write", ref_),
               "cannot create a temp file in the bucket folder", err);
  }
}

LocalObjectWriter::~LocalObjectWriter() { Abort(); }

void LocalObjectWriter::Append(std::span<const std::byte> data) {
  RequireOpen("append to");
  if (!WriteAll(temp_fd_.get(), data.data(), data.size())) {
    const int err = errno;
    Abort();
    ThrowErrno(ErrorKind::kIo, Context("write", ref_), "writing the temp file", err);
  }
}

ObjectInfo LocalObjectWriter::Commit() {
  RequireOpen("commit");
  try {
    return CommitOrThrow();
  } catch (...) {
    Abort();
    throw;
  }
}

void LocalObjectWriter::Abort() noexcept {
  if (!temp_fd_.valid()) return;
  temp_fd_.reset();
  if (!anonymous_) ::unlinkat(bucket_->fd.get(), temp_name_.c_str(), 0);
}

void LocalObjectWriter::RequireOpen(const char* what) const {
  if (!temp_fd_.valid()) {
    throw Error(ErrorKind::kInternal, Context("write", ref_) + ": cannot " + what +
                                          " a writer that was already committed or aborted");
  }
}

ObjectInfo LocalObjectWriter::CommitOrThrow() {
  const std::string context = Context("commit", ref_);
  struct stat st;
  if (::fstat(temp_fd_.get(), &st) != 0) ThrowErrno(ErrorKind::kIo, context, "fstat", errno);
  // The ETag is final now: setting an attribute changes the ctime only, linking and renaming
  // nothing it is made of.
  SidecarEntry entry;
  entry.data_etag = EtagOf(st);
  entry.content_type = options_.content_type.empty() ? kDefaultContentType : options_.content_type;
  entry.metadata = options_.metadata;
  const bool in_xattr = PutXattr(entry, context);
  if (state_->fsync && ::fsync(temp_fd_.get()) != 0) {
    ThrowErrno(ErrorKind::kIo, context, "fsync of the temp file", errno);
  }

  const FolderPtr bucket = ReopenBucket(context);
  const Placed placed = PlaceObject(bucket, entry, /*with_sidecar=*/!in_xattr, context);
  temp_fd_.reset();  // committed: Abort() must not remove anything now
  // After the data: until it landed, the sidecar described the object readers saw. Any entry
  // left behind would describe other data only, so this is tidying, not correctness.
  if (in_xattr && state_->metadata.MayHaveSidecars(*bucket)) {
    RemoveSidecar(state_->folders, bucket, segments_);
  }
  if (state_->fsync) SyncFolders(placed, context);

  ObjectInfo info;
  info.size = static_cast<uint64_t>(st.st_size);
  info.etag = std::move(entry.data_etag);
  info.content_type = std::move(entry.content_type);
  info.metadata = std::move(entry.metadata);
  return info;
}

bool LocalObjectWriter::PutXattr(const SidecarEntry& entry, const std::string& context) {
  if (!state_->metadata.UseXattrs()) return false;
  switch (SetMetadataXattr(temp_fd_.get(), entry, context)) {
    case XattrOutcome::kSet:
      return true;
    case XattrOutcome::kUnsupported:
      state_->metadata.XattrsUnsupported();
      return false;
    case XattrOutcome::kTooLarge:
      return false;
  }
  return false;
}

FolderPtr LocalObjectWriter::ReopenBucket(const std::string& context) {
  // The temp file sits in the folder we opened as the bucket; it must still be the bucket
  // (checked by name, without following symlinks), or the rename would land elsewhere.
  FolderPtr bucket = state_->OpenBucket(ref_.bucket, context);
  if (bucket->dev != bucket_->dev || bucket->ino != bucket_->ino) {
    throw Error(ErrorKind::kIo,
                context + ": the bucket folder was replaced while the object was written");
  }
  return bucket;
}

LocalObjectWriter::Placed LocalObjectWriter::PlaceObject(const FolderPtr& bucket,
                                                         const SidecarEntry& entry,
                                                         bool with_sidecar,
                                                         const std::string& context) {
  FolderCache& cache = state_->folders;
  Placed placed;
  bool made_folders = false;
  try {
    for (int attempt = 1;; ++attempt) {
      const bool may_retry = attempt < kFolderRaceAttempts;
      placed.data = cache.Walk(bucket, KeyFolders(segments_), true);
      made_folders = made_folders || !placed.data.created.empty();
      if (placed.data.failure) {
        if (*placed.data.failure != ENOENT || !may_retry) {
          throw Error(ErrorKind::kIo,
                      context + ": " +
                          DescribeBlockedFolder(placed.data.folder->fd.get(), segments_,
                                                placed.data.depth, *placed.data.failure));
        }
      } else {
        const int data_dir_fd = placed.data.folder->fd.get();
        if (with_sidecar && !placed.meta) {
          placed.meta = PlaceSidecar(bucket, data_dir_fd, entry, context);
        }
        if (PlaceData(data_dir_fd, may_retry, context)) return placed;
      }
      ForgetDataFolders(bucket);
    }
  } catch (...) {
    // Leave no folders this commit made.
    if (made_folders && placed.data.folder) {
      RemoveEmptyFolders(cache, placed.data.folder, placed.data.depth);
    }
    throw;
  }
}

FolderPtr LocalObjectWriter::PlaceSidecar(const FolderPtr& bucket, int data_dir_fd,
                                          const SidecarEntry& entry, const std::string& context) {
  state_->metadata.NoteSidecars(*bucket);
  SidecarPlacer placer(*state_, link_method_, bucket, segments_, ref_.key, context);
  // Where the key has no sidecar yet, whatever is under it has no entry to carry over (and a
  // folder of other keys has sidecars below it, so the sidecar cannot land): the new entry is
  // linked without looking at the data tree.
  if (FolderPtr folder = placer.Place(EncodeSidecar({entry}), /*only_if_absent=*/true)) {
    return folder;
  }
  struct stat existing;
  const bool has_existing =
      ::fstatat(data_dir_fd, segments_.back().c_str(), &existing, AT_SYMLINK_NOFOLLOW) == 0;
  if (has_existing && S_ISDIR(existing.st_mode)) ThrowKeyIsFolder(context);
  const Sidecar next =
      NextSidecar(state_->folders, bucket, segments_, has_existing ? &existing : nullptr, entry);
  return placer.Place(EncodeSidecar(next), /*only_if_absent=*/false);
}

bool LocalObjectWriter::PlaceData(int data_dir_fd, bool may_retry, const std::string& context) {
  const char* leaf = segments_.back().c_str();
  if (anonymous_) {
    if (LinkAnonymous(link_method_, temp_fd_.get(), data_dir_fd, leaf) == 0) return true;
    if (errno == ENOENT && may_retry) return false;
    if (errno != EEXIST) {
      ThrowErrno(ErrorKind::kIo, context, "linking the new file into place", errno);
    }
    if (options_.if_absent) ThrowObjectExists(context);
    // Replacing an object: name the file as a temp file, then rename it over the old one
    // (atomic, unlike unlink + link).
    struct stat existing;
    if (::fstatat(data_dir_fd, leaf, &existing, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISDIR(existing.st_mode)) {
      ThrowKeyIsFolder(context);
    }
    temp_name_ = state_->temp_files.NextName();
    if (LinkAnonymous(link_method_, temp_fd_.get(), bucket_->fd.get(), temp_name_.c_str()) != 0) {
      ThrowErrno(ErrorKind::kIo, context, "naming the temp file", errno);
    }
    anonymous_ = false;
  }
  // Under if_absent the rename must not replace: the kernel checks and renames in one step.
  const unsigned flags = options_.if_absent ? RENAME_NOREPLACE : 0;
  if (::renameat2(bucket_->fd.get(), temp_name_.c_str(), data_dir_fd, leaf, flags) == 0) {
    return true;
  }
  if (errno == EEXIST && options_.if_absent) ThrowObjectExists(context);
  if (errno != ENOENT || !may_retry) {
    ThrowErrno(ErrorKind::kIo, context, "renaming the temp file into place", errno);
  }
  return false;
}

void LocalObjectWriter::ThrowObjectExists(const std::string& context) const {
  throw Error(ErrorKind::kPrecondition,
              context + ": another writer's object is already under the key", "object-exists");
}

void LocalObjectWriter::ForgetDataFolders(const FolderPtr& bucket) {
  if (segments_.size() > 1) state_->folders.Forget(ChildPath(bucket->path, segments_[0]));
}

void LocalObjectWriter::SyncFolders(const Placed& placed, const std::string& context) {
  if (::fsync(placed.data.folder->fd.get()) != 0 ||
      (placed.meta && ::fsync(placed.meta->fd.get()) != 0) || ::fsync(bucket_->fd.get()) != 0) {
    ThrowErrno(ErrorKind::kIo, context, "fsync of the object's folders", errno);
  }
}

void LocalObjectWriter::ThrowKeyIsFolder(const std::string& context) const {
  throw Error(ErrorKind::kIo, context + ": \"" + EscapeForMessage(ref_.key) +
                                  "\" is a folder holding other keys (\"" +
                                  EscapeForMessage(ref_.key) +
                                  "/...\"), so it cannot also be an object");
}

}  // namespace unpackd::local
