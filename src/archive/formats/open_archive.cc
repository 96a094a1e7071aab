#include "archive/formats/open_archive.h"

#include "archive/zip/zip_reader.h"

namespace unpackd {

std::unique_ptr<ArchiveReader> OpenArchive(RandomAccessSource& source,
                                           const ArchiveOpenOptions& options) {
  // ZIP is found from its end, not its start (self-extractors prepend a program), so it is
  // the fallback once the formats recognised by their first bytes have been ruled out.
  return ZipReader::Open(source, options);
}

}  // namespace unpackd
