// Listing a local bucket: every regular file below the bucket folder whose path is a valid key
// is an object. The store's own files (".unpackd-*": the sidecar tree, temp files) and symbolic
// links are skipped; folders are read only where the prefix may match below them.
#pragma once

#include <string>
#include <vector>

#include "store/object_store.h"

namespace unpackd::local {

// The objects below the folder `bucket_fd` whose keys start with `prefix`, in ascending key
// (byte) order. Throws kIo naming `context` if a folder cannot be read.
std::vector<ListEntry> ListObjects(int bucket_fd, const std::string& prefix,
                                   const std::string& context);

}  // namespace unpackd::local
