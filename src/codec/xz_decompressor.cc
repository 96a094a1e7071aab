#include "codec/xz_decompressor.h"

#include "codec/liblzma_stream.h"

namespace unpackd {
namespace {

// liblzma's per-filter state beyond the dictionary is a few tens of KiB; 1 MiB leaves room
// for filter chains (BCJ + LZMA2) without letting the dictionary exceed the limit by much.
constexpr uint64_t kStateAllowance = uint64_t{1} << 20;

class XzDecompressor final : public Decompressor {
 public:
  explicit XzDecompressor(const DecompressorParams& params) : stream_("xz") {
    // No LZMA_CONCATENATED: a member holds one stream, and then the decoder can report its
    // end by itself instead of needing LZMA_FINISH.
    const uint64_t memlimit = params.max_dictionary > UINT64_MAX - kStateAllowance
                                  ? UINT64_MAX
                                  : params.max_dictionary + kStateAllowance;
    stream_.CheckInit(lzma_stream_decoder(stream_.get(), memlimit, 0));
  }

  Step Decompress(std::span<const std::byte> in, bool in_is_last,
                  std::span<std::byte> out) override {
    return stream_.Run(in, in_is_last, out);
  }

 private:
  LiblzmaStream stream_;
};

}  // namespace

std::unique_ptr<Decompressor> MakeXzDecompressor(const DecompressorParams& params) {
  return std::make_unique<XzDecompressor>(params);
}

}  // namespace unpackd
