// ASCII-only case folding: for protocol tokens (header names, URL schemes, config keys,
// charset labels) and case-collision checks, where locale-dependent std::tolower is wrong.
#pragma once

#include <string>
#include <string_view>

namespace unpackd {

inline char AsciiLower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

inline std::string AsciiLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

}  // namespace unpackd
