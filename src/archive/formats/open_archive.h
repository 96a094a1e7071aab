// OpenArchive: picks the reader for an archive's bytes. The only place that names every
// format; a new random-access format registers here.
#pragma once

#include <memory>

#include "archive/archive_reader.h"

namespace unpackd {

// Throws Error(kArchiveRefused) with the reason when the bytes are no archive unpackd reads.
// `source` must outlive the reader.
std::unique_ptr<ArchiveReader> OpenArchive(RandomAccessSource& source,
                                           const ArchiveOpenOptions& options);

}  // namespace unpackd
