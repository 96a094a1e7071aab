// LocalStore: an ObjectStore backed by a local directory.
//
// Layout under the root directory:
//   <root>/<bucket>/                     one folder per bucket, created explicitly (CreateBucket)
//   <root>/<bucket>/<key>                object data; '/' in keys become sub-folders; its
//                                        content type and metadata in the extended attribute
//                                        "user.unpackd": {"versions": [{"data_etag",
//                                        "content_type", "metadata"}]}
//   <root>/<bucket>/.unpackd-meta/<key>  sidecar JSON, the same with the entries of the data
//                                        and the data it replaced, where the filesystem has no
//                                        user attributes (and from versions before them)
//   <root>/<bucket>/.unpackd-tmp-<hex>   data being written, where unnamed (O_TMPFILE) files
//                                        are not available or an object is replaced (never a
//                                        valid key)
//
// Keys are checked by ValidateObjectKey (store/key_validation.h): every accepted key stays
// inside its bucket folder. Nothing below the root is ever followed through a symbolic link:
// paths are walked one folder at a time with O_NOFOLLOW, and symlinks are not objects.
//
// Writes are atomic: data goes to a temp file at the top of the bucket folder (same
// filesystem as its destination, and an aborted write leaves no empty folders behind) and is
// put in place on Commit only once complete: an unnamed (O_TMPFILE) temp file is linked under
// the key when nothing is there (linkat never replaces), else named and renamed over the old
// object; a named temp file is renamed into place. The metadata is set as an attribute of the
// temp file before it is put in place, so it becomes visible with the data, and a reader holding
// an older file reads that file's own attribute. Where the filesystem has no user attributes
// (the first write finds out) or an entry does not fit, a sidecar is used instead: it is renamed
// into place BEFORE the data, so whenever a data file is visible its metadata already is. Readers
// believe a file's attribute first, then its sidecar entry. A sidecar is a list of entries
// keyed by the ETag of the data file each describes: the new data's entry plus the entry of the
// data it is about to replace, so a reader that opens the old data after the new sidecar landed
// still finds its metadata. A data file with no entry (overwritten by another tool, or concurrent
// writers of one key racing) is re-checked briefly and then read with empty content type and
// metadata, exactly like files put there by other tools.
//
// The sidecar tree mirrors the key exactly (no ".json" suffix) so it has the same shape as the
// data tree: any key the data tree can hold, the sidecar tree can hold too (a suffix would
// shorten the 255-byte segment limit and make key "a" clash with key "a.json/b").
//
// ETag: "<inode>-<size>-<mtime ns>" in hex, from stat; content is never hashed. Every commit
// creates a new inode, so the ETag changes whenever an object is replaced.
//
// Readers pin the open file descriptor and read it with pread. Honouring the ObjectStore
// contract, every ReadAt then checks that the key still names the same file, unmodified, and
// throws kPrecondition otherwise (replaced, deleted or modified in place by another tool): the
// local store behaves like S3 with If-Match, so the pipeline's handling of a replaced archive
// can be tested locally.
//
// Folder cache: opening a folder is the expensive step (openat costs ~20x a fstatat on overlay
// filesystems), so the store keeps recently used folders open (store/local/folder_cache.h). A
// cached folder is never trusted blindly: before every use, each folder from it up to the root is
// looked up again by name without following symlinks and must still be the same inode; a
// folder moved away, replaced by a symlink or removed is forgotten and walked again with
// O_NOFOLLOW, which is exactly the check an uncached walk makes. Creating or renaming into a
// folder that a concurrent Delete removed fails with ENOENT and is retried with a fresh walk.
// Temp file names are a per-store random prefix plus a counter (created with O_EXCL).
//
// The implementation, one concept a file (all in namespace unpackd::local but this header):
//   local_store.cc                  the ObjectStore methods, wiring the pieces below together
//   local_store_state.h             what the store shares with its readers and writers
//   local_object_writer.h           the writer: temp file, Commit (folders, sidecar, data)
//   metadata_xattr.h                metadata as an attribute of the data file
//   metadata_mode.h                 attribute or sidecar; which buckets may hold sidecars
//   metadata_sidecar.h              the sidecar: encode/decode, read, place before the data
//   opened_object.h                 opening an object's data file and finding its metadata
//   local_random_access_object.h    the reader: pread, rechecked against the key every read
//   local_listing.h                 List's walk of the bucket folder
//   folder_cache.h                  open folders, walked without following symlinks
//   key_folders.h                   keys as folder paths; shared folder chores
//   temp_files.h                    unnamed (O_TMPFILE) and named temp files
//   file_identity.h                 ETags and "is it still the same file" checks
//   local_errors.h                  errno to Error kinds and messages
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>

#include "store/object_store.h"

namespace unpackd {

struct LocalStoreOptions {
  // fsync the data (with its attribute), the sidecar if any and the folders on Commit, so a
  // committed object survives a power loss. Off by default: atomicity (no half-written object is
  // ever visible) does not depend on it, only durability does, and it costs a disk flush per
  // object.
  bool fsync = false;
  // How many folders (of the data and sidecar trees, across buckets) stay open between
  // operations, so a key's folders are walked once rather than once per object (see "Folder
  // cache" above). Each costs one file descriptor. 0 disables the cache.
  size_t max_open_folders = 256;
  // Write new data and sidecars to unnamed files (O_TMPFILE) linked into place where the
  // filesystem and kernel allow (probed once per store); otherwise, or when false, to named
  // temp files renamed into place. Both are atomic; unnamed ones save a rename per file.
  bool unnamed_temp_files = true;
  // Keep each new object's content type and user metadata in an extended attribute of its data
  // file ("user.unpackd"), set before the file is put in place, where the filesystem has user
  // attributes (found out on the first write). False, or where it has none, or for an entry too
  // large for the filesystem's attribute space: in the sidecar tree, as older versions did.
  bool metadata_xattrs = true;
};

// A store over `root`, which must be an existing directory (kNotFound otherwise). The root
// itself may be reached through a symlink; nothing below it is followed.
std::unique_ptr<ObjectStore> MakeLocalStore(std::filesystem::path root,
                                            LocalStoreOptions options = {});

// Creates the folder for bucket `name` under `root` (succeeds if it already exists). Throws
// kUsage for an invalid name, kIo if the folder cannot be created.
void CreateBucket(const std::filesystem::path& root, const std::string& name);

}  // namespace unpackd
