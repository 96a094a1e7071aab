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

bool HasValidUnicodePath(const ZipEntry& e) {
  return e.unicode_path.has_value() &&
         Crc32Update(0, std::as_bytes(std::span(e.raw_name))) == e.unicode_path_name_crc;
}

// Decodes with `decoder`, records lossy results, and sets name/name_encoding.
void Apply(ZipEntry& e, std::string_view bytes, CharsetDecoder& decoder, std::string_view label,
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

NameDecodingReport DecodeEntryNames(std::vector<ZipEntry>& entries,
                                    const NameDecodingOptions& options) {
  ValidateNameDecodingOptions(options);
  NameDecodingReport report;
  CharsetDecoder utf8(kNameEncodingUtf8Flag);

  // First pass: everything that does not depend on the archive's legacy encoding.
  std::vector<ZipEntry*> legacy;
  for (ZipEntry& e : entries) {
    if (e.utf8_flag) {
      Apply(e, e.raw_name, utf8, kNameEncodingUtf8Flag, report);
    } else if (HasValidUnicodePath(e)) {
      Apply(e, *e.unicode_path, utf8, kNameEncodingUnicodePathExtra, report);
    } else {
      if (e.unicode_path.has_value()) report.stale_unicode_path_entries.push_back(e.index);
      if (IsAscii(e.raw_name)) {
        e.name = e.raw_name;
        e.name_encoding = std::string(kNameEncodingAscii);
      } else {
        legacy.push_back(&e);
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
    for (const ZipEntry* e : legacy) names.push_back(e->raw_name);
    CharsetGuess guess = DetectNameCharset(names);
    report.legacy_encoding = std::move(guess.charset);
    report.reason = std::move(guess.reason);
  }

  CharsetDecoder decoder(report.legacy_encoding);
  const std::string_view label = report.legacy_encoding == "utf-8" && !report.forced
                                     ? kNameEncodingUtf8Unflagged
                                     : std::string_view(report.legacy_encoding);
  for (ZipEntry* e : legacy) Apply(*e, e->raw_name, decoder, label, report);
  return report;
}

}  // namespace unpackd
