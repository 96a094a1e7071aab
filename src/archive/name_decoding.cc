#include "archive/name_decoding.h"

#include <unicode/utf8.h>

#include <span>

#include "archive/charset_detection.h"
#include "archive/crc32.h"
#include "archive/legacy_charsets.h"
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

void ValidateNameDecodingOptions(const NameDecodingOptions& options) {
  if (options.forced_encoding.empty()) return;
  if (!CanonicalCharsetName(options.forced_encoding)) {
    throw Error(ErrorKind::kUsage, "unknown name encoding '" + options.forced_encoding +
                                       "' (known: " + KnownCharsetNames() + ")");
  }
}

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

std::string PrintableRawName(std::string_view raw, size_t max_bytes) {
  static const char kHex[] = "0123456789abcdef";
  const auto escape = [](std::string& out, unsigned char byte) {
    out += "\\x";
    out.push_back(kHex[byte >> 4]);
    out.push_back(kHex[byte & 15]);
  };
  const bool cut = raw.size() > max_bytes;
  if (cut) raw = raw.substr(0, max_bytes);
  std::string out;
  const auto* bytes = reinterpret_cast<const uint8_t*>(raw.data());
  const auto length = static_cast<int32_t>(raw.size());
  for (int32_t i = 0; i < length;) {
    const int32_t start = i;
    UChar32 c;
    U8_NEXT(bytes, i, length, c);
    if (c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0)) {
      for (int32_t j = start; j < i; ++j) escape(out, bytes[j]);
    } else {
      out.append(raw.substr(static_cast<size_t>(start), static_cast<size_t>(i - start)));
    }
  }
  if (cut) out += "...";
  return out;
}

}  // namespace unpackd
