#include "codec/deflate64_huffman.h"

#include <algorithm>

namespace unpackd {

bool CanonicalHuffmanCode::Build(std::span<const uint8_t> lengths) {
  count_.fill(0);
  table_.fill(0);
  if (lengths.size() > kMaxSymbols) return false;
  for (const uint8_t length : lengths) {
    if (length > kMaxCodeBits) return false;
    ++count_[length];
  }
  count_[0] = 0;

  // Each extra bit of length doubles the code space; more codes than space means the lengths
  // cannot come from a prefix code.
  int64_t left = 1;
  for (int length = 1; length <= kMaxCodeBits; ++length) {
    left = (left << 1) - count_[length];
    if (left < 0) return false;
  }

  // First code (as a number) and first position in sorted_ for each length, per RFC 1951.
  std::array<uint16_t, kMaxCodeBits + 2> next_code{};
  std::array<uint16_t, kMaxCodeBits + 2> offset{};
  for (int length = 1; length <= kMaxCodeBits; ++length) {
    next_code[length + 1] = static_cast<uint16_t>((next_code[length] + count_[length]) << 1);
    offset[length + 1] = static_cast<uint16_t>(offset[length] + count_[length]);
  }

  for (size_t symbol = 0; symbol < lengths.size(); ++symbol) {
    const int length = lengths[symbol];
    if (length == 0) continue;
    sorted_[offset[length]++] = static_cast<uint16_t>(symbol);
    const unsigned code = next_code[length]++;
    if (length > kTableBits) continue;
    // The stream delivers the code's first (most significant) bit first, i.e. lowest.
    unsigned reversed = 0;
    for (int bit = 0; bit < length; ++bit) reversed |= ((code >> bit) & 1u) << (length - 1 - bit);
    const auto entry = static_cast<uint16_t>(symbol << 4 | length);
    for (size_t index = reversed; index < table_.size(); index += size_t{1} << length) {
      table_[index] = entry;
    }
  }
  return true;
}

CanonicalHuffmanCode::Match CanonicalHuffmanCode::DecodeBitByBit(uint64_t bits,
                                                                 int available) const {
  // Walks the lengths in order: `code` is the bits read so far, `first` the first code of the
  // current length and `index` the position of that code's symbol in sorted_.
  int code = 0;
  int first = 0;
  int index = 0;
  for (int length = 1; length <= kMaxCodeBits; ++length) {
    if (length > available) return Match{0, 0};
    code |= static_cast<int>((bits >> (length - 1)) & 1);
    const int count = count_[length];
    if (code - first < count) return Match{sorted_[index + code - first], length};
    index += count;
    first = (first + count) << 1;
    code <<= 1;
  }
  return Match{-1, 0};
}

}  // namespace unpackd
