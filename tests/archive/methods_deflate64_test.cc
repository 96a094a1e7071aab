// Deflate64 streams written bit by bit from the format description, for what 7-Zip's encoder
// never emits (length code 285 with its 16 extra bits, 258 via code 284, the full 65536-byte
// distance) and for malformed streams. The expected output comes from the format's meaning
// of each match ("copy `length` bytes from `distance` back"), applied naively.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "archive/methods_test_helpers.h"
#include "archive/zip/zip_method.h"
#include "support/file_object.h"
#include "support/temp_dir.h"

namespace unpackd {
namespace {

using methods_test::Bytes;
using methods_test::DecodeInChunks;
using methods_test::ExpectRefused;

// Packs bits least significant first, as deflate streams are; Huffman codes go most
// significant bit first.
class BitWriter {
 public:
  void Bits(uint32_t value, int count) {
    for (int i = 0; i < count; ++i) Put((value >> i) & 1);
  }
  void Code(uint32_t code, int length) {
    for (int i = length - 1; i >= 0; --i) Put((code >> i) & 1);
  }
  void AlignToByte() {
    while (bit_ != 0) Put(0);
  }
  void Byte(uint8_t value) { Bits(value, 8); }
  const Bytes& bytes() const { return bytes_; }

  // Symbols of the fixed Huffman codes (RFC 1951 section 3.2.6).
  void FixedLiteralOrLength(int symbol) {
    if (symbol < 144) {
      Code(0x30 + symbol, 8);
    } else if (symbol < 256) {
      Code(0x190 + symbol - 144, 9);
    } else if (symbol < 280) {
      Code(symbol - 256, 7);
    } else {
      Code(0xc0 + symbol - 280, 8);
    }
  }
  void FixedDistance(int symbol) { Code(symbol, 5); }

  void StoredBlock(bool final, std::span<const std::byte> data) {
    Bits(final ? 1 : 0, 1);
    Bits(0, 2);
    AlignToByte();
    Bits(static_cast<uint32_t>(data.size()), 16);
    Bits(static_cast<uint32_t>(~data.size()) & 0xffff, 16);
    for (const std::byte b : data) Byte(std::to_integer<uint8_t>(b));
  }

 private:
  void Put(uint32_t bit) {
    if (bit_ == 0) bytes_.push_back(std::byte{0});
    bytes_.back() |= static_cast<std::byte>(bit << bit_);
    bit_ = (bit_ + 1) % 8;
  }

