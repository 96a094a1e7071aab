#include "archive/name_decoding.h"

#include <unicode/normalizer2.h>
#include <unicode/ucnv.h>
#include <unicode/unistr.h>
#include <zlib.h>

#include <memory>

namespace unpackd {
namespace {

bool IsAscii(const std::string& s) {
  for (unsigned char c : s) {
    if (c >= 0x80) return false;
  }
  return true;
}

// Decodes `raw` from `charset` (an ICU converter name) to NFC UTF-8. Undecodable bytes become
// U+FFFD (ICU's default substitution).
std::string ToNfcUtf8(const std::string& raw, const char* charset) {
  icu::UnicodeString text(raw.data(), static_cast<int32_t>(raw.size()), charset);
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
  if (U_SUCCESS(status)) {
    icu::UnicodeString normalized = nfc->normalize(text, status);
    if (U_SUCCESS(status)) text = normalized;
  }
  std::string out;
  text.toUTF8String(out);
  return out;
}

}  // namespace

void DecodeEntryNames(std::vector<ZipEntry>& entries, const NameDecodingOptions& options) {
  for (ZipEntry& e : entries) {
    if (e.utf8_flag) {
      e.name = ToNfcUtf8(e.raw_name, "UTF-8");
      e.name_encoding = "utf-8";
      continue;
    }
    if (e.unicode_path) {
      const auto crc = static_cast<uint32_t>(
          crc32(0, reinterpret_cast<const Bytef*>(e.raw_name.data()),
                static_cast<uInt>(e.raw_name.size())));
      if (crc == e.unicode_path_name_crc) {
        e.name = ToNfcUtf8(*e.unicode_path, "UTF-8");
        e.name_encoding = "unicode-path-extra";
        continue;
      }
    }
    if (IsAscii(e.raw_name)) {
      e.name = e.raw_name;
      e.name_encoding = "ascii";
      continue;
    }
    const std::string charset =
        options.forced_encoding.empty() ? std::string("ibm-437") : options.forced_encoding;
    e.name = ToNfcUtf8(e.raw_name, charset.c_str());
    e.name_encoding = options.forced_encoding.empty() ? "cp437" : options.forced_encoding;
  }
}

}  // namespace unpackd
