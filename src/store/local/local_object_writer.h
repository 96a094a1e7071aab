// LocalObjectWriter: streams one new local object into a temp file and puts it in place on
// Commit, with its metadata as an attribute of the file (metadata_xattr.h) or, where the store
// cannot, in a sidecar (metadata_sidecar.h).
//
// The temp file sits at the top of the bucket folder (same filesystem as its destination, and
// an aborted write leaves no empty folders behind): an unnamed (O_TMPFILE) file where the store
// can link one, else a named one (temp_files.h). Commit, in this order:
//   1. walks (and makes) the key's folders, so that a key clash fails before the metadata of
//      the object in the way is touched;
//   2. with a sidecar only: puts the sidecar in place, so that once the data is visible its
//      metadata is too (an attribute was set on the temp file before step 1, so it lands with
//      the data);
//   3. puts the data in place: an unnamed file is linked under the key when nothing is there
//      (linkat never replaces), else named and renamed over the old object; a named temp file
//      is renamed into place.
// A concurrent Delete may remove a folder that was empty between the walk and the rename
// (ENOENT): the steps are then tried again with a fresh walk. A failing commit removes the
// folders it made and the temp file, and leaves the object that was there (if its sidecar was
// already replaced, that object reads as having no metadata). An object committed with an
// attribute then removes the key's old sidecar, if the bucket may hold any (metadata_mode.h).
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "store/local/folder_cache.h"
#include "store/local/local_store_state.h"
#include "store/local/metadata_sidecar.h"
#include "store/local/temp_files.h"
#include "store/object_store.h"
#include "util/unique_fd.h"

namespace unpackd::local {

class LocalObjectWriter : public ObjectWriter {
 public:
  // `ref` and `options` are validated by the caller; `bucket` is its open bucket folder. Throws
  // if no temp file can be made there.
  LocalObjectWriter(ObjectRef ref, WriteOptions options, std::shared_ptr<LocalStoreState> state,
                    FolderPtr bucket);
  ~LocalObjectWriter() override;

  void Append(std::span<const std::byte> data) override;
  ObjectInfo Commit() override;
  void Abort() noexcept override;

 private:
  // Where a commit put the object: the data file's folder (as walked) and the sidecar's (null
  // without a sidecar).
  struct Placed {
    FolderWalk data;
    FolderPtr meta;
  };

  void RequireOpen(const char* what) const;
  ObjectInfo CommitOrThrow();
  // Sets the metadata attribute of the temp file where the store keeps metadata so; false if
  // the object needs a sidecar instead.
  bool PutXattr(const SidecarEntry& entry, const std::string& context);
  // The bucket folder by name again; throws unless it is still the one holding the temp file.
  FolderPtr ReopenBucket(const std::string& context);
  // Steps 1 to 3 above (2 only `with_sidecar`), retried while a concurrent Delete removes
  // folders under them.
  Placed PlaceObject(const FolderPtr& bucket, const SidecarEntry& entry, bool with_sidecar,
                     const std::string& context);
  // Step 2. Returns the sidecar's folder.
  FolderPtr PlaceSidecar(const FolderPtr& bucket, int data_dir_fd, const SidecarEntry& entry,
                         const std::string& context);
  // Step 3. False when the data folder was removed meanwhile and `may_retry`.
  bool PlaceData(int data_dir_fd, bool may_retry, const std::string& context);
  // Forgets the cached data folders of the key, to walk them again by name.
  void ForgetDataFolders(const FolderPtr& bucket);
  void SyncFolders(const Placed& placed, const std::string& context);
  [[noreturn]] void ThrowKeyIsFolder(const std::string& context) const;
  // WriteOptions::if_absent, and the key is taken.
  [[noreturn]] void ThrowObjectExists(const std::string& context) const;

  const ObjectRef ref_;
  const WriteOptions options_;
  const std::vector<std::string> segments_;
  const std::shared_ptr<LocalStoreState> state_;
  const FolderPtr bucket_;  // holds the temp file
  const LinkMethod link_method_;
  bool anonymous_ = false;  // temp_fd_ is an unnamed file (O_TMPFILE), temp_name_ unused
  std::string temp_name_;
  UniqueFd temp_fd_;  // valid until committed or aborted
};

}  // namespace unpackd::local
