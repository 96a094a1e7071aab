#include "archive/name_decoding.h"

#include <unicode/normalizer2.h>
#include <unicode/ucnv.h>
#include <unicode/unistr.h>
#include <zlib.h>

#include <memory>
#include <vector>

namespace unpackd {
namespace {

bool IsAscii(const std::string& s) {
  for (unsigned char c : s) {
    if (c >= 0x80) return false;
  }
  return true;
}

bool IsValidUtf8(const std::string& s) {
  UErrorCode status = U_ZERO_ERROR;
  UConverter* conv = ucnv_open("UTF-8", &status);
  if (U_FAILURE(status)) return false;
  ucnv_setToUCallBack(conv, UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &status);
  std::vector<UChar> out(s.size() + 1);
  ucnv_toUChars(conv, out.data(), static_cast<int32_t>(out.size()), s.data(),
                static_cast<int32_t>(s.size()), &status);
  ucnv_close(conv);
  return U_SUCCESS(status);
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
    // Info-ZIP on Linux and many other tools store UTF-8 without setting the flag; legacy
    // multi-byte text is almost never valid UTF-8 by accident.
    if (options.forced_encoding.empty() && IsValidUtf8(e.raw_name)) {
      e.name = ToNfcUtf8(e.raw_name, "UTF-8");
      e.name_encoding = "utf-8 (unflagged)";
      continue;
    }
    const std::string charset =
        options.forced_encoding.empty() ? std::string("ibm-437") : options.forced_encoding;
    e.name = ToNfcUtf8(e.raw_name, charset.c_str());
    e.name_encoding = options.forced_encoding.empty() ? "cp437" : options.forced_encoding;
  }
}

}  // namespace unpackd
