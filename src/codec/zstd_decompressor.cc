#include "codec/zstd_decompressor.h"

#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <bit>
#include <string>

#include "util/error.h"

namespace unpackd {
namespace {

struct DctxDeleter {
  void operator()(ZSTD_DCtx* dctx) const { ZSTD_freeDCtx(dctx); }
};

// The largest window log whose window fits in `max_dictionary`, within what libzstd accepts.
int WindowLogLimit(uint64_t max_dictionary) {
  const int log = max_dictionary == 0 ? 0 : std::bit_width(max_dictionary) - 1;
  const ZSTD_bounds bounds = ZSTD_dParam_getBounds(ZSTD_d_windowLogMax);
  return std::clamp(log, bounds.lowerBound, bounds.upperBound);
}

class ZstdDecompressor final : public Decompressor {
 public:
  explicit ZstdDecompressor(const DecompressorParams& params)
      : dctx_(ZSTD_createDCtx()), window_log_max_(WindowLogLimit(params.max_dictionary)) {
    if (!dctx_) throw Error(ErrorKind::kInternal, "cannot allocate a zstd decoder");
    const size_t rc = ZSTD_DCtx_setParameter(dctx_.get(), ZSTD_d_windowLogMax, window_log_max_);
    if (ZSTD_isError(rc)) {
      throw Error(ErrorKind::kInternal,
                  std::string("cannot limit the zstd window: ") + ZSTD_getErrorName(rc));
    }
  }

  Step Decompress(std::span<const std::byte> in, bool in_is_last,
                  std::span<std::byte> out) override {
    if (finished_) return Step{0, 0, true};
    if (out.empty()) return Step{};
    ZSTD_inBuffer input{in.data(), in.size(), 0};
    ZSTD_outBuffer output{out.data(), out.size(), 0};
    const size_t rc = ZSTD_decompressStream(dctx_.get(), &output, &input);
    if (ZSTD_isError(rc)) {
      std::string reason = ZSTD_getErrorName(rc);
      if (ZSTD_getErrorCode(rc) == ZSTD_error_frameParameter_windowTooLarge) {
        // Found in the frame header, before the window is allocated.
        throw Error(ErrorKind::kArchiveRefused,
                    "zstd data: " + reason + " (the frame's window is larger than the limit of " +
                        std::to_string((uint64_t{1} << window_log_max_) >> 20) + " MiB)",
                    "decoder-memory-limit");
      }
      throw Error(ErrorKind::kArchiveRefused, "corrupt or unsupported zstd data: " + reason);
    }
    Step step{input.pos, output.pos, false};
    // 0 means a frame ended and all of its output was flushed; another frame may follow. A
    // call that only waits for the next frame's header returns non-zero without progress.
    if (rc == 0) {
      frame_complete_ = true;
    } else if (step.consumed > 0 || step.produced > 0) {
      frame_complete_ = false;
    }
    finished_ = step.finished = in_is_last && step.consumed == in.size() && frame_complete_;
    if (!step.finished && in_is_last && step.consumed == 0 && step.produced == 0) {
      throw Error(ErrorKind::kArchiveRefused, "zstd data is truncated");
    }
    return step;
  }

 private:
  std::unique_ptr<ZSTD_DCtx, DctxDeleter> dctx_;
  int window_log_max_;
  // The last frame ended cleanly; false before the first frame, as an empty member is not a
  // zstd stream.
  bool frame_complete_ = false;
  bool finished_ = false;
};

}  // namespace

std::unique_ptr<Decompressor> MakeZstdDecompressor(const DecompressorParams& params) {
  return std::make_unique<ZstdDecompressor>(params);
}

}  // namespace unpackd
