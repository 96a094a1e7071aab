#include "codec/bzip2_decompressor.h"

#include <bzlib.h>

#include <algorithm>
#include <climits>
#include <string>

#include "util/error.h"

namespace unpackd {
namespace {

std::string Bzip2ErrorText(int rc) {
  switch (rc) {
    case BZ_DATA_ERROR:
      return "corrupt bzip2 data (bad block or CRC)";
    case BZ_DATA_ERROR_MAGIC:
      return "corrupt bzip2 data (no bzip2 signature)";
    case BZ_MEM_ERROR:
      return "bzip2 decoder ran out of memory";
    default:
      return "bzip2 decoder failed (libbz2 error " + std::to_string(rc) + ")";
  }
}

class Bzip2Decompressor final : public Decompressor {
 public:
  Bzip2Decompressor() {
    const int rc = BZ2_bzDecompressInit(&stream_, /*verbosity=*/0, /*small=*/0);
    if (rc != BZ_OK) throw Error(ErrorKind::kInternal, Bzip2ErrorText(rc));
  }
  ~Bzip2Decompressor() override { BZ2_bzDecompressEnd(&stream_); }
  Bzip2Decompressor(const Bzip2Decompressor&) = delete;
  Bzip2Decompressor& operator=(const Bzip2Decompressor&) = delete;

  Step Decompress(std::span<const std::byte> in, bool in_is_last,
                  std::span<std::byte> out) override {
    if (finished_) return Step{0, 0, true};
    if (out.empty()) return Step{};
    // libbz2 counts in unsigned int; larger spans are processed over several calls.
    const auto avail_in = static_cast<unsigned>(std::min<size_t>(in.size(), UINT_MAX));
    const auto avail_out = static_cast<unsigned>(std::min<size_t>(out.size(), UINT_MAX));
    stream_.next_in = const_cast<char*>(reinterpret_cast<const char*>(in.data()));
    stream_.avail_in = avail_in;
    stream_.next_out = reinterpret_cast<char*>(out.data());
    stream_.avail_out = avail_out;
    const int rc = BZ2_bzDecompress(&stream_);
    if (rc != BZ_OK && rc != BZ_STREAM_END) {
      throw Error(ErrorKind::kArchiveRefused, Bzip2ErrorText(rc));
    }
    Step step;
    step.consumed = avail_in - stream_.avail_in;
    step.produced = avail_out - stream_.avail_out;
    finished_ = step.finished = rc == BZ_STREAM_END;
    // With room for output and no input left to give, standing still means the stream was cut.
    if (!step.finished && in_is_last && step.consumed == 0 && step.produced == 0) {
      throw Error(ErrorKind::kArchiveRefused, "bzip2 data is truncated");
    }
    return step;
  }

 private:
  bz_stream stream_{};
  bool finished_ = false;
};

}  // namespace

std::unique_ptr<Decompressor> MakeBzip2Decompressor() {
  return std::make_unique<Bzip2Decompressor>();
}

}  // namespace unpackd
