#include "store/local_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>
#include <span>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "store/folder_cache.h"
#include "store/key_validation.h"
#include "store/unique_fd.h"
#include "util/error.h"

namespace unpackd {
namespace {

constexpr const char* kMetaDirName = ".unpackd-meta";
constexpr std::string_view kTempPrefix = ".unpackd-tmp-";

// How often OpenObject re-reads a sidecar that has no entry for its data, and how long it
// waits in between: long enough for a concurrent writer to rename its data after its sidecar.
constexpr int kSidecarAttempts = 4;
constexpr std::chrono::milliseconds kSidecarRetryDelay{2};

// How often a commit walks its folders again after a concurrent Delete removed one of them.
constexpr int kFolderRaceAttempts = 8;

constexpr const char* kDefaultContentType = "application/octet-stream";

std::string ErrnoText(int err) { return std::system_category().message(err); }

ErrorKind KindForErrno(int err) {
  switch (err) {
    case ENOENT:
      return ErrorKind::kNotFound;
    case EACCES:
    case EPERM:
      return ErrorKind::kAccessDenied;
    default:
      return ErrorKind::kIo;
  }
}

// "local store: <operation> <bucket>/<key>: <detail>".
std::string Context(std::string_view operation, const ObjectRef& ref) {
  return "local store: " + std::string(operation) + " " + EscapeForMessage(ref.ToString());
}

[[noreturn]] void ThrowErrno(ErrorKind kind, const std::string& context, const std::string& what,
                             int err) {
  throw Error(kind, context + ": " + what + ": " + ErrnoText(err));
}

int64_t MtimeNs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

std::string EtagOf(const struct stat& st) {
  char text[64];
  std::snprintf(text, sizeof text, "%" PRIx64 "-%" PRIx64 "-%" PRIx64,
                static_cast<uint64_t>(st.st_ino), static_cast<uint64_t>(st.st_size),
                static_cast<uint64_t>(MtimeNs(st)));
  return text;
}

bool SameFile(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

bool SameContent(const struct stat& a, const struct stat& b) {
  return SameFile(a, b) && a.st_size == b.st_size && MtimeNs(a) == MtimeNs(b);
}

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

// segments[0..count) joined with '/', for messages.
std::string JoinSegments(const std::vector<std::string>& segments, size_t count) {
  std::string out;
  for (size_t i = 0; i < count; ++i) {
    if (i > 0) out += '/';
    out += segments[i];
  }
  return out;
}

int OpenDirNoFollow(int dir_fd, const char* name) {
  return ::openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

std::string RandomHex() {
  std::random_device device;
  const uint64_t value = (static_cast<uint64_t>(device()) << 32) ^ device();
  char text[17];
  std::snprintf(text, sizeof text, "%016" PRIx64, value);
  return text;
}

// How this process gives an unnamed (O_TMPFILE) file a name.
enum class LinkMethod {
  kEmptyPath,  // linkat(fd, "", AT_EMPTY_PATH): root, or Linux >= 6.10 for our own files
  kProcFd,     // linkat("/proc/self/fd/N", AT_SYMLINK_FOLLOW): needs /proc
  kNone,       // no O_TMPFILE on this filesystem, or neither works: named temp files only
  kUnknownYet,
};

// An unnamed file in `dir_fd`, or an invalid fd (errno set) if the filesystem has none.
UniqueFd OpenAnonymous(int dir_fd) {
  return UniqueFd(::openat(dir_fd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644));
}

// Gives the unnamed file `fd` the name `name` in `dir_fd`, atomically with all its content;
// fails with EEXIST rather than replace anything. 0, or -1 with errno set.
int LinkAnonymous(LinkMethod method, int fd, int dir_fd, const char* name) {
  if (method == LinkMethod::kEmptyPath) return ::linkat(fd, "", dir_fd, name, AT_EMPTY_PATH);
  char path[40];
  std::snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  return ::linkat(AT_FDCWD, path, dir_fd, name, AT_SYMLINK_FOLLOW);
}

// What a store shares with its writers (which may outlive it).
struct StoreState {
  StoreState(UniqueFd root_fd, const LocalStoreOptions& options)
      : folders(std::move(root_fd), options.max_open_folders),
        fsync(options.fsync),
        temp_prefix(std::string(kTempPrefix) + RandomHex() + "-"),
        link_method(options.unnamed_temp_files ? LinkMethod::kUnknownYet : LinkMethod::kNone) {}

  // A temp file name no other writer of this store uses: a random prefix per store (so other
  // processes rarely collide; O_EXCL catches it when they do) plus a counter, which costs no
  // syscall, unlike asking the kernel for randomness per file.
  std::string NextTempName() {
    char text[17];
    std::snprintf(text, sizeof text, "%" PRIx64, temp_counter.fetch_add(1));
    return temp_prefix + text;
  }

  // How unnamed files can be linked into `dir_fd`'s filesystem (a bucket folder); found out
  // once per store by linking a probe file (kernel version, capabilities and /proc decide).
  LinkMethod LinkMethodFor(int dir_fd) {
    LinkMethod method = link_method.load();
    if (method == LinkMethod::kUnknownYet) {
      method = Probe(dir_fd);
      link_method.store(method);
    }
    return method;
  }

  FolderCache folders;
  const bool fsync;
  const std::string temp_prefix;
  std::atomic<uint64_t> temp_counter{0};

 private:
  LinkMethod Probe(int dir_fd) {
    for (const LinkMethod method : {LinkMethod::kEmptyPath, LinkMethod::kProcFd}) {
      const UniqueFd fd = OpenAnonymous(dir_fd);
      if (!fd.valid()) return LinkMethod::kNone;
      const std::string name = NextTempName();
      if (LinkAnonymous(method, fd.get(), dir_fd, name.c_str()) == 0) {
        ::unlinkat(dir_fd, name.c_str(), 0);
        return method;
      }
    }
    return LinkMethod::kNone;
  }

  std::atomic<LinkMethod> link_method;
};

// Creates a new, empty temp file in `dir_fd`; returns its fd and sets `name`.
UniqueFd CreateTempFile(StoreState& state, int dir_fd, std::string& name) {
  for (int attempt = 0; attempt < 16; ++attempt) {
    name = state.NextTempName();
    const int fd =
        ::openat(dir_fd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd >= 0) return UniqueFd(fd);
    if (errno != EEXIST) return UniqueFd();
  }
  errno = EEXIST;
  return UniqueFd();
}

// Writes all of `data` to `fd`; false with errno set on failure.
bool WriteAll(int fd, const void* data, size_t size) {
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// Why segments[failed] could not be entered as a folder under `parent_fd`, for messages.
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

// The folders of a key: every segment but the last.
std::span<const std::string> KeyFolders(const std::vector<std::string>& segments) {
  return std::span(segments).first(segments.size() - 1);
}

// The one-name path from a bucket folder to its sidecar tree.
std::span<const std::string> MetaRootName() {
  static const std::string kName[] = {kMetaDirName};
  return kName;
}

// Removes `levels` folders from `deepest` upwards, as long as they are empty. Best effort: a
// folder someone just wrote into stays.
void RemoveEmptyFolders(FolderCache& cache, const FolderPtr& deepest, size_t levels) {
  const OpenFolder* folder = deepest.get();
  for (size_t i = 0; i < levels && folder->parent; ++i, folder = folder->parent.get()) {
    if (::unlinkat(folder->parent->fd.get(), folder->name.c_str(), AT_REMOVEDIR) != 0) return;
    cache.Forget(folder->path);
  }
}

// After a name was not found in `walk.folder` (reached through `folders` below `base`): if
// that folder was removed meanwhile (a cached folder a concurrent Delete emptied, whose inode
// number a new folder of the same name reuses), forgets it and returns true so the caller
// looks again by name.
bool ForgetIfRemoved(FolderCache& cache, const FolderWalk& walk, const FolderPtr& base,
                     std::span<const std::string> folders) {
  if (walk.depth == 0 || !FolderCache::Removed(*walk.folder)) return false;
  cache.Forget(ChildPath(base->path, folders[0]));
  return true;
}

// What a sidecar says about one version of the data file.
struct SidecarEntry {
  std::string data_etag;  // the data file this entry describes
  std::string content_type;
  UserMetadata metadata;
};

// A sidecar holds the entry of the data file that was current when it was written, plus the
// entry of the data about to be renamed into place: a reader that opens the old data after the
// new sidecar landed still finds its metadata.
using Sidecar = std::vector<SidecarEntry>;

std::string SerializeSidecar(const Sidecar& sidecar) {
  nlohmann::json versions = nlohmann::json::array();
  for (const SidecarEntry& entry : sidecar) {
    versions.push_back({{"data_etag", entry.data_etag},
                        {"content_type", entry.content_type},
                        {"metadata", entry.metadata}});
  }
  return nlohmann::json{{"versions", versions}}.dump();
}

const SidecarEntry* FindEntry(const Sidecar& sidecar, const std::string& data_etag) {
  for (const SidecarEntry& entry : sidecar) {
    if (entry.data_etag == data_etag) return &entry;
  }
  return nullptr;
}

// Reads the sidecar for `segments` under the bucket's sidecar tree; empty when there is none
// or it is unreadable (it only describes the data; the data is what matters).
Sidecar ReadSidecar(FolderCache& cache, const FolderPtr& bucket,
                    const std::vector<std::string>& segments) {
  const FolderWalk meta_root = cache.Walk(bucket, MetaRootName(), false);
  if (meta_root.failure) return {};
  const auto folders = KeyFolders(segments);
  UniqueFd fd;
  for (int attempt = 1; !fd.valid(); ++attempt) {
    const FolderWalk chain = cache.Walk(meta_root.folder, folders, false);
    if (chain.failure) return {};
    fd.reset(::openat(chain.folder->fd.get(), segments.back().c_str(),
                      O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    if (!fd.valid() && (errno != ENOENT || attempt > 1 ||
                        !ForgetIfRemoved(cache, chain, meta_root.folder, folders))) {
      return {};
    }
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (1 << 20)) return {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (1 << 20)) return {};
  std::string text(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::pread(fd.get(), text.data() + done, text.size() - done, done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return {};
    done += static_cast<size_t>(n);
  }
  const nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || !json.contains("versions") || !json["versions"].is_array()) return {};
  try {
    Sidecar sidecar;
    for (const nlohmann::json& version : json["versions"]) {
      SidecarEntry entry;
      entry.data_etag = version.at("data_etag").get<std::string>();
      entry.content_type = version.value("content_type", "");
      entry.metadata = version.value("metadata", UserMetadata{});
      sidecar.push_back(std::move(entry));
    }
    return sidecar;
  } catch (const nlohmann::json::exception&) {
    return {};  // a hand-edited or foreign file: treat as absent
  }
}

void ValidateWriteOptions(const ObjectRef& ref, const WriteOptions& options) {
  const auto fail = [&](const std::string& what) {
    throw Error(ErrorKind::kUsage, Context("write", ref) + ": " + what);
  };
  for (const auto& [name, value] : options.metadata) {
    if (name.empty()) fail("empty user metadata name");
    for (const char c : name) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
        fail("user metadata name \"" + EscapeForMessage(name) +
             "\" must use only lower-case letters, digits and '-'");
      }
    }
    for (const char c : value) {
      if (c < 0x20 || c > 0x7e) {
        fail("user metadata \"" + name + "\" has a value that is not printable ASCII");
      }
    }
  }
  for (const char c : options.content_type) {
    if (c < 0x20 || c > 0x7e) fail("content type is not printable ASCII");
  }
}

// One opened data file plus what readers need to recheck it.
struct OpenedObject {
  FolderPtr parent;  // the folder holding the file, to recheck what the key names now
  UniqueFd fd;
  struct stat st;
  std::string leaf;
  ObjectInfo info;
};

// The folder of `bucket` (validated, never through a symlink). Throws kNotFound if absent.
FolderPtr OpenBucketFolder(FolderCache& cache, const std::filesystem::path& root,
                           const std::string& bucket, const std::string& context) {
  ValidateBucketName(bucket);
  FolderPtr folder = cache.OpenTop(bucket);
  if (!folder) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR || err == ELOOP) {
      throw Error(ErrorKind::kNotFound, context + ": bucket \"" + EscapeForMessage(bucket) +
                                            "\" does not exist (no folder " +
                                            (root / bucket).string() + ")");
    }
    ThrowErrno(KindForErrno(err), context, "opening bucket folder " + (root / bucket).string(),
               err);
  }
  return folder;
}

class LocalRandomAccessObject : public RandomAccessObject {
 public:
  LocalRandomAccessObject(ObjectRef ref, OpenedObject opened)
      : ref_(std::move(ref)), opened_(std::move(opened)) {}

  const ObjectInfo& info() const override { return opened_.info; }

  size_t ReadAt(uint64_t offset, std::span<std::byte> dst) override {
    const uint64_t size = opened_.info.size;
    size_t wanted = 0;
    if (offset < size) wanted = static_cast<size_t>(std::min<uint64_t>(dst.size(), size - offset));
    size_t done = 0;
    while (done < wanted) {
      const ssize_t n = ::pread(opened_.fd.get(), dst.data() + done, wanted - done,
                                static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        ThrowErrno(ErrorKind::kIo, Context("read", ref_),
                   "pread at offset " + std::to_string(offset + done), errno);
      }
      if (n == 0) break;  // shorter than when opened: CheckUnchanged reports it
      done += static_cast<size_t>(n);
    }
    // Checked after reading so that a change during the read is caught too.
    CheckUnchanged();
    if (done < wanted) {
      throw Error(ErrorKind::kPrecondition,
                  Context("read", ref_) + ": the file became shorter while being read");
    }
    return done;
  }

 private:
  void CheckUnchanged() const {
    struct stat now;
    if (::fstat(opened_.fd.get(), &now) != 0) {
      ThrowErrno(ErrorKind::kIo, Context("read", ref_), "fstat", errno);
    }
    if (!SameContent(now, opened_.st)) {
      throw Error(ErrorKind::kPrecondition,
                  Context("read", ref_) +
                      ": the object was modified in place since it was opened "
                      "(ETag " +
                      opened_.info.etag + " -> " + EtagOf(now) + ")");
    }
    struct stat named;
    if (::fstatat(opened_.parent->fd.get(), opened_.leaf.c_str(), &named, AT_SYMLINK_NOFOLLOW) !=
        0) {
      if (errno == ENOENT) {
        throw Error(ErrorKind::kPrecondition,
                    Context("read", ref_) + ": the object was deleted since it was opened");
      }
      ThrowErrno(ErrorKind::kIo, Context("read", ref_), "fstatat", errno);
    }
    if (!SameFile(named, opened_.st)) {
      throw Error(ErrorKind::kPrecondition, Context("read", ref_) +
                                                ": the object was replaced since it was opened "
                                                "(ETag " +
                                                opened_.info.etag + ")");
    }
  }

  const ObjectRef ref_;
  const OpenedObject opened_;
};

class LocalWriter : public ObjectWriter {
 public:
  LocalWriter(ObjectRef ref, WriteOptions options, std::shared_ptr<StoreState> state,
              std::filesystem::path root, FolderPtr bucket)
      : ref_(std::move(ref)),
        options_(std::move(options)),
        segments_(SplitKey(ref_.key)),
        state_(std::move(state)),
        root_(std::move(root)),
        bucket_(std::move(bucket)),
        link_method_(state_->LinkMethodFor(bucket_->fd.get())) {
    // An unnamed file when the filesystem allows: it needs no rename when the key is new, and
    // an aborted (or crashed) write leaves nothing behind at all.
    if (link_method_ != LinkMethod::kNone) {
      temp_fd_ = OpenAnonymous(bucket_->fd.get());
      anonymous_ = temp_fd_.valid();
    }
    if (!anonymous_) temp_fd_ = CreateTempFile(*state_, bucket_->fd.get(), temp_name_);
    if (!temp_fd_.valid()) {
      ThrowErrno(KindForErrno(errno) == ErrorKind::kAccessDenied ? ErrorKind::kAccessDenied
                                                                 : ErrorKind::kIo,
                 Context("write", ref_), "cannot create a temp file in the bucket folder", errno);
    }
  }

  ~LocalWriter() override { Abort(); }

  void Append(std::span<const std::byte> data) override {
    RequireOpen("append to");
    if (!WriteAll(temp_fd_.get(), data.data(), data.size())) {
      const int err = errno;
      Abort();
      ThrowErrno(ErrorKind::kIo, Context("write", ref_), "writing the temp file", err);
    }
  }

  ObjectInfo Commit() override {
    RequireOpen("commit");
    try {
      return CommitOrThrow();
    } catch (...) {
      Abort();
      throw;
    }
  }

  void Abort() noexcept override {
    if (!temp_fd_.valid()) return;
    temp_fd_.reset();
    if (!anonymous_) ::unlinkat(bucket_->fd.get(), temp_name_.c_str(), 0);
  }

 private:
  void RequireOpen(const char* what) const {
    if (!temp_fd_.valid()) {
      throw Error(ErrorKind::kInternal, Context("write", ref_) + ": cannot " + what +
                                            " a writer that was already committed or aborted");
    }
  }

  ObjectInfo CommitOrThrow() {
    const std::string context = Context("commit", ref_);
    if (state_->fsync && ::fsync(temp_fd_.get()) != 0) {
      ThrowErrno(ErrorKind::kIo, context, "fsync of the temp file", errno);
    }
    struct stat st;
    if (::fstat(temp_fd_.get(), &st) != 0) ThrowErrno(ErrorKind::kIo, context, "fstat", errno);

    SidecarEntry entry;
    entry.data_etag = EtagOf(st);
    entry.content_type =
        options_.content_type.empty() ? kDefaultContentType : options_.content_type;
    entry.metadata = options_.metadata;

    // The temp file sits in the folder we opened as the bucket; it must still be the bucket
    // (checked by name, without following symlinks), or the rename would land elsewhere.
    const FolderPtr bucket = OpenBucketFolder(state_->folders, root_, ref_.bucket, context);
    if (bucket->dev != bucket_->dev || bucket->ino != bucket_->ino) {
      throw Error(ErrorKind::kIo,
                  context + ": the bucket folder was replaced while the object was written");
    }

    FolderCache& cache = state_->folders;
    const auto folders = KeyFolders(segments_);
    const char* leaf = segments_.back().c_str();
    FolderWalk data;
    std::vector<size_t> created;
    FolderPtr meta_parent;
    // Forgets the cached data folders, to walk them again by name.
    const auto forget_folders = [&] {
      if (!folders.empty()) cache.Forget(ChildPath(bucket->path, folders[0]));
    };
    try {
      // A concurrent Delete may remove a folder that was empty between our walk and our rename
      // (ENOENT); walking again recreates it.
      for (int attempt = 1;; ++attempt) {
        // 1. The data folders, checked (and made) before the sidecar is touched, so that a key
        //    clash fails without harming the metadata of the object in the way.
        data = cache.Walk(bucket, folders, true);
        created.insert(created.end(), data.created.begin(), data.created.end());
        if (data.failure) {
          if (*data.failure == ENOENT && attempt < kFolderRaceAttempts) {
            forget_folders();
            continue;
          }
          throw Error(ErrorKind::kIo, context + ": " +
                                          DescribeBlockedFolder(data.folder->fd.get(), segments_,
                                                                data.depth, *data.failure));
        }
        // 2. The sidecar, before the data: once the data is visible its metadata is in place.
        //    Where the key has no sidecar yet, whatever is under it has no entry to carry over
        //    (and a folder of other keys has sidecars below it, so the sidecar cannot land):
        //    the new entry is linked without looking at the data tree.
        if (!meta_parent) {
          meta_parent = PlaceSidecar(bucket, context, SerializeSidecar({entry}), true);
        }
        if (!meta_parent) {
          struct stat existing;
          const bool has_existing =
              ::fstatat(data.folder->fd.get(), leaf, &existing, AT_SYMLINK_NOFOLLOW) == 0;
          if (has_existing && S_ISDIR(existing.st_mode)) ThrowKeyIsFolder(context);
          meta_parent = PlaceSidecar(
              bucket, context,
              SerializeSidecar(NextSidecar(bucket, has_existing ? &existing : nullptr, entry)),
              false);
        }
        // 3. The data: an unnamed file is linked under the key unless something is there.
        if (anonymous_) {
          if (LinkAnonymous(link_method_, temp_fd_.get(), data.folder->fd.get(), leaf) == 0) break;
          if (errno == ENOENT && attempt < kFolderRaceAttempts) {
            forget_folders();
            continue;
          }
          if (errno != EEXIST) {
            ThrowErrno(ErrorKind::kIo, context, "linking the new file into place", errno);
          }
          // Replacing an object: name the file as a temp file, then rename it over the old one
          // (atomic, unlike unlink + link).
          struct stat existing;
          if (::fstatat(data.folder->fd.get(), leaf, &existing, AT_SYMLINK_NOFOLLOW) == 0 &&
              S_ISDIR(existing.st_mode)) {
            ThrowKeyIsFolder(context);
          }
          temp_name_ = state_->NextTempName();
          if (LinkAnonymous(link_method_, temp_fd_.get(), bucket_->fd.get(), temp_name_.c_str()) !=
              0) {
            ThrowErrno(ErrorKind::kIo, context, "naming the temp file", errno);
          }
          anonymous_ = false;
        }
        if (::renameat(bucket_->fd.get(), temp_name_.c_str(), data.folder->fd.get(), leaf) == 0) {
          break;
        }
        if (errno != ENOENT || attempt == kFolderRaceAttempts) {
          ThrowErrno(ErrorKind::kIo, context, "renaming the temp file into place", errno);
        }
        forget_folders();
      }
    } catch (...) {
      // Leave no folders this commit made. (If the sidecar was already replaced, it does not
      // match the old data's ETag, so the old object reads as having no metadata; only a
      // failing rename of the data gets there.)
      if (!created.empty() && data.folder) RemoveEmptyFolders(cache, data.folder, data.depth);
      throw;
    }
    temp_fd_.reset();  // committed: Abort() must not remove anything now
    if (state_->fsync) {
      if (::fsync(data.folder->fd.get()) != 0 || ::fsync(meta_parent->fd.get()) != 0 ||
          ::fsync(bucket_->fd.get()) != 0) {
        ThrowErrno(ErrorKind::kIo, context, "fsync of the object's folders", errno);
      }
    }

    ObjectInfo info;
    info.size = static_cast<uint64_t>(st.st_size);
    info.etag = entry.data_etag;
    info.content_type = entry.content_type;
    info.metadata = entry.metadata;
    return info;
  }

  [[noreturn]] void ThrowKeyIsFolder(const std::string& context) const {
    throw Error(ErrorKind::kIo, context + ": \"" + EscapeForMessage(ref_.key) +
                                    "\" is a folder holding other keys (\"" +
                                    EscapeForMessage(ref_.key) +
                                    "/...\"), so it cannot also be an object");
  }

  // The sidecar to write for `entry`: it, plus the entry of `current` (the data file now under
  // the key, if any), for readers that open that data after our sidecar lands.
  Sidecar NextSidecar(const FolderPtr& bucket, const struct stat* current,
                      const SidecarEntry& entry) const {
    Sidecar next;
    if (current != nullptr && S_ISREG(current->st_mode)) {
      const Sidecar previous = ReadSidecar(state_->folders, bucket, segments_);
      if (const SidecarEntry* found = FindEntry(previous, EtagOf(*current))) {
        next.push_back(*found);
      }
    }
    next.push_back(entry);
    return next;
  }

  // Writes the sidecar atomically and returns its folder: as an unnamed file linked into
  // place when there is no sidecar yet (one syscall less than temp file + rename), else as a
  // named temp file renamed over the old one. With `only_if_absent`, returns null instead of
  // replacing anything (and when unnamed files are not available).
  FolderPtr PlaceSidecar(const FolderPtr& bucket, const std::string& context,
                         const std::string& text, bool only_if_absent) {
    if (only_if_absent && link_method_ == LinkMethod::kNone) return nullptr;
    const auto fail = [&](const std::string& what, int err) {
      ThrowErrno(
          ErrorKind::kIo, context,
          "sidecar " + std::string(kMetaDirName) + "/" + EscapeForMessage(ref_.key) + ": " + what,
          err);
    };
    FolderCache& cache = state_->folders;
    const auto folders = KeyFolders(segments_);
    const char* leaf = segments_.back().c_str();
    // Retried on ENOENT: a concurrent Delete may remove a folder that was empty until our
    // sidecar landed in it.
    for (int attempt = 1;; ++attempt) {
      const FolderWalk meta_root = cache.Walk(bucket, MetaRootName(), true);
      if (meta_root.failure) fail("opening the sidecar folder", *meta_root.failure);
      FolderWalk chain;
      // A plain file where the sidecar tree needs a folder is a stale sidecar (the data tree has
      // a folder there, we just walked it): remove it and walk again, once per level.
      for (size_t level = 0; level <= segments_.size(); ++level) {
        chain = cache.Walk(meta_root.folder, folders, true);
        if (!chain.failure) break;
        struct stat st;
        const char* name = segments_[chain.depth].c_str();
        if (*chain.failure != ENOTDIR ||
            ::fstatat(chain.folder->fd.get(), name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
            !S_ISREG(st.st_mode) || ::unlinkat(chain.folder->fd.get(), name, 0) != 0) {
          break;
        }
      }
      const bool may_retry = attempt < kFolderRaceAttempts;
      // The sidecar tree's root too: if it was removed and made again with the same inode
      // number, only walking it again by name finds the live one.
      const auto forget = [&] { cache.Forget(meta_root.folder->path); };
      if (chain.failure) {
        if (*chain.failure == ENOENT && may_retry) {
          forget();
          continue;
        }
        throw Error(ErrorKind::kIo, context + ": sidecar tree: " +
                                        DescribeBlockedFolder(chain.folder->fd.get(), segments_,
                                                              chain.depth, *chain.failure));
      }
      const int dir_fd = chain.folder->fd.get();
      std::string temp_name;
      UniqueFd fd;
      if (link_method_ != LinkMethod::kNone) fd = OpenAnonymous(dir_fd);
      if (!fd.valid() && only_if_absent) return nullptr;
      if (fd.valid()) {
        if (!WriteAll(fd.get(), text.data(), text.size()) ||
            (state_->fsync && ::fsync(fd.get()) != 0)) {
          fail("writing", errno);
        }
        if (LinkAnonymous(link_method_, fd.get(), dir_fd, leaf) == 0) return chain.folder;
        if (errno == ENOENT && may_retry) {
          forget();
          continue;
        }
        if (errno != EEXIST) fail("linking into place", errno);
        if (only_if_absent) return nullptr;
        // A sidecar is there already: name ours as a temp file and rename it over that one.
        temp_name = state_->NextTempName();
        if (LinkAnonymous(link_method_, fd.get(), dir_fd, temp_name.c_str()) != 0) {
          fail("naming the temp file", errno);
        }
      } else {
        fd = CreateTempFile(*state_, dir_fd, temp_name);
        if (!fd.valid()) {
          if (errno == ENOENT && may_retry) {
            forget();
            continue;
          }
          fail("creating a temp file", errno);
        }
        if (!WriteAll(fd.get(), text.data(), text.size()) ||
            (state_->fsync && ::fsync(fd.get()) != 0)) {
          const int err = errno;
          ::unlinkat(dir_fd, temp_name.c_str(), 0);
          fail("writing", err);
        }
      }
      if (::renameat(dir_fd, temp_name.c_str(), dir_fd, leaf) != 0) {
        const int err = errno;
        ::unlinkat(dir_fd, temp_name.c_str(), 0);
        fail("renaming into place (a folder of stale sidecars in the way?)", err);
      }
      return chain.folder;
    }
  }

  const ObjectRef ref_;
  const WriteOptions options_;
  const std::vector<std::string> segments_;
  const std::shared_ptr<StoreState> state_;
  const std::filesystem::path root_;
  const FolderPtr bucket_;  // holds the temp file
  const LinkMethod link_method_;
  bool anonymous_ = false;  // temp_fd_ is an unnamed file (O_TMPFILE), temp_name_ unused
  std::string temp_name_;
  UniqueFd temp_fd_;  // valid until committed or aborted
};

class LocalStore : public ObjectStore {
 public:
  LocalStore(std::filesystem::path root, UniqueFd root_fd, LocalStoreOptions options)
      : root_(std::move(root)), state_(std::make_shared<StoreState>(std::move(root_fd), options)) {}

  ObjectInfo Stat(const ObjectRef& ref) override { return OpenObject(ref, "stat").info; }

  std::unique_ptr<RandomAccessObject> OpenForRead(const ObjectRef& ref) override {
    return std::make_unique<LocalRandomAccessObject>(ref, OpenObject(ref, "open"));
  }

  std::unique_ptr<ObjectWriter> NewWriter(const ObjectRef& ref,
                                          const WriteOptions& options) override {
    ValidateObjectKey(ref.bucket, ref.key);
    ValidateWriteOptions(ref, options);
    const std::string context = Context("write", ref);
    FolderPtr bucket = OpenBucketFolder(state_->folders, root_, ref.bucket, context);
    // Fail early on a key clash; Commit checks again since the tree may change meanwhile.
    // A folder in the cache was there a moment ago: no need to look again for a hint.
    const auto segments = SplitKey(ref.key);
    const auto folders = KeyFolders(segments);
    if (!folders.empty() && !state_->folders.Contains(FolderPath(bucket->path, folders))) {
      const FolderWalk walk = state_->folders.Walk(bucket, folders, false);
      if (walk.failure && *walk.failure != ENOENT) {
        throw Error(ErrorKind::kIo, context + ": " +
                                        DescribeBlockedFolder(walk.folder->fd.get(), segments,
                                                              walk.depth, *walk.failure));
      }
    }
    return std::make_unique<LocalWriter>(ref, options, state_, root_, std::move(bucket));
  }

  void List(const std::string& bucket, const std::string& prefix,
            const std::function<bool(const ListEntry&)>& visit) override {
    ValidateBucketName(bucket);
    const std::string context =
        "local store: list " + EscapeForMessage(bucket) + "/" + EscapeForMessage(prefix) + "*";
    const FolderPtr folder = OpenBucketFolder(state_->folders, root_, bucket, context);
    std::vector<ListEntry> entries;
    CollectEntries(folder->fd.get(), "", prefix, context, entries);
    std::sort(entries.begin(), entries.end(),
              [](const ListEntry& a, const ListEntry& b) { return a.key < b.key; });
    for (const ListEntry& entry : entries) {
      if (!visit(entry)) return;
    }
  }

  void Delete(const ObjectRef& ref) override {
    ValidateObjectKey(ref.bucket, ref.key);
    const std::string context = Context("delete", ref);
    FolderCache& cache = state_->folders;
    const FolderPtr bucket = OpenBucketFolder(cache, root_, ref.bucket, context);
    const auto segments = SplitKey(ref.key);
    const auto folders = KeyFolders(segments);
    const char* leaf = segments.back().c_str();

    // Data first, then the sidecar: a visible data file always has its metadata.
    for (int attempt = 1; attempt <= 2; ++attempt) {
      const FolderWalk data = cache.Walk(bucket, folders, false);
      if (data.failure) break;
      struct stat st;
      if (::fstatat(data.folder->fd.get(), leaf, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT && attempt == 1 && ForgetIfRemoved(cache, data, bucket, folders)) {
          continue;
        }
      } else if (S_ISREG(st.st_mode)) {
        if (::unlinkat(data.folder->fd.get(), leaf, 0) != 0 && errno != ENOENT) {
          ThrowErrno(KindForErrno(errno) == ErrorKind::kAccessDenied ? ErrorKind::kAccessDenied
                                                                     : ErrorKind::kIo,
                     context, "unlink", errno);
        }
      }
      RemoveEmptyFolders(cache, data.folder, data.depth);
      break;
    }
    const FolderWalk meta_root = cache.Walk(bucket, MetaRootName(), false);
    if (meta_root.failure) return;
    for (int attempt = 1; attempt <= 2; ++attempt) {
      const FolderWalk meta = cache.Walk(meta_root.folder, folders, false);
      if (meta.failure) return;
      struct stat st;
      if (::fstatat(meta.folder->fd.get(), leaf, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT && attempt == 1 &&
            ForgetIfRemoved(cache, meta, meta_root.folder, folders)) {
          continue;
        }
      } else if (S_ISREG(st.st_mode)) {
        ::unlinkat(meta.folder->fd.get(), leaf, 0);  // a leftover sidecar is ignored anyway
      }
      RemoveEmptyFolders(cache, meta.folder, meta.depth);
      return;
    }
  }

 private:
  OpenedObject OpenObject(const ObjectRef& ref, const char* operation) const {
    ValidateObjectKey(ref.bucket, ref.key);
    const std::string context = Context(operation, ref);
    const FolderPtr bucket = OpenBucketFolder(state_->folders, root_, ref.bucket, context);
    const auto segments = SplitKey(ref.key);
    for (int attempt = 1;; ++attempt) {
      OpenedObject opened = OpenData(bucket, segments, context);
      const Sidecar sidecar = ReadSidecar(state_->folders, bucket, segments);
      const SidecarEntry* entry = FindEntry(sidecar, opened.info.etag);
      if (entry || sidecar.empty() || attempt == kSidecarAttempts) {
        if (entry) {
          opened.info.content_type = entry->content_type;
          opened.info.metadata = entry->metadata;
        }
        return opened;
      }
      // A sidecar for other data: concurrent writers of this key raced each other, or the data
      // was overwritten by another tool. Give a writer a moment, then look again.
      std::this_thread::sleep_for(kSidecarRetryDelay * attempt);
    }
  }

  OpenedObject OpenData(const FolderPtr& bucket, const std::vector<std::string>& segments,
                        const std::string& context) const {
    const auto not_found = [&](const std::string& why) {
      throw Error(ErrorKind::kNotFound, context + ": no such object" + why);
    };
    FolderCache& cache = state_->folders;
    const auto folders = KeyFolders(segments);
    OpenedObject opened;
    opened.leaf = segments.back();
    FolderWalk walk;
    for (int attempt = 1; !opened.fd.valid(); ++attempt) {
      walk = cache.Walk(bucket, folders, false);
      if (walk.failure) {
        if (*walk.failure == ENOENT) not_found("");
        not_found(
            " (" +
            DescribeBlockedFolder(walk.folder->fd.get(), segments, walk.depth, *walk.failure) +
            ")");
      }
      // O_NONBLOCK: a FIFO planted under a key must not hang the open.
      opened.fd.reset(::openat(walk.folder->fd.get(), opened.leaf.c_str(),
                               O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
      if (!opened.fd.valid()) {
        const int err = errno;
        if (err == ENOENT) {
          if (attempt == 1 && ForgetIfRemoved(cache, walk, bucket, folders)) continue;
          not_found("");
        }
        if (err == ELOOP) {
          not_found(" (it is a symbolic link, which the local store never follows)");
        }
        ThrowErrno(KindForErrno(err), context, "open", err);
      }
    }
    if (::fstat(opened.fd.get(), &opened.st) != 0) {
      ThrowErrno(ErrorKind::kIo, context, "fstat", errno);
    }
    if (S_ISDIR(opened.st.st_mode)) not_found(" (it is a folder of other keys)");
    if (!S_ISREG(opened.st.st_mode)) not_found(" (it is not a regular file)");
    opened.parent = walk.folder;
    opened.info.size = static_cast<uint64_t>(opened.st.st_size);
    opened.info.etag = EtagOf(opened.st);
    return opened;
  }

  // Adds every object below `dir_fd` (whose keys start with `key_prefix`) matching `prefix`.
  void CollectEntries(int dir_fd, const std::string& key_prefix, const std::string& prefix,
                      const std::string& context, std::vector<ListEntry>& entries) const {
    // A new open file description of the folder, not a dup: a dup would share the read
    // offset with the cached folder descriptor, which other Lists read too.
    UniqueFd own(OpenDirNoFollow(dir_fd, "."));
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
        UniqueFd sub(OpenDirNoFollow(dir_fd, entry->d_name));
        if (!sub.valid()) continue;  // removed or replaced meanwhile
        CollectEntries(sub.get(), folder, prefix, context, entries);
      } else if (S_ISREG(st.st_mode) && key.starts_with(prefix) && !ObjectKeyProblem(key)) {
        entries.push_back(ListEntry{key, static_cast<uint64_t>(st.st_size), EtagOf(st)});
      }
    }
  }

  const std::filesystem::path root_;
  const std::shared_ptr<StoreState> state_;
};

}  // namespace

std::unique_ptr<ObjectStore> MakeLocalStore(std::filesystem::path root, LocalStoreOptions options) {
  UniqueFd fd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) {
    const int err = errno;
    throw Error(err == ENOENT || err == ENOTDIR ? ErrorKind::kNotFound : KindForErrno(err),
                "local store: cannot open root folder " + root.string() + ": " + ErrnoText(err));
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
  throw Error(
      KindForErrno(err) == ErrorKind::kAccessDenied ? ErrorKind::kAccessDenied : ErrorKind::kIo,
      "local store: create bucket " + path.string() + ": " + ErrnoText(err));
}

}  // namespace unpackd
