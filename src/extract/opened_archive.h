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
  std::unique_ptr<ArchiveReader> reader;       // reads `object`; null until the directory is read
  // Read front to back (the tar family, IsSequentialArchive): it has no directory, so
  // `reader` is a listing of the whole stream (ListSequentialArchive), and extraction streams.
  bool sequential = false;
  Destination destination;
};

// The destination `job` names (its template and bucket, or the defaults).
Destination JobDestination(const ExtractJob& job);

// Opens the archive and checks the pinned ETag; with `read_directory`, also reads its
// directory (see ReadJobArchiveDirectory). Throws kPrecondition ("archive-changed") when the
// store holds another version than the pinned one.
OpenedArchive OpenJobArchive(const ExtractJob& job, ObjectStore& source_store,
                             bool read_directory = true);

// Sets opened.reader: reads the directory of the opened version (a stream: reads it whole) (for a
// million members, the costliest step before the first byte is written: a job that is already
// complete skips it). Throws kArchiveRefused (naming the archive) when it cannot be read as an
// archive.
void ReadJobArchiveDirectory(const ExtractJob& job, OpenedArchive& opened);

}  // namespace unpackd
