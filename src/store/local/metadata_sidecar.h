// The metadata sidecar of an object: <bucket>/.unpackd-meta/<key>, a JSON file
//   {"versions": [{"data_etag", "content_type", "metadata"}, ...]}
// holding the content type and user metadata of a data file that cannot carry them itself as an
// attribute (metadata_xattr.h): where the filesystem has no user attributes, and every object
// written by versions before them. The attribute uses the same encoding with one entry.
//
// A sidecar is a list of entries keyed by the ETag of the data file each describes: the entry
// of the data being committed plus the entry of the data it is about to replace, so a reader
// that opens the old data after the new sidecar landed still finds its metadata. The sidecar is
// put in place BEFORE the data (SidecarPlacer), so whenever a data file is visible its metadata
// already is. A data file with no entry (overwritten by another tool, or concurrent writers of
// one key racing) reads with empty content type and metadata, like files put there by others.
//
// The sidecar tree mirrors the key exactly (no ".json" suffix) so it has the same shape as the
// data tree: any key the data tree can hold, the sidecar tree can hold too (a suffix would
// shorten the 255-byte segment limit and make key "a" clash with key "a.json/b").
#pragma once

#include <sys/stat.h>

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/local/folder_cache.h"
#include "store/local/local_store_state.h"
#include "store/local/temp_files.h"
#include "store/object_store.h"

namespace unpackd::local {

// The folder, at the top of each bucket folder, that holds the sidecar tree.
inline constexpr const char* kMetaDirName = ".unpackd-meta";

// What a sidecar says about one version of the data file.
struct SidecarEntry {
  std::string data_etag;  // the data file this entry describes
  std::string content_type;
  UserMetadata metadata;
};

using Sidecar = std::vector<SidecarEntry>;

std::string EncodeSidecar(const Sidecar& sidecar);

// The entries of a sidecar file's text; empty when it is not a sidecar (hand-edited or
// foreign: treated as absent).
Sidecar DecodeSidecar(std::string_view text);

// The entry describing the data file `data_etag`, or null.
const SidecarEntry* FindEntry(const Sidecar& sidecar, const std::string& data_etag);

// Reads the sidecar of the key `segments` in `bucket`; empty when there is none or it is
// unreadable (it only describes the data; the data is what matters).
Sidecar ReadSidecar(FolderCache& cache, const FolderPtr& bucket,
                    const std::vector<std::string>& segments);

// The sidecar to write for `entry`: it, plus the entry of `current` (the data file now under
// the key, if any) from the key's sidecar, for readers that open that data after ours lands.
Sidecar NextSidecar(FolderCache& cache, const FolderPtr& bucket,
                    const std::vector<std::string>& segments, const struct stat* current,
                    const SidecarEntry& entry);

// Removes the sidecar of the key `segments` in `bucket` and the sidecar folders that leaves
// empty. Best effort: a leftover sidecar is ignored anyway.
void RemoveSidecar(FolderCache& cache, const FolderPtr& bucket,
                   const std::vector<std::string>& segments);

// Puts the sidecar of one key in place. Folders of the sidecar tree are made as needed; a plain
// file where the tree needs a folder is a stale sidecar and is removed. Failures throw kIo
// naming `context`.
class SidecarPlacer {
 public:
  // `segments` (of `key`) must outlive the placer; `link_method` is the store's for `bucket`.
  SidecarPlacer(LocalStoreState& state, LinkMethod link_method, FolderPtr bucket,
                const std::vector<std::string>& segments, std::string_view key,
                std::string context);

  // Writes `text` atomically as the sidecar and returns the folder holding it: as an unnamed
  // file linked into place when there is no sidecar yet (one syscall less than temp file +
  // rename), else as a named temp file renamed over the old one. With `only_if_absent`,
  // returns null instead of replacing anything (and when unnamed files are not available).
  FolderPtr Place(const std::string& text, bool only_if_absent);

 private:
  enum class Outcome {
    kPlaced,      // the sidecar is in place
    kSkipped,     // only_if_absent, and it could not be linked as new
    kFolderGone,  // its folder was removed meanwhile (ENOENT): walk again
    kNamed,       // written to a named temp file, to be renamed into place
  };

  // The sidecar folders of the key below `meta_root`, made where missing.
  FolderWalk WalkFolders(const FolderPtr& meta_root);
  // One attempt at writing `text` into the folder `dir_fd`; sets `temp_name` for kNamed.
  Outcome Put(int dir_fd, const std::string& text, bool only_if_absent, bool may_retry,
              std::string& temp_name);
  Outcome PutUnnamed(int fd, int dir_fd, bool only_if_absent, bool may_retry,
                     std::string& temp_name);
  Outcome PutNamed(int dir_fd, const std::string& text, bool may_retry, std::string& temp_name);
  [[noreturn]] void Fail(const std::string& what, int err) const;

  LocalStoreState& state_;
  const LinkMethod link_method_;
  const FolderPtr bucket_;
  const std::vector<std::string>& segments_;
  const std::string key_;
  const std::string context_;
};

}  // namespace unpackd::local
