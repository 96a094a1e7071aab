// A sequential archive read to its end and kept as an entry table: what `inspect` shows and
// what `--verify-first` plans from. A stream has no directory, so every member's content is
// read (and dropped): only then are a truncated or corrupt stream, a lying size field or a
// broken limit known.
#pragma once

#include <memory>

#include "archive/archive_reader.h"
#include "archive/sequential_archive_reader.h"

namespace unpackd {

// Reads `reader` to its end. A refusal met on the way (corrupt or truncated stream, a limit)
// ends the listing and becomes an archive-wide refusing finding in StructuralFindings, so the
// entries before it are still shown; store errors propagate. The result's OpenMember and
// CheckMember throw Error(kInternal) and nothing (the content was checked while listing):
// members are extracted by streaming the archive again.
std::unique_ptr<ArchiveReader> ListSequentialArchive(SequentialArchiveReader& reader);

}  // namespace unpackd
