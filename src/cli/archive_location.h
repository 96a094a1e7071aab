// Where the archive a user named on the command line lives, and which local store root it
// implies.
#pragma once

#include <filesystem>
#include <string>

#include "cli/cli_options.h"
#include "store/registry/store_locator.h"

namespace unpackd {

struct ArchiveLocation {
  Location location;
  std::filesystem::path local_root;  // the local store's root for this run

  std::string ToUrl() const { return location.ToUrl(local_root); }
};

// `argument` as a location under options.LocalRoot(). Throws Error(kUsage) as ParseLocation
// does, and when it names a bucket rather than an archive.
//
// A zip file outside any store, as unzip would take it: when `argument` is a plain path to an
// existing regular file, no --root was given, and $UNPACKD_ROOT is unset or the file names no
// archive under it, the local store is rooted at the parent of the file's folder (its real
// path) and that folder is the bucket. The default destination, "{dir}/{stem}/{path}", then
// puts "result/" beside "result.zip", and the job is the same from whatever directory it is
// run. When the folder cannot be a bucket (the file lies in "/", or the folder's name starts
// with '.'), the error says what to type instead.
ArchiveLocation LocateArchive(const std::string& argument, const CliOptions& options);

}  // namespace unpackd
