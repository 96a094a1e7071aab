// The tar family through libarchive: tar (ustar, GNU, pax; long names, pax path and size
// overrides, sparse files) plain or compressed with gzip, bzip2, xz or zstd, and a lone
// compressed file (`.gz`, `.bz2`, `.xz`, `.zst`) as one member. libarchive reads through a
// callback over our ByteSource, so the archive is never copied locally and its memory is
// libarchive's own buffers plus the decoder's window.
//
// Only libarchive's built-in decoders are accepted: it falls back to running an external
// program (`gzip -d`, ...) when a decoder is not compiled in, which a service must not do.
#pragma once

#include <memory>

#include "archive/sequential_archive_reader.h"
#include "io/byte_source.h"

namespace unpackd {

// Reads the first header before returning. Throws Error(kArchiveRefused) when the stream is
// neither a tar nor a compressed file (or is corrupt or truncated at once); store errors from
// `stream` keep their kind.
std::unique_ptr<SequentialArchiveReader> OpenLibarchiveStream(std::unique_ptr<ByteSource> stream,
                                                              const SequentialOpenOptions& options);

}  // namespace unpackd
