// Decodes member names to valid, NFC-normalized UTF-8.
//
// Per entry, in order of authority:
//  1. General-purpose bit 11 (the UTF-8 flag): the raw name is UTF-8. Invalid sequences become
//     U+FFFD and the entry is reported as lossy.
//  2. An Info-ZIP Unicode Path extra field (0x7075) whose CRC-32 matches the raw name: its
//     UTF-8 name (a stale field, left behind when a tool renamed the entry, is ignored).
//  3. A pure-ASCII name is taken as is.
//  4. Otherwise the archive's legacy encoding: NameDecodingOptions::forced_encoding if set,
//     else detected once over all remaining names together (see charset_detection.h).
// The result is always NFC, so a name written by macOS (NFD) compares equal to the same name
// typed on Windows or Linux.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "archive/names.h"
#include "archive/zip/zip_entry.h"
#include "util/string_arena.h"

namespace unpackd {

// Sets entries[i].name and name_encoding from records[i] (its raw name and UTF-8 flag) and
// the Unicode Path extras (sorted by index), and says what it did. A name that decodes to its
// raw bytes views them (records[i].raw_name()); others, and encoding labels that are no
// constant, are kept in `strings`, which must outlive the entries. `records` and `entries`
// have the same size. Throws only Error(kUsage), for an unknown forced encoding (checked
// before any entry is touched); a byte that cannot be decoded becomes U+FFFD and is reported
// instead. Thread-safe for distinct `entries`.
NameDecodingReport DecodeEntryNames(std::span<const ZipEntry> records,
                                    std::span<const UnicodePathExtra> unicode_paths,
                                    std::span<ArchiveEntry> entries,
                                    const NameDecodingOptions& options, StringArena& strings);

}  // namespace unpackd
