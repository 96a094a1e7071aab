// OpenArchive: picks the reader for an archive's bytes. The only place that names every
// format; a new random-access format registers here, a new sequential one too.
#pragma once

#include <memory>

#include "archive/archive_reader.h"
#include "archive/sequential_archive_reader.h"
#include "io/byte_source.h"

namespace unpackd {

// True when the bytes start as a stream unpackd reads front to back: a tar header (its
// checksum valid), or the magic of gzip, bzip2, xz, lzma-alone or zstd. Decided from content,
// never from a key's suffix; reads the first 512 bytes. Everything else is left to
// OpenArchive (ZIP is found from its end).
bool IsSequentialArchive(RandomAccessSource& source);

// Throws Error(kArchiveRefused) with the reason when the bytes are no archive unpackd reads.
// `source` must outlive the reader.
std::unique_ptr<ArchiveReader> OpenArchive(RandomAccessSource& source,
                                           const ArchiveOpenOptions& options);

// Opens a stream IsSequentialArchive accepted, reading its first header. Same errors.
std::unique_ptr<SequentialArchiveReader> OpenSequentialArchive(
    std::unique_ptr<ByteSource> stream, const SequentialOpenOptions& options);

}  // namespace unpackd
