// The metadata of an object as an extended attribute of its data file: "user.unpackd", holding
// the same encoding as a sidecar with the one entry that describes the file (metadata_sidecar.h).
//
// Set on the unnamed (or named) temp file before it is put in place, so the data and its
// metadata become visible in one step; a reader holding a descriptor of an older version reads
// that version's attribute, so no list of versions is needed. The entry keeps the data ETag it
// was written for: a file modified in place by another tool (new mtime) or copied with its
// attributes (new inode) reads with no metadata, as with a sidecar.
#pragma once

#include <optional>

#include "store/local/metadata_sidecar.h"

namespace unpackd::local {

inline constexpr const char* kMetadataXattrName = "user.unpackd";

enum class XattrOutcome {
  kSet,
  kUnsupported,  // the filesystem has no user attributes (ENOTSUP): use sidecars from now on
  kTooLarge,     // too large for the filesystem's attribute space (E2BIG, ENOSPC, ERANGE)
};

// Sets the attribute of the file `fd` to `entry`. Other failures throw kIo naming `context`.
XattrOutcome SetMetadataXattr(int fd, const SidecarEntry& entry, const std::string& context);

// The entry in the attribute of the file `fd`, or nullopt when it has none (a file written
// with a sidecar, or by another tool), the filesystem has no attributes, or it is not ours.
std::optional<SidecarEntry> ReadMetadataXattr(int fd);

}  // namespace unpackd::local
