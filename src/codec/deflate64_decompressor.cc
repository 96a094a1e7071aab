#include "codec/deflate64_decompressor.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>

#include "codec/deflate64_huffman.h"
#include "util/error.h"

namespace unpackd {
namespace {

constexpr size_t kWindowSize = size_t{1} << 16;  // Deflate64 reaches back 65536 bytes
constexpr int kLongestCodeBits = CanonicalHuffmanCode::kMaxCodeBits;
constexpr int kMaxLiteralLengthCodes = 286;  // 286 and 287 exist in the fixed code only
constexpr int kEndOfBlock = 256;

struct BaseAndExtraBits {
  uint16_t base;
  uint8_t extra_bits;
};

// Lengths for symbols 257..285. Deflate64 differs from deflate only in the last entry
// (deflate: 258 with no extra bits).
const std::array<BaseAndExtraBits, 29>& LengthCodes() {
  static const std::array<BaseAndExtraBits, 29> codes{{
      {3, 0},  {4, 0},  {5, 0},  {6, 0},   {7, 0},   {8, 0},   {9, 0},   {10, 0},  {11, 1}, {13, 1},
      {15, 1}, {17, 1}, {19, 2}, {23, 2},  {27, 2},  {31, 2},  {35, 3},  {43, 3},  {51, 3}, {59, 3},
      {67, 4}, {83, 4}, {99, 4}, {115, 4}, {131, 5}, {163, 5}, {195, 5}, {227, 5}, {3, 16},
  }};
  return codes;
}

// Distances for symbols 0..31; deflate stops at 29, Deflate64 adds 30 and 31.
const std::array<BaseAndExtraBits, 32>& DistanceCodes() {
  static const std::array<BaseAndExtraBits, 32> codes{{
      {1, 0},      {2, 0},      {3, 0},      {4, 0},      {5, 1},     {7, 1},     {9, 2},
      {13, 2},     {17, 3},     {25, 3},     {33, 4},     {49, 4},    {65, 5},    {97, 5},
      {129, 6},    {193, 6},    {257, 7},    {385, 7},    {513, 8},   {769, 8},   {1025, 9},
      {1537, 9},   {2049, 10},  {3073, 10},  {4097, 11},  {6145, 11}, {8193, 12}, {12289, 12},
      {16385, 13}, {24577, 13}, {32769, 14}, {49153, 14},
  }};
  return codes;
}

// The order in which a dynamic block lists the code lengths of the code-length alphabet.
constexpr std::array<uint8_t, 19> kCodeLengthOrder{16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                                   11, 4,  12, 3, 13, 2, 14, 1, 15};

[[noreturn]] void Corrupt(const std::string& what) {
  throw Error(ErrorKind::kArchiveRefused, "corrupt deflate64 data: " + what);
}

class Deflate64Decompressor final : public Decompressor {
 public:
  Deflate64Decompressor() : window_(std::make_unique<std::byte[]>(kWindowSize)) {
    std::array<uint8_t, 288> literal_lengths{};
    std::fill(literal_lengths.begin(), literal_lengths.begin() + 144, 8);
    std::fill(literal_lengths.begin() + 144, literal_lengths.begin() + 256, 9);
    std::fill(literal_lengths.begin() + 256, literal_lengths.begin() + 280, 7);
    std::fill(literal_lengths.begin() + 280, literal_lengths.end(), 8);
    std::array<uint8_t, 32> distance_lengths{};
    distance_lengths.fill(5);
    fixed_literals_.Build(literal_lengths);
    fixed_distances_.Build(distance_lengths);
  }

  Step Decompress(std::span<const std::byte> in, bool in_is_last,
                  std::span<std::byte> out) override {
    if (state_ == State::kDone) return Step{0, 0, true};
    next_in_ = in.data();
    end_in_ = in.data() + in.size();
    out_ = out.data();
    out_size_ = out.size();
    out_pos_ = 0;
    const Stop stop = Run();
    if (stop == Stop::kNeedInput && in_is_last) {
      throw Error(ErrorKind::kArchiveRefused, "deflate64 data is truncated");
    }
    return Step{static_cast<size_t>(next_in_ - in.data()), out_pos_, state_ == State::kDone};
  }

