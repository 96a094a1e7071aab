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
#include <string>
#include <string_view>
#include <vector>

#include "archive/zip_entry.h"

namespace unpackd {

struct NameDecodingOptions {
  // Empty: decide per archive. Otherwise the legacy encoding for names without the UTF-8 flag
  // and without a valid Unicode Path extra: "cp437", "cp949" (also "euc-kr", "uhc"),
  // "shift_jis" (also "cp932", "sjis"), "gbk" (also "cp936", "gb2312"), "gb18030", "big5",
  // "euc-jp", "cp850", "cp866", "cp1252", "iso-8859-1", "utf-8". Case, '-' and '_' are ignored.
  std::string forced_encoding;
};

// ZipEntry::name_encoding values besides a legacy charset's canonical name ("cp437", "cp949",
// "shift_jis", "gbk", ...).
inline constexpr std::string_view kNameEncodingUtf8Flag = "utf-8";
inline constexpr std::string_view kNameEncodingUnicodePathExtra = "unicode-path-extra";
inline constexpr std::string_view kNameEncodingAscii = "ascii";
// Detection found UTF-8 in names without the flag (macOS, Info-ZIP on Linux, ...).
inline constexpr std::string_view kNameEncodingUtf8Unflagged = "utf-8 (unflagged)";
// Appended to name_encoding when some bytes could not be decoded and became U+FFFD.
inline constexpr std::string_view kNameEncodingLossySuffix = " (lossy)";

struct NameDecodingReport {
  // The legacy encoding applied to non-ASCII names without flag or valid extra ("" if there
  // were none; "utf-8" when detection found unflagged UTF-8), whether it was forced, and why
  // it was chosen (one line for logs/inspect).
  std::string legacy_encoding;
  bool forced = false;
  std::string reason;
  // Indexes (ZipEntry::index) of entries whose name lost bytes to U+FFFD.
  std::vector<uint32_t> lossy_entries;
  // Entries whose Unicode Path extra was ignored because its CRC did not match the raw name.
  std::vector<uint32_t> stale_unicode_path_entries;
};

// Throws Error(kUsage) naming the known encodings if options.forced_encoding is set but not
// one unpackd knows. Cheap; lets a CLI fail before touching any archive.
void ValidateNameDecodingOptions(const NameDecodingOptions& options);

// Sets name and name_encoding for every entry and says what it did. Throws only
// Error(kUsage), for an unknown forced encoding (checked before any entry is touched); a byte
// that cannot be decoded becomes U+FFFD and is reported instead. Thread-safe for distinct
// `entries`.
NameDecodingReport DecodeEntryNames(std::vector<ZipEntry>& entries,
                                    const NameDecodingOptions& options);

// `raw` (a name as stored, any bytes) made safe for an error message, log line or JSON string:
// valid UTF-8 is kept, while invalid bytes and control characters become "\xNN" escapes, so
// the result is always valid UTF-8 without control characters. Input beyond `max_bytes` is
// cut and marked with "...". Use it wherever an archive's raw bytes reach a message (for
// instance a local-header name that disagrees with the central directory).
std::string PrintableRawName(std::string_view raw, size_t max_bytes = 256);

}  // namespace unpackd
