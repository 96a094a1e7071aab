#include "codec/deflate_decompressor.h"

#include <isa-l.h>

#include <climits>
#include <string>

#include "util/error.h"

namespace unpackd {
namespace {

class DeflateDecompressor final : public Decompressor {
 public:
  // ISAL_DEFLATE: raw deflate, the caller checks the ZIP CRC itself. ISAL_GZIP: one gzip
  // member, header to trailer, its CRC-32 and length checked here.
  explicit DeflateDecompressor(int crc_flag) : state_(std::make_unique<inflate_state>()) {
    isal_inflate_init(state_.get());
    state_->crc_flag = crc_flag;
  }

  Step Decompress(std::span<const std::byte> in, bool in_is_last,
                  std::span<std::byte> out) override {
    if (state_->block_state == ISAL_BLOCK_FINISH) return Step{0, 0, true};
    // isa-l counts in 32-bit lengths; larger spans are simply processed in several calls.
    const auto avail_in = static_cast<uint32_t>(std::min<size_t>(in.size(), UINT32_MAX));
    const auto avail_out = static_cast<uint32_t>(std::min<size_t>(out.size(), UINT32_MAX));
    state_->next_in = reinterpret_cast<uint8_t*>(const_cast<std::byte*>(in.data()));
    state_->avail_in = avail_in;
    state_->next_out = reinterpret_cast<uint8_t*>(out.data());
    state_->avail_out = avail_out;
    const int rc = isal_inflate(state_.get());
    if (rc == ISAL_INCORRECT_CHECKSUM) {
      throw Error(ErrorKind::kArchiveRefused,
                  "gzip member fails its CRC-32 or length check: the data is corrupt");
    }
    if (rc < 0 && rc != ISAL_OUT_OVERFLOW) {
      throw Error(ErrorKind::kArchiveRefused,
                  "corrupt deflate data (isa-l error " + std::to_string(rc) + ")");
    }
    Step step;
    step.consumed = avail_in - state_->avail_in;
    step.produced = avail_out - state_->avail_out;
    step.finished = state_->block_state == ISAL_BLOCK_FINISH;
    // isa-l buffers input internally, so "no progress" only proves truncation once all input
    // has been offered, nothing came out and there was room for it.
    if (!step.finished && in_is_last && step.consumed == in.size() && step.produced == 0 &&
        !out.empty() && state_->tmp_out_valid == state_->tmp_out_processed) {
      throw Error(ErrorKind::kArchiveRefused, "deflate data is truncated");
    }
    return step;
  }

 private:
  std::unique_ptr<inflate_state> state_;
};

}  // namespace

std::unique_ptr<Decompressor> MakeDeflateDecompressor() {
  return std::make_unique<DeflateDecompressor>(ISAL_DEFLATE);
}

std::unique_ptr<Decompressor> MakeGzipMemberDecompressor() {
  return std::make_unique<DeflateDecompressor>(ISAL_GZIP);
}

}  // namespace unpackd