  Bytes bytes_;
  int bit_ = 0;
};

void CopyMatch(Bytes& out, size_t length, size_t distance) {
  for (size_t i = 0; i < length; ++i) out.push_back(out[out.size() - distance]);
}

Bytes Noise(size_t size, uint32_t seed) {
  std::mt19937 random(seed);
  Bytes bytes(size);
  for (auto& b : bytes) b = static_cast<std::byte>(random());
  return bytes;
}

std::unique_ptr<Decompressor> MakeDeflate64() {
  ZipDecoderParams params;
  params.method = 9;
  return MakeZipDecompressor(params);
}

TEST(Deflate64Test, DecodesDeflate64OnlyCodes) {
  const Bytes first = Noise(40'000, 1);
  const Bytes second = Noise(40'000, 2);
  BitWriter writer;
  writer.StoredBlock(false, first);
  writer.StoredBlock(false, second);
  Bytes expected = first;
  expected.insert(expected.end(), second.begin(), second.end());

  writer.Bits(1, 1);  // final
  writer.Bits(1, 2);  // fixed Huffman codes
  // Length 65538 (code 285: 3 + 16 extra bits) from 65536 back (code 31: 49153 + 14 bits).
  writer.FixedLiteralOrLength(285);
  writer.Bits(65535, 16);
  writer.FixedDistance(31);
  writer.Bits(65536 - 49153, 14);
  CopyMatch(expected, 65538, 65536);
  // Length 258 through code 284 (227 + 5 bits), from 40000 back (code 30: 32769 + 14 bits).
  writer.FixedLiteralOrLength(284);
  writer.Bits(31, 5);
  writer.FixedDistance(30);
  writer.Bits(40'000 - 32769, 14);
  CopyMatch(expected, 258, 40'000);
  // A run: length 1000 from 1 back, after a literal.
  writer.FixedLiteralOrLength('Z');
  expected.push_back(std::byte{'Z'});
  writer.FixedLiteralOrLength(285);
  writer.Bits(1000 - 3, 16);
  writer.FixedDistance(0);
  CopyMatch(expected, 1000, 1);
  writer.FixedLiteralOrLength(256);

  struct Chunking {
    size_t in, out;
  };
  for (const Chunking chunking : {Chunking{1, 7}, Chunking{3, 65536}, Chunking{SIZE_MAX, 1}}) {
    SCOPED_TRACE(std::to_string(chunking.in) + "/" + std::to_string(chunking.out));
    auto decompressor = MakeDeflate64();
    size_t consumed = 0;
    const Bytes out =
        DecodeInChunks(*decompressor, writer.bytes(), chunking.in, chunking.out, &consumed);
    ASSERT_EQ(out.size(), expected.size());
    EXPECT_TRUE(std::memcmp(out.data(), expected.data(), out.size()) == 0);
    EXPECT_EQ(consumed, writer.bytes().size());
  }
}

TEST(Deflate64Test, RefusesDistanceBeforeTheStart) {
  BitWriter writer;
  writer.Bits(1, 1);
  writer.Bits(1, 2);
  writer.FixedLiteralOrLength('a');
  writer.FixedLiteralOrLength(257);  // length 3
  writer.FixedDistance(1);           // distance 2, but only 1 byte exists
  writer.FixedLiteralOrLength(256);
  auto decompressor = MakeDeflate64();
  ExpectRefused([&] { DecodeInChunks(*decompressor, writer.bytes(), 64, 64); },
                "reaches before the start");
}

TEST(Deflate64Test, RefusesBadStoredLength) {
  BitWriter writer;
  writer.Bits(1, 1);
  writer.Bits(0, 2);
  writer.AlignToByte();
  writer.Bits(5, 16);
  writer.Bits(5, 16);  // should be the complement, 0xfffa
  for (int i = 0; i < 5; ++i) writer.Byte('x');
  auto decompressor = MakeDeflate64();
  ExpectRefused([&] { DecodeInChunks(*decompressor, writer.bytes(), 64, 64); },
                "stored block length");
}

TEST(Deflate64Test, RefusesReservedLengthSymbol) {
  BitWriter writer;
  writer.Bits(1, 1);
  writer.Bits(1, 2);
  writer.FixedLiteralOrLength(286);
  writer.FixedLiteralOrLength(256);
  auto decompressor = MakeDeflate64();
  ExpectRefused([&] { DecodeInChunks(*decompressor, writer.bytes(), 64, 64); }, "reserved");
}

TEST(Deflate64Test, RefusesTooManyLiteralLengthCodes) {
  BitWriter writer;
  writer.Bits(1, 1);
  writer.Bits(2, 2);   // dynamic Huffman codes
  writer.Bits(30, 5);  // HLIT: 287 codes, one more than the alphabet has
  writer.Bits(0, 5);
  writer.Bits(0, 4);
  writer.Bits(0, 32);
  auto decompressor = MakeDeflate64();
  ExpectRefused([&] { DecodeInChunks(*decompressor, writer.bytes(), 64, 64); },
                "literal/length codes");
}

TEST(Deflate64Test, RefusesRepeatWithoutPreviousLength) {
  BitWriter writer;
  writer.Bits(1, 1);
  writer.Bits(2, 2);
  writer.Bits(0, 5);  // 257 literal/length codes
  writer.Bits(0, 5);  // 1 distance code
  writer.Bits(0, 4);  // 4 code-length codes: for 16, 17, 18 and 0
  // Code-length code: symbols 0 and 16 get 1-bit codes, "0" and "1" in symbol order.
  writer.Bits(1, 3);  // 16
  writer.Bits(0, 3);  // 17
  writer.Bits(0, 3);  // 18
  writer.Bits(1, 3);  // 0
  writer.Code(1, 1);  // symbol 16 first: nothing to repeat
  writer.Bits(0, 2);
  writer.Bits(0, 16);
  auto decompressor = MakeDeflate64();
  ExpectRefused([&] { DecodeInChunks(*decompressor, writer.bytes(), 64, 64); },
                "no previous length");
}

TEST(Deflate64Test, EmptyFinalFixedBlockDecodesToNothing) {
  BitWriter writer;
  writer.Bits(1, 1);
  writer.Bits(1, 2);
  writer.FixedLiteralOrLength(256);
  auto decompressor = MakeDeflate64();
  size_t consumed = 0;
  EXPECT_TRUE(DecodeInChunks(*decompressor, writer.bytes(), 1, 1, &consumed).empty());
  EXPECT_EQ(consumed, writer.bytes().size());
}

}  // namespace
}  // namespace unpackd