 private:
  enum class State {
    kBlockHeader,
    kStoredHeader,
    kStoredCopy,
    kDynamicHeader,
    kCodeLengthCodes,
    kCodeLengths,
    kLiteralOrLength,
    kDistance,
    kCopyMatch,
    kDone,
  };
  enum class Stop { kNeedInput, kOutputFull, kDone };

  // --- Bit input: bits_ holds bit_count_ not yet used stream bits, least significant first.

  bool PullByte() {
    if (next_in_ == end_in_) return false;
    bits_ |= static_cast<uint64_t>(std::to_integer<uint8_t>(*next_in_++)) << bit_count_;
    bit_count_ += 8;
    return true;
  }
  bool Need(int count) {
    while (bit_count_ < count) {
      if (!PullByte()) return false;
    }
    return true;
  }
  uint32_t Peek(int offset, int count) const {
    return static_cast<uint32_t>((bits_ >> offset) & ((uint64_t{1} << count) - 1));
  }
  void Drop(int count) {
    bits_ >>= count;
    bit_count_ -= count;
  }

  // Finds the next symbol of `code` without consuming it; false if more input is needed.
  bool PeekSymbol(const CanonicalHuffmanCode& code, CanonicalHuffmanCode::Match& match) {
    while (bit_count_ < kLongestCodeBits && PullByte()) {
    }
    for (;;) {
      match = code.Decode(bits_, bit_count_);
      if (match.symbol < 0) Corrupt("bit pattern matches no Huffman code");
      if (match.length > 0) return true;
      if (!PullByte()) return false;
    }
  }

  // --- Output: every byte goes to the caller's buffer and into the window for matches.

  void Emit(std::byte value) {
    out_[out_pos_++] = value;
    window_[window_pos_] = value;
    window_pos_ = (window_pos_ + 1) & (kWindowSize - 1);
    ++total_out_;
  }
  size_t OutputRoom() const { return out_size_ - out_pos_; }

  State AfterBlock() const { return final_block_ ? State::kDone : State::kBlockHeader; }

