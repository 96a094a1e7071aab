#include "codec/xz_decompressor.h"

#include "codec/liblzma_stream.h"

namespace unpackd {
namespace {

class XzDecompressor final : public Decompressor {
 public:
  explicit XzDecompressor(const DecompressorParams& params)
      : stream_("xz"), concatenated_(params.concatenated) {
    // Without LZMA_CONCATENATED (a ZIP member holds one stream) the decoder reports the end
    // by itself; with it, only LZMA_FINISH at the input's end can.
    stream_.CheckInit(lzma_stream_decoder(stream_.get(), LiblzmaMemoryLimit(params.max_dictionary),
                                          concatenated_ ? LZMA_CONCATENATED : 0));
  }

  Step Decompress(std::span<const std::byte> in, bool in_is_last,
                  std::span<std::byte> out) override {
    return stream_.Run(in, in_is_last, out, concatenated_ && in_is_last ? LZMA_FINISH : LZMA_RUN);
  }

 private:
  LiblzmaStream stream_;
  bool concatenated_;
};

}  // namespace

std::unique_ptr<Decompressor> MakeXzDecompressor(const DecompressorParams& params) {
  return std::make_unique<XzDecompressor>(params);
}

}  // namespace unpackd
