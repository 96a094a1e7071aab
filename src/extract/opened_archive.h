// OpenedArchive: the first step every job shares: the archive opened at one version, its
// reader, and where its members go.
#pragma once

#include <memory>

#include "archive/archive_reader.h"
#include "extract/destination.h"
#include "extract/extract_job.h"

namespace unpackd {

struct OpenedArchive {
  std::unique_ptr<RandomAccessObject> object;  // pinned to one version
  std::unique_ptr<ArchiveReader> reader;       // reads `object`
  Destination destination;
};

// The destination `job` names (its template and bucket, or the defaults).
Destination JobDestination(const ExtractJob& job);

// Opens the archive, checks the pinned ETag, reads its directory. Throws kPrecondition
// ("archive-changed") when the store holds another version than the pinned one,
// kArchiveRefused (naming the archive) when it cannot be read as an archive.
OpenedArchive OpenJobArchive(const ExtractJob& job, ObjectStore& source_store);

}  // namespace unpackd
