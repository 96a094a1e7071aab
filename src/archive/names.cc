#include "archive/names.h"

#include <unicode/utf8.h>

#include "archive/legacy_charsets.h"
#include "util/error.h"

namespace unpackd {

void ValidateNameDecodingOptions(const NameDecodingOptions& options) {
  if (options.forced_encoding.empty()) return;
  if (!CanonicalCharsetName(options.forced_encoding)) {
    throw Error(ErrorKind::kUsage, "unknown name encoding '" + options.forced_encoding +
                                       "' (known: " + KnownCharsetNames() + ")");
  }
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
