// CanonicalHuffmanCode: decodes the canonical prefix codes of deflate and Deflate64.
//
// RFC 1951 section 3.2.2 defines a code by the bit length of each symbol's code alone; codes
// of equal length are consecutive numbers in symbol order, and code bits are read most
// significant first from a stream that is otherwise packed least significant bit first.
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace unpackd {

class CanonicalHuffmanCode {
 public:
  static constexpr int kMaxCodeBits = 15;
  static constexpr size_t kMaxSymbols = 288;  // the literal/length alphabet is the largest

  // Builds the code from per-symbol lengths (0 = symbol unused, at most kMaxCodeBits; at most
  // kMaxSymbols entries). Returns false if the lengths over-subscribe the code space, i.e. do
  // not describe a prefix code. Incomplete codes are accepted (deflate uses a one-code distance
  // tree); a bit pattern that matches no code is reported by Decode().
  bool Build(std::span<const uint8_t> lengths);

  struct Match {
    int symbol = 0;  // -1: the bits match no code (corrupt data)
    int length = 0;  // bits the code takes; 0 with symbol >= 0: more than `available` needed
  };

  // Decodes the symbol whose code starts at the lowest bit of `bits`, of which the low
  // `available` bits are valid stream bits (the rest must be zero). Consumes nothing.
  // Inline: this runs once per literal, and most codes are found by the table lookup.
  Match Decode(uint64_t bits, int available) const {
    if (available >= kTableBits) {
      const uint16_t entry = table_[bits & (table_.size() - 1)];
      if (entry != 0) return Match{entry >> 4, entry & 15};
    }
    return DecodeBitByBit(bits, available);
  }

 private:
  static constexpr int kTableBits = 10;  // codes up to this long are found by one lookup

  Match DecodeBitByBit(uint64_t bits, int available) const;

  std::array<uint16_t, kMaxCodeBits + 1> count_{};  // number of codes of each length
  std::array<uint16_t, kMaxSymbols> sorted_{};      // symbols in code order
  // Indexed by the next kTableBits stream bits: symbol << 4 | code length, 0 when the code is
  // longer than kTableBits (or the pattern is unused) and the bit-by-bit walk decides.
  std::array<uint16_t, size_t{1} << kTableBits> table_{};
};

}  // namespace unpackd