  Stop Run() {
    for (;;) {
      switch (state_) {
        case State::kBlockHeader: {
          if (!Need(3)) return Stop::kNeedInput;
          final_block_ = Peek(0, 1) != 0;
          const uint32_t type = Peek(1, 2);
          Drop(3);
          if (type == 0) {
            Drop(bit_count_ % 8);  // stored blocks start at a byte boundary
            state_ = State::kStoredHeader;
          } else if (type == 1) {
            literals_ = &fixed_literals_;
            distances_ = &fixed_distances_;
            state_ = State::kLiteralOrLength;
          } else if (type == 2) {
            state_ = State::kDynamicHeader;
          } else {
            Corrupt("block type 3 is reserved");
          }
          break;
        }
        case State::kStoredHeader: {
          if (!Need(32)) return Stop::kNeedInput;
          const uint32_t length = Peek(0, 16);
          const uint32_t complement = Peek(16, 16);
          Drop(32);
          if ((length ^ 0xffff) != complement) Corrupt("stored block length check failed");
          remaining_ = length;
          state_ = State::kStoredCopy;
          break;
        }
        case State::kStoredCopy: {
          while (remaining_ > 0) {
            if (OutputRoom() == 0) return Stop::kOutputFull;
            if (bit_count_ >= 8) {
              Emit(static_cast<std::byte>(Peek(0, 8)));
              Drop(8);
            } else if (next_in_ != end_in_) {
              Emit(*next_in_++);
            } else {
              return Stop::kNeedInput;
            }
            --remaining_;
          }
          state_ = AfterBlock();
          break;
        }
        case State::kDynamicHeader: {
          if (!Need(14)) return Stop::kNeedInput;
          literal_count_ = static_cast<int>(Peek(0, 5)) + 257;
          distance_count_ = static_cast<int>(Peek(5, 5)) + 1;
          code_length_count_ = static_cast<int>(Peek(10, 4)) + 4;
          Drop(14);
          if (literal_count_ > kMaxLiteralLengthCodes) {
            Corrupt("dynamic block declares " + std::to_string(literal_count_) +
                    " literal/length codes");
          }
          lengths_.fill(0);
          index_ = 0;
          state_ = State::kCodeLengthCodes;
          break;
        }
        case State::kCodeLengthCodes: {
          while (index_ < code_length_count_) {
            if (!Need(3)) return Stop::kNeedInput;
            lengths_[kCodeLengthOrder[index_++]] = static_cast<uint8_t>(Peek(0, 3));
            Drop(3);
          }
          if (!code_lengths_.Build(std::span(lengths_).first(19))) {
            Corrupt("invalid code-length code");
          }
          lengths_.fill(0);
          index_ = 0;
          state_ = State::kCodeLengths;
          break;
        }
        case State::kCodeLengths: {
          if (!ReadCodeLengths()) return Stop::kNeedInput;
          if (lengths_[kEndOfBlock] == 0) Corrupt("dynamic block has no end-of-block code");
          const std::span<const uint8_t> all(lengths_);
          if (!dynamic_literals_.Build(all.first(literal_count_))) {
            Corrupt("invalid literal/length code");
          }
          if (!dynamic_distances_.Build(all.subspan(literal_count_, distance_count_))) {
            Corrupt("invalid distance code");
          }
          literals_ = &dynamic_literals_;
          distances_ = &dynamic_distances_;
          state_ = State::kLiteralOrLength;
          break;
        }
        case State::kLiteralOrLength: {
          const Stop stop = DecodeLiteralsAndLengths();
          if (stop != Stop::kDone) return stop;
          break;
        }
        case State::kDistance: {
          CanonicalHuffmanCode::Match match;
          if (!PeekSymbol(*distances_, match)) return Stop::kNeedInput;
          const BaseAndExtraBits code = DistanceCodes()[match.symbol];
          if (!Need(match.length + code.extra_bits)) return Stop::kNeedInput;
          distance_ = code.base + Peek(match.length, code.extra_bits);
          Drop(match.length + code.extra_bits);
          if (distance_ > total_out_) {
            Corrupt("match distance " + std::to_string(distance_) + " reaches before the start");
          }
          state_ = State::kCopyMatch;
          break;
        }
        case State::kCopyMatch: {
          CopyMatch();
          if (remaining_ > 0) return Stop::kOutputFull;
          state_ = State::kLiteralOrLength;
          break;
        }
        case State::kDone:
          return Stop::kDone;
      }
    }
  }

  // Fills lengths_ for both alphabets of a dynamic block; false if more input is needed
  // (progress so far is kept in index_).
  bool ReadCodeLengths() {
    const int total = literal_count_ + distance_count_;
    while (index_ < total) {
      CanonicalHuffmanCode::Match match;
      if (!PeekSymbol(code_lengths_, match)) return false;
      if (match.symbol < 16) {
        Drop(match.length);
        lengths_[index_++] = static_cast<uint8_t>(match.symbol);
        continue;
      }
      // 16: repeat the previous length 3-6 times; 17: 3-10 zeros; 18: 11-138 zeros.
      const int extra_bits = match.symbol == 16 ? 2 : match.symbol == 17 ? 3 : 7;
      const int base = match.symbol == 18 ? 11 : 3;
      if (!Need(match.length + extra_bits)) return false;
      const int repeat = base + static_cast<int>(Peek(match.length, extra_bits));
      Drop(match.length + extra_bits);
      uint8_t value = 0;
      if (match.symbol == 16) {
        if (index_ == 0) Corrupt("code length repeat with no previous length");
        value = lengths_[index_ - 1];
      }
      if (index_ + repeat > total) Corrupt("code length repeat runs past the alphabet");
      std::fill_n(lengths_.begin() + index_, repeat, value);
      index_ += repeat;
    }
    return true;
  }

