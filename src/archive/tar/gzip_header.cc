#include "archive/tar/gzip_header.h"

#include <cstdint>

namespace unpackd {

std::optional<std::string> GzipStoredName(std::span<const std::byte> head) {
  auto at = [&](size_t i) { return static_cast<uint8_t>(head[i]); };
  constexpr size_t kFixed = 10;  // magic, method, flags, mtime, xfl, os
  constexpr uint8_t kFlagExtra = 0x04, kFlagName = 0x08;
  if (head.size() < kFixed || at(0) != 0x1f || at(1) != 0x8b || at(2) != 8) return std::nullopt;
  const uint8_t flags = at(3);
  if (!(flags & kFlagName)) return std::nullopt;
  size_t pos = kFixed;
  if (flags & kFlagExtra) {
    if (head.size() < pos + 2) return std::nullopt;
    pos += 2 + (at(pos) | (size_t{at(pos + 1)} << 8));
  }
  std::string name;
  for (; pos < head.size(); ++pos) {
    if (at(pos) == 0) return name.empty() ? std::nullopt : std::optional(std::move(name));
    name.push_back(static_cast<char>(at(pos)));
  }
  return std::nullopt;  // the name runs past what was read
}

}  // namespace unpackd
