#include "store/local_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

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

UniqueFd Dup(int fd) { return UniqueFd(::fcntl(fd, F_DUPFD_CLOEXEC, 0)); }

std::string RandomHex() {
  std::random_device device;
  const uint64_t value = (static_cast<uint64_t>(device()) << 32) ^ device();
  char text[17];
  std::snprintf(text, sizeof text, "%016" PRIx64, value);
  return text;
}

// Creates a new, empty temp file in `dir_fd`; returns its fd and sets `name`.
UniqueFd CreateTempFile(int dir_fd, std::string& name) {
  for (int attempt = 0; attempt < 16; ++attempt) {
    name = std::string(kTempPrefix) + RandomHex();
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

// The folders from a base folder down to a key's parent: chain[0] is the base, chain[i] the
// folder named by the first i segments.
struct DirChain {
  std::vector<UniqueFd> fds;
  int parent() const { return fds.back().get(); }
};

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

struct WalkFailure {
  size_t index;  // the segment that could not be entered (or created)
  int err;
};

// Walks (and with `create`, makes) the folders segments[0..count) below `base_fd`, one openat
// with O_NOFOLLOW at a time. On success returns nullopt and fills `chain`; `created` (if
// given) receives the indexes of folders this call made.
std::optional<WalkFailure> WalkFolders(int base_fd, const std::vector<std::string>& segments,
                                       size_t count, bool create, DirChain& chain,
                                       std::vector<size_t>* created = nullptr) {
  chain.fds.clear();
  chain.fds.push_back(Dup(base_fd));
  if (!chain.fds.back().valid()) return WalkFailure{0, errno};
  for (size_t i = 0; i < count; ++i) {
    const char* name = segments[i].c_str();
    int fd = OpenDirNoFollow(chain.parent(), name);
    if (fd < 0 && errno == ENOENT && create) {
      if (::mkdirat(chain.parent(), name, 0755) == 0) {
        if (created) created->push_back(i);
      } else if (errno != EEXIST) {
        return WalkFailure{i, errno};
      }
      fd = OpenDirNoFollow(chain.parent(), name);
    }
    if (fd < 0) return WalkFailure{i, errno};
    chain.fds.emplace_back(fd);
  }
  return std::nullopt;
}

// Removes the folders segments[0..count) below chain[0] from the deepest up, as long as they
// are empty. Best effort: a folder someone just wrote into stays.
void RemoveEmptyFolders(const DirChain& chain, const std::vector<std::string>& segments,
                        size_t count) {
  count = std::min(count, chain.fds.size() - 1);  // a partial walk holds fewer folders
  for (size_t i = count; i-- > 0;) {
    if (::unlinkat(chain.fds[i].get(), segments[i].c_str(), AT_REMOVEDIR) != 0) return;
  }
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
Sidecar ReadSidecar(int bucket_fd, const std::vector<std::string>& segments) {
  UniqueFd meta_root(OpenDirNoFollow(bucket_fd, kMetaDirName));
  if (!meta_root.valid()) return {};
  DirChain chain;
  if (WalkFolders(meta_root.get(), segments, segments.size() - 1, false, chain)) return {};
  UniqueFd fd(::openat(chain.parent(), segments.back().c_str(),
                       O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (!fd.valid()) return {};
  struct stat st;
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
  UniqueFd parent;  // the folder holding the file, to recheck what the key names now
  UniqueFd fd;
  struct stat st;
  std::string leaf;
  ObjectInfo info;
};

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
    if (::fstatat(opened_.parent.get(), opened_.leaf.c_str(), &named, AT_SYMLINK_NOFOLLOW) != 0) {
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
  LocalWriter(ObjectRef ref, WriteOptions options, UniqueFd bucket_fd, bool fsync)
      : ref_(std::move(ref)),
        options_(std::move(options)),
        segments_(SplitKey(ref_.key)),
        bucket_fd_(std::move(bucket_fd)),
        fsync_(fsync) {
    temp_fd_ = CreateTempFile(bucket_fd_.get(), temp_name_);
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
    ::unlinkat(bucket_fd_.get(), temp_name_.c_str(), 0);
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
    if (fsync_ && ::fsync(temp_fd_.get()) != 0) {
      ThrowErrno(ErrorKind::kIo, context, "fsync of the temp file", errno);
    }
    struct stat st;
    if (::fstat(temp_fd_.get(), &st) != 0) ThrowErrno(ErrorKind::kIo, context, "fstat", errno);

    SidecarEntry entry;
    entry.data_etag = EtagOf(st);
    entry.content_type =
        options_.content_type.empty() ? kDefaultContentType : options_.content_type;
    entry.metadata = options_.metadata;

    const size_t folder_count = segments_.size() - 1;
    const char* leaf = segments_.back().c_str();
    DirChain data_chain;
    std::vector<size_t> created;
    UniqueFd meta_parent;
    try {
      // A concurrent Delete may remove a folder that was empty between our walk and our rename
      // (ENOENT); walking again recreates it.
      for (int attempt = 1;; ++attempt) {
        // 1. The data folders, checked (and made) before the sidecar is touched, so that a key
        //    clash fails without harming the metadata of the object in the way.
        if (auto failure = WalkFolders(bucket_fd_.get(), segments_, folder_count, true, data_chain,
                                       &created)) {
          if (failure->err == ENOENT && attempt < kFolderRaceAttempts) continue;
          throw Error(ErrorKind::kIo, context + ": " +
                                          DescribeBlockedFolder(data_chain.parent(), segments_,
                                                                failure->index, failure->err));
        }
        struct stat existing;
        if (::fstatat(data_chain.parent(), leaf, &existing, AT_SYMLINK_NOFOLLOW) == 0 &&
            S_ISDIR(existing.st_mode)) {
          throw Error(ErrorKind::kIo, context + ": \"" + EscapeForMessage(ref_.key) +
                                          "\" is a folder holding other keys (\"" +
                                          EscapeForMessage(ref_.key) +
                                          "/...\"), so it cannot also be an object");
        }
        // 2. The sidecar, before the data: once the data is visible its metadata is in place.
        if (!meta_parent.valid()) {
          meta_parent = PlaceSidecar(context, SerializeSidecar(NextSidecar(data_chain, entry)));
        }
        // 3. The data.
        if (::renameat(bucket_fd_.get(), temp_name_.c_str(), data_chain.parent(), leaf) == 0) {
          break;
        }
        if (errno != ENOENT || attempt == kFolderRaceAttempts) {
          ThrowErrno(ErrorKind::kIo, context, "renaming the temp file into place", errno);
        }
      }
    } catch (...) {
      // Leave no folders this commit made. (If the sidecar was already replaced, it does not
      // match the old data's ETag, so the old object reads as having no metadata; only a
      // failing rename of the data gets there.)
      if (!created.empty()) RemoveEmptyFolders(data_chain, segments_, folder_count);
      throw;
    }
    temp_fd_.reset();  // committed: Abort() must not remove anything now
    if (fsync_) {
      if (::fsync(data_chain.parent()) != 0 || ::fsync(meta_parent.get()) != 0 ||
          ::fsync(bucket_fd_.get()) != 0) {
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

  // The sidecar to write for `entry`: it, plus the entry of the data file currently under the
  // key (if known), for readers that open that data after our sidecar lands.
  Sidecar NextSidecar(const DirChain& data_chain, const SidecarEntry& entry) const {
    Sidecar next;
    struct stat current;
    if (::fstatat(data_chain.parent(), segments_.back().c_str(), &current, AT_SYMLINK_NOFOLLOW) ==
            0 &&
        S_ISREG(current.st_mode)) {
      const Sidecar previous = ReadSidecar(bucket_fd_.get(), segments_);
      if (const SidecarEntry* found = FindEntry(previous, EtagOf(current))) next.push_back(*found);
    }
    next.push_back(entry);
    return next;
  }

  // Writes the sidecar atomically (temp file + rename) and returns its folder.
  UniqueFd PlaceSidecar(const std::string& context, const std::string& text) {
    const auto fail = [&](const std::string& what, int err) {
      ThrowErrno(
          ErrorKind::kIo, context,
          "sidecar " + std::string(kMetaDirName) + "/" + EscapeForMessage(ref_.key) + ": " + what,
          err);
    };
    if (::mkdirat(bucket_fd_.get(), kMetaDirName, 0755) != 0 && errno != EEXIST) {
      fail("mkdir", errno);
    }
    UniqueFd meta_root(OpenDirNoFollow(bucket_fd_.get(), kMetaDirName));
    if (!meta_root.valid()) fail("opening the sidecar folder", errno);
    DirChain chain;
    std::string temp_name;
    UniqueFd fd;
    // Retried on ENOENT: a concurrent Delete may remove a folder that was empty until our temp
    // file landed in it.
    for (int attempt = 1; !fd.valid(); ++attempt) {
      std::optional<WalkFailure> failure;
      // A plain file where the sidecar tree needs a folder is a stale sidecar (the data tree has
      // a folder there, we just walked it): remove it and walk again, once per level.
      for (size_t level = 0; level <= segments_.size(); ++level) {
        failure = WalkFolders(meta_root.get(), segments_, segments_.size() - 1, true, chain);
        if (!failure) break;
        struct stat st;
        const char* name = segments_[failure->index].c_str();
        if (failure->err != ENOTDIR ||
            ::fstatat(chain.parent(), name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
            !S_ISREG(st.st_mode) || ::unlinkat(chain.parent(), name, 0) != 0) {
          break;
        }
      }
      if (failure) {
        if (failure->err == ENOENT && attempt < kFolderRaceAttempts) continue;
        throw Error(ErrorKind::kIo, context + ": sidecar tree: " +
                                        DescribeBlockedFolder(chain.parent(), segments_,
                                                              failure->index, failure->err));
      }
      fd = CreateTempFile(chain.parent(), temp_name);
      if (!fd.valid() && (errno != ENOENT || attempt == kFolderRaceAttempts)) {
        fail("creating a temp file", errno);
      }
    }
    const auto drop_temp = [&] { ::unlinkat(chain.parent(), temp_name.c_str(), 0); };
    if (!WriteAll(fd.get(), text.data(), text.size()) || (fsync_ && ::fsync(fd.get()) != 0)) {
      const int err = errno;
      drop_temp();
      fail("writing", err);
    }
    if (::renameat(chain.parent(), temp_name.c_str(), chain.parent(), segments_.back().c_str()) !=
        0) {
      const int err = errno;
      drop_temp();
      fail("renaming into place (a folder of stale sidecars in the way?)", err);
    }
    return std::move(chain.fds.back());
  }

  const ObjectRef ref_;
  const WriteOptions options_;
  const std::vector<std::string> segments_;
  const UniqueFd bucket_fd_;
  const bool fsync_;
  std::string temp_name_;
  UniqueFd temp_fd_;  // valid until committed or aborted
};

class LocalStore : public ObjectStore {
 public:
  LocalStore(std::filesystem::path root, UniqueFd root_fd, LocalStoreOptions options)
      : root_(std::move(root)), root_fd_(std::move(root_fd)), options_(options) {}

  ObjectInfo Stat(const ObjectRef& ref) override { return OpenObject(ref, "stat").info; }

  std::unique_ptr<RandomAccessObject> OpenForRead(const ObjectRef& ref) override {
    return std::make_unique<LocalRandomAccessObject>(ref, OpenObject(ref, "open"));
  }

  std::unique_ptr<ObjectWriter> NewWriter(const ObjectRef& ref,
                                          const WriteOptions& options) override {
    ValidateObjectKey(ref.bucket, ref.key);
    ValidateWriteOptions(ref, options);
    UniqueFd bucket = OpenBucket(ref.bucket, Context("write", ref));
    // Fail early on a key clash; Commit checks again since the tree may change meanwhile.
    const auto segments = SplitKey(ref.key);
    DirChain chain;
    if (auto failure = WalkFolders(bucket.get(), segments, segments.size() - 1, false, chain);
        failure && failure->err != ENOENT) {
      throw Error(ErrorKind::kIo, Context("write", ref) + ": " +
                                      DescribeBlockedFolder(chain.parent(), segments,
                                                            failure->index, failure->err));
    }
    return std::make_unique<LocalWriter>(ref, options, std::move(bucket), options_.fsync);
  }

  void List(const std::string& bucket, const std::string& prefix,
            const std::function<bool(const ListEntry&)>& visit) override {
    ValidateBucketName(bucket);
    const std::string context =
        "local store: list " + EscapeForMessage(bucket) + "/" + EscapeForMessage(prefix) + "*";
    UniqueFd bucket_fd = OpenBucket(bucket, context);
    std::vector<ListEntry> entries;
    CollectEntries(bucket_fd.get(), "", prefix, context, entries);
    std::sort(entries.begin(), entries.end(),
              [](const ListEntry& a, const ListEntry& b) { return a.key < b.key; });
    for (const ListEntry& entry : entries) {
      if (!visit(entry)) return;
    }
  }

  void Delete(const ObjectRef& ref) override {
    ValidateObjectKey(ref.bucket, ref.key);
    const std::string context = Context("delete", ref);
    UniqueFd bucket = OpenBucket(ref.bucket, context);
    const auto segments = SplitKey(ref.key);
    const size_t folder_count = segments.size() - 1;
    const char* leaf = segments.back().c_str();

    // Data first, then the sidecar: a visible data file always has its metadata.
    DirChain data_chain;
    if (!WalkFolders(bucket.get(), segments, folder_count, false, data_chain)) {
      struct stat st;
      if (::fstatat(data_chain.parent(), leaf, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
          S_ISREG(st.st_mode)) {
        if (::unlinkat(data_chain.parent(), leaf, 0) != 0 && errno != ENOENT) {
          ThrowErrno(KindForErrno(errno) == ErrorKind::kAccessDenied ? ErrorKind::kAccessDenied
                                                                     : ErrorKind::kIo,
                     context, "unlink", errno);
        }
      }
      RemoveEmptyFolders(data_chain, segments, folder_count);
    }
    UniqueFd meta_root(OpenDirNoFollow(bucket.get(), kMetaDirName));
    DirChain meta_chain;
    if (meta_root.valid() &&
        !WalkFolders(meta_root.get(), segments, folder_count, false, meta_chain)) {
      struct stat st;
      if (::fstatat(meta_chain.parent(), leaf, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
          S_ISREG(st.st_mode)) {
        ::unlinkat(meta_chain.parent(), leaf, 0);  // a leftover sidecar is ignored anyway
      }
      RemoveEmptyFolders(meta_chain, segments, folder_count);
    }
  }

 private:
  UniqueFd OpenBucket(const std::string& bucket, const std::string& context) const {
    ValidateBucketName(bucket);
    UniqueFd fd(OpenDirNoFollow(root_fd_.get(), bucket.c_str()));
    if (!fd.valid()) {
      const int err = errno;
      if (err == ENOENT || err == ENOTDIR || err == ELOOP) {
        throw Error(ErrorKind::kNotFound, context + ": bucket \"" + EscapeForMessage(bucket) +
                                              "\" does not exist (no folder " +
                                              (root_ / bucket).string() + ")");
      }
      ThrowErrno(KindForErrno(err), context, "opening bucket folder " + (root_ / bucket).string(),
                 err);
    }
    return fd;
  }

  OpenedObject OpenObject(const ObjectRef& ref, const char* operation) const {
    ValidateObjectKey(ref.bucket, ref.key);
    const std::string context = Context(operation, ref);
    UniqueFd bucket = OpenBucket(ref.bucket, context);
    const auto segments = SplitKey(ref.key);
    for (int attempt = 1;; ++attempt) {
      OpenedObject opened = OpenData(bucket.get(), segments, context);
      const Sidecar sidecar = ReadSidecar(bucket.get(), segments);
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

  static OpenedObject OpenData(int bucket_fd, const std::vector<std::string>& segments,
                               const std::string& context) {
    const auto not_found = [&](const std::string& why) {
      throw Error(ErrorKind::kNotFound, context + ": no such object" + why);
    };
    DirChain chain;
    if (auto failure = WalkFolders(bucket_fd, segments, segments.size() - 1, false, chain)) {
      if (failure->err == ENOENT) not_found("");
      not_found(" (" +
                DescribeBlockedFolder(chain.parent(), segments, failure->index, failure->err) +
                ")");
    }
    OpenedObject opened;
    opened.leaf = segments.back();
    // O_NONBLOCK: a FIFO planted under a key must not hang the open.
    opened.fd.reset(::openat(chain.parent(), opened.leaf.c_str(),
                             O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    if (!opened.fd.valid()) {
      const int err = errno;
      if (err == ENOENT) not_found("");
      if (err == ELOOP) not_found(" (it is a symbolic link, which the local store never follows)");
      ThrowErrno(KindForErrno(err), context, "open", err);
    }
    if (::fstat(opened.fd.get(), &opened.st) != 0) {
      ThrowErrno(ErrorKind::kIo, context, "fstat", errno);
    }
    if (S_ISDIR(opened.st.st_mode)) not_found(" (it is a folder of other keys)");
    if (!S_ISREG(opened.st.st_mode)) not_found(" (it is not a regular file)");
    opened.parent = std::move(chain.fds.back());
    opened.info.size = static_cast<uint64_t>(opened.st.st_size);
    opened.info.etag = EtagOf(opened.st);
    return opened;
  }

  // Adds every object below `dir_fd` (whose keys start with `key_prefix`) matching `prefix`.
  void CollectEntries(int dir_fd, const std::string& key_prefix, const std::string& prefix,
                      const std::string& context, std::vector<ListEntry>& entries) const {
    UniqueFd own = Dup(dir_fd);
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
  const UniqueFd root_fd_;
  const LocalStoreOptions options_;
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