  // Decodes literals until a length (-> kDistance), the end of the block, a full output or
  // missing input. Returns kDone when the state changed and Run() should continue.
  Stop DecodeLiteralsAndLengths() {
    for (;;) {
      if (OutputRoom() == 0) return Stop::kOutputFull;
      CanonicalHuffmanCode::Match match;
      if (!PeekSymbol(*literals_, match)) return Stop::kNeedInput;
      if (match.symbol < kEndOfBlock) {
        Drop(match.length);
        Emit(static_cast<std::byte>(match.symbol));
        continue;
      }
      if (match.symbol == kEndOfBlock) {
        Drop(match.length);
        state_ = AfterBlock();
        return Stop::kDone;
      }
      if (match.symbol >= kMaxLiteralLengthCodes) {
        Corrupt("literal/length symbol " + std::to_string(match.symbol) + " is reserved");
      }
      const BaseAndExtraBits code = LengthCodes()[match.symbol - 257];
      if (!Need(match.length + code.extra_bits)) return Stop::kNeedInput;
      remaining_ = code.base + Peek(match.length, code.extra_bits);
      Drop(match.length + code.extra_bits);
      state_ = State::kDistance;
      return Stop::kDone;
    }
  }

  // Copies as much of the current match as the output has room for. Locals, not Emit():
  // stores through std::byte pointers may alias members, forcing reloads after every byte.
  void CopyMatch() {
    const size_t count = std::min<size_t>(remaining_, OutputRoom());
    std::byte* const out = out_ + out_pos_;
    std::byte* const window = window_.get();
    size_t window_pos = window_pos_;
    const size_t distance = distance_;
    for (size_t i = 0; i < count; ++i) {
      const std::byte value = window[(window_pos - distance) & (kWindowSize - 1)];
      out[i] = value;
      window[window_pos] = value;
      window_pos = (window_pos + 1) & (kWindowSize - 1);
    }
    window_pos_ = window_pos;
    out_pos_ += count;
    total_out_ += count;
    remaining_ -= static_cast<uint32_t>(count);
  }

  // Input and output of the current call.
  const std::byte* next_in_ = nullptr;
  const std::byte* end_in_ = nullptr;
  std::byte* out_ = nullptr;
  size_t out_size_ = 0;
  size_t out_pos_ = 0;

  uint64_t bits_ = 0;
  int bit_count_ = 0;

  State state_ = State::kBlockHeader;
  bool final_block_ = false;
  uint32_t remaining_ = 0;  // bytes left in a stored block or a match
  uint32_t distance_ = 0;   // of the current match

  // Dynamic block header being read.
  int literal_count_ = 0;
  int distance_count_ = 0;
  int code_length_count_ = 0;
  int index_ = 0;
  std::array<uint8_t, 286 + 32> lengths_{};

  CanonicalHuffmanCode fixed_literals_;
  CanonicalHuffmanCode fixed_distances_;
  CanonicalHuffmanCode code_lengths_;
  CanonicalHuffmanCode dynamic_literals_;
  CanonicalHuffmanCode dynamic_distances_;
  const CanonicalHuffmanCode* literals_ = nullptr;
  const CanonicalHuffmanCode* distances_ = nullptr;

  std::unique_ptr<std::byte[]> window_;
  size_t window_pos_ = 0;
  uint64_t total_out_ = 0;
};

}  // namespace

std::unique_ptr<Decompressor> MakeDeflate64Decompressor() {
  return std::make_unique<Deflate64Decompressor>();
}

}  // namespace unpackd
