#include "store/local/local_store.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <utility>
#include <vector>

#include "store/key_validation.h"
#include "store/local/key_folders.h"
#include "store/local/local_errors.h"
#include "store/local/local_listing.h"
#include "store/local/local_object_writer.h"
#include "store/local/local_random_access_object.h"
#include "store/local/local_store_state.h"
#include "store/local/metadata_sidecar.h"
#include "store/local/opened_object.h"
#include "util/error.h"
#include "util/unique_fd.h"

namespace unpackd {
namespace {

using local::Context;

class LocalStore : public ObjectStore {
 public:
  LocalStore(std::filesystem::path root, UniqueFd root_fd, const LocalStoreOptions& options)
      : state_(std::make_shared<local::LocalStoreState>(std::move(root), std::move(root_fd),
                                                        options)) {}

  ObjectInfo Stat(const ObjectRef& ref) override {
    return local::OpenObject(*state_, ref, "stat").info;
  }

  std::unique_ptr<RandomAccessObject> OpenForRead(const ObjectRef& ref) override {
    return std::make_unique<local::LocalRandomAccessObject>(
        ref, local::OpenObject(*state_, ref, "open"));
  }

  std::unique_ptr<ObjectWriter> NewWriter(const ObjectRef& ref,
                                          const WriteOptions& options) override {
    ValidateObjectKey(ref.bucket, ref.key);
    const std::string context = Context("write", ref);
    ValidateUserMetadata(options.metadata, context);
    ValidateContentType(options.content_type, context);
    FolderPtr bucket = state_->OpenBucket(ref.bucket, context);
    CheckKeyFolders(bucket, ref.key, context);
    return std::make_unique<local::LocalObjectWriter>(ref, options, state_, std::move(bucket));
  }

  void List(const std::string& bucket, const std::string& prefix,
            const std::function<bool(const ListEntry&)>& visit) override {
    ValidateBucketName(bucket);
    const std::string context =
        "local store: list " + EscapeForMessage(bucket) + "/" + EscapeForMessage(prefix) + "*";
    const FolderPtr folder = state_->OpenBucket(bucket, context);
    for (const ListEntry& entry : local::ListObjects(folder->fd.get(), prefix, context)) {
      if (!visit(entry)) return;
    }
  }

  void Delete(const ObjectRef& ref) override {
    ValidateObjectKey(ref.bucket, ref.key);
    const std::string context = Context("delete", ref);
    const FolderPtr bucket = state_->OpenBucket(ref.bucket, context);
    const auto segments = local::SplitKey(ref.key);
    // Data first, then the sidecar: a visible data file always has its metadata. An attribute
    // goes with its file; buckets without a sidecar tree cost no sidecar syscall.
    local::RemoveFileAndEmptyFolders(state_->folders, bucket, local::KeyFolders(segments),
                                     segments.back(), &context);
    if (state_->metadata.MayHaveSidecars(*bucket)) {
      local::RemoveSidecar(state_->folders, bucket, segments);
    }
  }

  // The filesystem's rules (255-byte segments, no control characters, ...), not just S3's.
  std::optional<std::string> KeyProblem(std::string_view key) const override {
    return ObjectKeyProblem(key);
  }
  // A key is a file; a longer key needs it to be a folder.
  bool KeysMayNest() const override { return false; }

 private:
  // Fails early on a key clash (a folder of the key is an object, or a symlink); Commit checks
  // again since the tree may change meanwhile. A folder in the cache was there a moment ago:
  // no need to look again for a hint. Nothing at all below the deepest cached folder (the
  // usual new folder) is no clash either, found with one fstatat instead of a checked walk.
  void CheckKeyFolders(const FolderPtr& bucket, const std::string& key,
                       const std::string& context) {
    const auto segments = local::SplitKey(key);
    const auto folders = local::KeyFolders(segments);
    const FolderWalk hint = state_->folders.CachedHint(bucket, folders);
    if (hint.depth == folders.size()) return;
    struct stat st;
    const char* missing = folders[hint.depth].c_str();
    if (::fstatat(hint.folder->fd.get(), missing, &st, AT_SYMLINK_NOFOLLOW) != 0 &&
        errno == ENOENT) {
      return;
    }
    const FolderWalk walk = state_->folders.Walk(bucket, folders, false);
    if (walk.failure && *walk.failure != ENOENT) {
      throw Error(ErrorKind::kIo, context + ": " +
                                      local::DescribeBlockedFolder(walk.folder->fd.get(), segments,
                                                                   walk.depth, *walk.failure));
    }
  }

  const std::shared_ptr<local::LocalStoreState> state_;
};

}  // namespace

std::unique_ptr<ObjectStore> MakeLocalStore(std::filesystem::path root, LocalStoreOptions options) {
  UniqueFd fd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) {
    const int err = errno;
    throw Error(
        err == ENOENT || err == ENOTDIR ? ErrorKind::kNotFound : local::KindForErrno(err),
        "local store: cannot open root folder " + root.string() + ": " + local::ErrnoText(err));
  }
  return std::make_unique<LocalStore>(std::move(root), std::move(fd), options);
}

void CreateBucket(const std::filesystem::path& root, const std::string& name) {
  ValidateBucketName(name);
  const std::filesystem::path path = root / name;
  if (::mkdir(path.c_str(), 0755) == 0) return;
  const int err = errno;
  struct stat st;
  if (err == EEXIST && ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return;
  throw Error(local::AccessDeniedOrIo(err),
              "local store: create bucket " + path.string() + ": " + local::ErrnoText(err));
}

}  // namespace unpackd
