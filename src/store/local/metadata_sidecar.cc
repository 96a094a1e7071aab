#include "store/local/metadata_sidecar.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "store/key_validation.h"
#include "store/local/file_identity.h"
#include "store/local/key_folders.h"
#include "store/local/local_errors.h"

namespace unpackd::local {
namespace {

// A larger file is not one of our sidecars.
constexpr off_t kMaxSidecarBytes = 1 << 20;

// The one-name path from a bucket folder to its sidecar tree.
std::span<const std::string> MetaRootName() {
  static const std::string kName[] = {kMetaDirName};
  return kName;
}

// Opens the sidecar file of the key `segments` below `meta_root`; invalid if there is none.
UniqueFd OpenSidecarFile(FolderCache& cache, const FolderPtr& meta_root,
                         const std::vector<std::string>& segments) {
  const auto folders = KeyFolders(segments);
  // Twice at most: a first miss may be a cached folder a concurrent Delete removed.
  for (int attempt = 1;; ++attempt) {
    const FolderWalk chain = cache.Walk(meta_root, folders, false);
    if (chain.failure) return UniqueFd();
    UniqueFd fd(::openat(chain.folder->fd.get(), segments.back().c_str(),
                         O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    if (fd.valid() || errno != ENOENT || attempt > 1 ||
        !ForgetIfRemoved(cache, chain, meta_root, folders)) {
      return fd;
    }
  }
}

// The whole content of the regular file `fd`, or nullopt if it is not one of at most
// kMaxSidecarBytes, or cannot be read.
std::optional<std::string> ReadSmallFile(int fd) {
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > kMaxSidecarBytes) {
    return std::nullopt;
  }
  std::string text(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::pread(fd, text.data() + done, text.size() - done, done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    done += static_cast<size_t>(n);
  }
  return text;
}

}  // namespace

std::string EncodeSidecar(const Sidecar& sidecar) {
  nlohmann::json versions = nlohmann::json::array();
  for (const SidecarEntry& entry : sidecar) {
    versions.push_back({{"data_etag", entry.data_etag},
                        {"content_type", entry.content_type},
                        {"metadata", entry.metadata}});
  }
  return nlohmann::json{{"versions", versions}}.dump();
}

Sidecar DecodeSidecar(std::string_view text) {
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

const SidecarEntry* FindEntry(const Sidecar& sidecar, const std::string& data_etag) {
  for (const SidecarEntry& entry : sidecar) {
    if (entry.data_etag == data_etag) return &entry;
  }
  return nullptr;
}

Sidecar ReadSidecar(FolderCache& cache, const FolderPtr& bucket,
                    const std::vector<std::string>& segments) {
  const FolderWalk meta_root = cache.Walk(bucket, MetaRootName(), false);
  if (meta_root.failure) return {};
  const UniqueFd fd = OpenSidecarFile(cache, meta_root.folder, segments);
  if (!fd.valid()) return {};
  const std::optional<std::string> text = ReadSmallFile(fd.get());
  return text ? DecodeSidecar(*text) : Sidecar();
}

Sidecar NextSidecar(FolderCache& cache, const FolderPtr& bucket,
                    const std::vector<std::string>& segments, const struct stat* current,
                    const SidecarEntry& entry) {
  Sidecar next;
  if (current != nullptr && S_ISREG(current->st_mode)) {
    const Sidecar previous = ReadSidecar(cache, bucket, segments);
    if (const SidecarEntry* found = FindEntry(previous, EtagOf(*current))) {
      next.push_back(*found);
    }
  }
  next.push_back(entry);
  return next;
}

void RemoveSidecar(FolderCache& cache, const FolderPtr& bucket,
                   const std::vector<std::string>& segments) {
  const FolderWalk meta_root = cache.Walk(bucket, MetaRootName(), false);
  if (meta_root.failure) return;
  RemoveFileAndEmptyFolders(cache, meta_root.folder, KeyFolders(segments), segments.back(),
                            /*context=*/nullptr);
}

SidecarPlacer::SidecarPlacer(LocalStoreState& state, LinkMethod link_method, FolderPtr bucket,
                             const std::vector<std::string>& segments, std::string_view key,
                             std::string context)
    : state_(state),
      link_method_(link_method),
      bucket_(std::move(bucket)),
      segments_(segments),
      key_(key),
      context_(std::move(context)) {}

FolderPtr SidecarPlacer::Place(const std::string& text, bool only_if_absent) {
  if (only_if_absent && link_method_ == LinkMethod::kNone) return nullptr;
  FolderCache& cache = state_.folders;
  const char* leaf = segments_.back().c_str();
  // Retried on ENOENT: a concurrent Delete may remove a folder that was empty until our
  // sidecar landed in it.
  for (int attempt = 1;; ++attempt) {
    const bool may_retry = attempt < kFolderRaceAttempts;
    const FolderWalk meta_root = cache.Walk(bucket_, MetaRootName(), true);
    if (meta_root.failure) Fail("opening the sidecar folder", *meta_root.failure);
    const FolderWalk chain = WalkFolders(meta_root.folder);
    if (chain.failure && (*chain.failure != ENOENT || !may_retry)) {
      throw Error(ErrorKind::kIo, context_ + ": sidecar tree: " +
                                      DescribeBlockedFolder(chain.folder->fd.get(), segments_,
                                                            chain.depth, *chain.failure));
    }
    if (!chain.failure) {
      const int dir_fd = chain.folder->fd.get();
      std::string temp_name;
      switch (Put(dir_fd, text, only_if_absent, may_retry, temp_name)) {
        case Outcome::kPlaced:
          return chain.folder;
        case Outcome::kSkipped:
          return nullptr;
        case Outcome::kNamed:
          if (::renameat(dir_fd, temp_name.c_str(), dir_fd, leaf) != 0) {
            const int err = errno;
            ::unlinkat(dir_fd, temp_name.c_str(), 0);
            Fail("renaming into place (a folder of stale sidecars in the way?)", err);
          }
          return chain.folder;
        case Outcome::kFolderGone:
          break;
      }
    }
    // The sidecar tree's root too: if it was removed and made again with the same inode
    // number, only walking it again by name finds the live one.
    cache.Forget(meta_root.folder->path);
  }
}

FolderWalk SidecarPlacer::WalkFolders(const FolderPtr& meta_root) {
  FolderCache& cache = state_.folders;
  const auto folders = KeyFolders(segments_);
  FolderWalk chain;
  // A plain file where the sidecar tree needs a folder is a stale sidecar (the data tree has a
  // folder there, the commit just walked it): remove it and walk again, once per level.
  for (size_t level = 0; level <= segments_.size(); ++level) {
    chain = cache.Walk(meta_root, folders, true);
    if (!chain.failure) break;
    struct stat st;
    const int dir_fd = chain.folder->fd.get();
    const char* name = segments_[chain.depth].c_str();
    if (*chain.failure != ENOTDIR || ::fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
        !S_ISREG(st.st_mode) || ::unlinkat(dir_fd, name, 0) != 0) {
      break;
    }
  }
  return chain;
}

SidecarPlacer::Outcome SidecarPlacer::Put(int dir_fd, const std::string& text, bool only_if_absent,
                                          bool may_retry, std::string& temp_name) {
  UniqueFd fd;
  if (link_method_ != LinkMethod::kNone) fd = OpenAnonymous(dir_fd);
  if (!fd.valid()) {
    return only_if_absent ? Outcome::kSkipped : PutNamed(dir_fd, text, may_retry, temp_name);
  }
  if (!WriteAll(fd.get(), text, state_.fsync)) Fail("writing", errno);
  return PutUnnamed(fd.get(), dir_fd, only_if_absent, may_retry, temp_name);
}

SidecarPlacer::Outcome SidecarPlacer::PutUnnamed(int fd, int dir_fd, bool only_if_absent,
                                                 bool may_retry, std::string& temp_name) {
  if (LinkAnonymous(link_method_, fd, dir_fd, segments_.back().c_str()) == 0) {
    return Outcome::kPlaced;
  }
  if (errno == ENOENT && may_retry) return Outcome::kFolderGone;
  if (errno != EEXIST) Fail("linking into place", errno);
  if (only_if_absent) return Outcome::kSkipped;
  // A sidecar is there already: name ours as a temp file, to be renamed over that one.
  temp_name = state_.temp_files.NextName();
  if (LinkAnonymous(link_method_, fd, dir_fd, temp_name.c_str()) != 0) {
    Fail("naming the temp file", errno);
  }
  return Outcome::kNamed;
}

SidecarPlacer::Outcome SidecarPlacer::PutNamed(int dir_fd, const std::string& text, bool may_retry,
                                               std::string& temp_name) {
  const UniqueFd fd = state_.temp_files.CreateNamed(dir_fd, temp_name);
  if (!fd.valid()) {
    if (errno == ENOENT && may_retry) return Outcome::kFolderGone;
    Fail("creating a temp file", errno);
  }
  if (!WriteAll(fd.get(), text, state_.fsync)) {
    const int err = errno;
    ::unlinkat(dir_fd, temp_name.c_str(), 0);
    Fail("writing", err);
  }
  return Outcome::kNamed;
}

void SidecarPlacer::Fail(const std::string& what, int err) const {
  ThrowErrno(ErrorKind::kIo, context_,
             "sidecar " + std::string(kMetaDirName) + "/" + EscapeForMessage(key_) + ": " + what,
             err);
}

}  // namespace unpackd::local
