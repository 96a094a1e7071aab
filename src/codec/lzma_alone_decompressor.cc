#include "codec/lzma_alone_decompressor.h"

#include "codec/liblzma_stream.h"

namespace unpackd {
namespace {

class LzmaAloneDecompressor final : public Decompressor {
 public:
  explicit LzmaAloneDecompressor(const DecompressorParams& params) : stream_("lzma") {
    stream_.CheckInit(lzma_alone_decoder(stream_.get(), LiblzmaMemoryLimit(params.max_dictionary)));
  }

  // The header's size, or else the end marker, ends the data: liblzma finds either itself.
  Step Decompress(std::span<const std::byte> in, bool in_is_last,
                  std::span<std::byte> out) override {
    return stream_.Run(in, in_is_last, out);
  }

 private:
  LiblzmaStream stream_;
};

}  // namespace

std::unique_ptr<Decompressor> MakeLzmaAloneDecompressor(const DecompressorParams& params) {
  return std::make_unique<LzmaAloneDecompressor>(params);
}

}  // namespace unpackd
