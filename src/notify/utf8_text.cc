#include "notify/utf8_text.h"

namespace unpackd::notify {
namespace {

bool IsContinuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

// The byte length of the character starting at `text[i]`, as its lead byte announces it and its
// continuation bytes confirm; 1 for a stray or truncated byte (counted, never skipped).
size_t CharLength(std::string_view text, size_t i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  size_t length = 1;
  if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
  } else if (lead >= 0xE0) {
    length = lead <= 0xEF ? 3 : 1;
  } else if (lead >= 0xC2) {
    length = 2;
  }
  if (i + length > text.size()) return 1;
  for (size_t k = 1; k < length; ++k) {
    if (!IsContinuation(static_cast<unsigned char>(text[i + k]))) return 1;
  }
  return length;
}

}  // namespace

size_t Utf16Length(std::string_view utf8) {
  size_t units = 0;
  for (size_t i = 0; i < utf8.size();) {
    const size_t length = CharLength(utf8, i);
    units += length == 4 ? 2 : 1;
    i += length;
  }
  return units;
}

std::string TruncateChars(std::string_view utf8, size_t max_units) {
  if (Utf16Length(utf8) <= max_units) return std::string(utf8);
  if (max_units == 0) return {};
  const size_t budget = max_units - 1;  // the ellipsis is one unit
  size_t units = 0;
  size_t end = 0;
  while (end < utf8.size()) {
    const size_t length = CharLength(utf8, end);
    const size_t char_units = length == 4 ? 2 : 1;
    if (units + char_units > budget) break;
    units += char_units;
    end += length;
  }
  std::string out(utf8.substr(0, end));
  out += kEllipsis;
  return out;
}

std::string TruncateBytes(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  size_t end = 0;
  while (end < text.size()) {
    const size_t length = CharLength(text, end);
    if (end + length > max_bytes) break;
    end += length;
  }
  std::string out(text.substr(0, end));
  out += kEllipsis;
  return out;
}

}  // namespace unpackd::notify
