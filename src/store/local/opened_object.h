// Opening an object for Stat and OpenForRead: its data file, found by walking the key's folders
// without following symlinks, and its content type and metadata: from the file's attribute
// (metadata_xattr.h) where it has one, else from the sidecar entry that matches the data file's
// ETag (objects written by older versions, or where attributes are not available).
#pragma once

#include <sys/stat.h>

#include <string>

#include "store/local/folder_cache.h"
#include "store/local/local_store_state.h"
#include "store/object_store.h"
#include "util/unique_fd.h"

namespace unpackd::local {

// One opened data file plus what readers need to recheck it.
struct OpenedObject {
  FolderPtr parent;  // the folder holding the file, to recheck what the key names now
  UniqueFd fd;
  struct stat st;
  std::string leaf;
  ObjectInfo info;
};

// Opens the current data file of `ref` (its key and bucket validated: kUsage). Throws kNotFound
// if there is no such bucket or object (a folder, a symlink or anything but a regular file is
// no object), naming `operation` ("stat", "open") in the message.
//
// When the sidecar has no entry for the data but entries for other data, concurrent writers of
// the key raced each other (or another tool overwrote the data): it is read again a few times
// before the object is returned with empty content type and metadata. When the key was replaced
// meanwhile, the newer data is opened instead.
OpenedObject OpenObject(LocalStoreState& state, const ObjectRef& ref, const char* operation);

}  // namespace unpackd::local
