// Member names in any archive format: how legacy (non-UTF-8) names are decoded, what the
// decoding reports, and how raw name bytes are shown safely in messages. The decoding itself
// belongs to each format (archive/zip/name_decoding.h); the charset logic is shared
// (charset_detection.h, legacy_charsets.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace unpackd {

struct NameDecodingOptions {
  // Empty: decide per archive. Otherwise the legacy encoding for names without the UTF-8 flag
  // and without a valid Unicode Path extra: "cp437", "cp949" (also "euc-kr", "uhc"),
  // "shift_jis" (also "cp932", "sjis"), "gbk" (also "cp936", "gb2312"), "gb18030", "big5",
  // "euc-jp", "cp850", "cp866", "cp1251" (also "windows-1251"), "koi8-r" (also "koi8"),
  // "cp1252", "iso-8859-1", "utf-8". Case, '-' and '_' are ignored.
  std::string forced_encoding;
};

// ArchiveEntry::name_encoding values besides a legacy charset's canonical name ("cp437", "cp949",
// "shift_jis", "gbk", "cp1251", "koi8-r", "cp866", ...).
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
  // Indexes (ArchiveEntry::index) of entries whose name lost bytes to U+FFFD.
  std::vector<uint32_t> lossy_entries;
  // Entries whose Unicode Path extra was ignored because its CRC did not match the raw name.
  std::vector<uint32_t> stale_unicode_path_entries;
};

// Throws Error(kUsage) naming the known encodings if options.forced_encoding is set but not
// one unpackd knows. Cheap; lets a CLI fail before touching any archive.
void ValidateNameDecodingOptions(const NameDecodingOptions& options);

// `raw` (a name as stored, any bytes) made safe for an error message, log line or JSON string:
// valid UTF-8 is kept, while invalid bytes and control characters become "\xNN" escapes, so
// the result is always valid UTF-8 without control characters. Input beyond `max_bytes` is
// cut and marked with "...". Use it wherever an archive's raw bytes reach a message (for
// instance a local-header name that disagrees with the central directory).
std::string PrintableRawName(std::string_view raw, size_t max_bytes = 256);

}  // namespace unpackd
