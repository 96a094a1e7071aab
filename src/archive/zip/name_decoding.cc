#include "archive/zip/name_decoding.h"

#include <unicode/utf8.h>

#include <span>

#include "archive/charset_detection.h"
#include "archive/legacy_charsets.h"
#include "codec/crc32.h"
#include "util/error.h"

namespace unpackd {
namespace {

bool IsAscii(std::string_view s) {
  for (unsigned char c : s) {
    if (c >= 0x80) return false;
  }
  return true;
}

// Valid UTF-8 without control characters: a name the member checks will not refuse for its
// bytes alone.
bool IsCleanUtf8(std::string_view s) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(s.data());
  const auto length = static_cast<int32_t>(s.size());
  for (int32_t i = 0; i < length;) {
    UChar32 c = 0;
    U8_NEXT(bytes, i, length, c);
    if (c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0)) return false;  // also U8_NEXT's -1
  }
  return true;
}

bool MatchesRawName(const UnicodePathExtra& extra, std::string_view raw_name) {
  return Crc32Update(0, std::as_bytes(std::span(raw_name))) == extra.name_crc;
}

// Decodes with `decoder`, records lossy results, and sets name/name_encoding.
void Apply(ArchiveEntry& e, std::string_view bytes, CharsetDecoder& decoder, std::string_view label,
           NameDecodingReport& report) {
  size_t replaced = 0;
  e.name = ToNfcUtf8(decoder.Decode(bytes, &replaced));
  e.name_encoding = std::string(label);
  if (replaced != 0) {
    e.name_encoding += kNameEncodingLossySuffix;
    report.lossy_entries.push_back(e.index);
  }
}

}  // namespace

NameDecodingReport DecodeEntryNames(std::span<const ZipEntry> records,
                                    std::span<const UnicodePathExtra> unicode_paths,
                                    std::span<ArchiveEntry> entries,
                                    const NameDecodingOptions& options) {
  if (records.size() != entries.size()) {
    throw Error(ErrorKind::kInternal, "name decoding: records and entries differ in number");
  }
  ValidateNameDecodingOptions(options);
  NameDecodingReport report;
  CharsetDecoder utf8(kNameEncodingUtf8Flag);

  // First pass: everything that does not depend on the archive's legacy encoding.
  std::vector<size_t> legacy;
  auto extra = unicode_paths.begin();
  for (size_t i = 0; i < records.size(); ++i) {
    const ZipEntry& record = records[i];
    ArchiveEntry& entry = entries[i];
    while (extra != unicode_paths.end() && extra->index < i) ++extra;
    const UnicodePathExtra* unicode_path =
        extra != unicode_paths.end() && extra->index == i ? &*extra : nullptr;
    // The extra names the member when its CRC matches the raw name and either no UTF-8 flag
    // vouches for the raw bytes, or the flagged bytes are no clean name (control characters,
    // invalid UTF-8) while the extra is: a writer that flagged such bytes also recorded the
    // name it meant, and yauzl reads it the same way.
    const bool unicode_path_matches =
        unicode_path != nullptr && MatchesRawName(*unicode_path, record.raw_name);
    const bool use_unicode_path =
        unicode_path_matches &&
        (!record.utf8_flag() || (!IsCleanUtf8(record.raw_name) && IsCleanUtf8(unicode_path->name)));
    if (use_unicode_path) {
      Apply(entry, unicode_path->name, utf8, kNameEncodingUnicodePathExtra, report);
    } else if (record.utf8_flag()) {
      Apply(entry, record.raw_name, utf8, kNameEncodingUtf8Flag, report);
    } else {
      if (unicode_path != nullptr) report.stale_unicode_path_entries.push_back(entry.index);
      if (IsAscii(record.raw_name)) {
        entry.name = record.raw_name;
        entry.name_encoding = std::string(kNameEncodingAscii);
      } else {
        legacy.push_back(i);
      }
    }
  }
  if (legacy.empty()) return report;

  if (!options.forced_encoding.empty()) {
    report.legacy_encoding = std::string(*CanonicalCharsetName(options.forced_encoding));
    report.forced = true;
    report.reason = "forced by option";
  } else {
    std::vector<std::string_view> names;
    names.reserve(legacy.size());
    for (size_t i : legacy) names.push_back(records[i].raw_name);
    CharsetGuess guess = DetectNameCharset(names);
    report.legacy_encoding = std::move(guess.charset);
    report.reason = std::move(guess.reason);
  }

  CharsetDecoder decoder(report.legacy_encoding);
  const std::string_view label = report.legacy_encoding == "utf-8" && !report.forced
                                     ? kNameEncodingUtf8Unflagged
                                     : std::string_view(report.legacy_encoding);
  for (size_t i : legacy) Apply(entries[i], records[i].raw_name, decoder, label, report);
  return report;
}

}  // namespace unpackd
