// Reads little-endian integers from byte buffers, as every ZIP structure stores them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace unpackd {

inline uint16_t LoadLe16(const std::byte* p) {
  return static_cast<uint16_t>(static_cast<uint16_t>(p[0]) | (static_cast<uint16_t>(p[1]) << 8));
}

inline uint32_t LoadLe32(const std::byte* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}

inline uint64_t LoadLe64(const std::byte* p) {
  return static_cast<uint64_t>(LoadLe32(p)) | (static_cast<uint64_t>(LoadLe32(p + 4)) << 32);
}

// Walks a buffer field by field. Reading past the end yields zeros and marks the cursor
// overrun, so parsers check ok() once after a record instead of before every field.
class ByteCursor {
 public:
  explicit ByteCursor(std::span<const std::byte> bytes) : bytes_(bytes) {}

  uint8_t U8() { return Has(1) ? static_cast<uint8_t>(bytes_[pos_++]) : Fail<uint8_t>(1); }
  uint16_t U16() { return Has(2) ? Advance(LoadLe16(bytes_.data() + pos_), 2) : Fail<uint16_t>(2); }
  uint32_t U32() { return Has(4) ? Advance(LoadLe32(bytes_.data() + pos_), 4) : Fail<uint32_t>(4); }
  uint64_t U64() { return Has(8) ? Advance(LoadLe64(bytes_.data() + pos_), 8) : Fail<uint64_t>(8); }
  std::span<const std::byte> Bytes(size_t n) {
    if (!Has(n)) return Fail<std::span<const std::byte>>(n);
    auto out = bytes_.subspan(pos_, n);
    pos_ += n;
    return out;
  }

  bool ok() const { return ok_; }
  size_t remaining() const { return bytes_.size() - pos_; }
  size_t position() const { return pos_; }

 private:
  bool Has(size_t n) const { return ok_ && bytes_.size() - pos_ >= n; }
  template <typename T>
  T Advance(T value, size_t n) {
    pos_ += n;
    return value;
  }
  template <typename T>
  T Fail(size_t) {
    ok_ = false;
    pos_ = bytes_.size();
    return T{};
  }

  std::span<const std::byte> bytes_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace unpackd
