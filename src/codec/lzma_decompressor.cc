#include "codec/lzma_decompressor.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>

#include "codec/liblzma_stream.h"
#include "util/error.h"

namespace unpackd {
namespace {

constexpr size_t kPrefixSize = 4;      // SDK version (2) + properties size (2)
constexpr size_t kPropertiesSize = 5;  // the only size LZMA1 properties have

// "4 MiB", "1300 KiB" or "1234567 bytes": exact, as the numbers are compared in the message.
std::string SizeText(uint64_t bytes) {
  if (bytes != 0 && bytes % (1 << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  if (bytes != 0 && bytes % (1 << 10) == 0) return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " bytes";
}

class LzmaDecompressor final : public Decompressor {
 public:
  explicit LzmaDecompressor(const DecompressorParams& params) : params_(params), stream_("LZMA") {}

  Step Decompress(std::span<const std::byte> in, bool in_is_last,
                  std::span<std::byte> out) override {
    size_t header_bytes = 0;
    if (header_filled_ < header_.size()) {
      // The header may arrive split over calls; collect it before starting liblzma.
      header_bytes = std::min(in.size(), header_.size() - header_filled_);
      if (header_bytes > 0) std::memcpy(header_.data() + header_filled_, in.data(), header_bytes);
      header_filled_ += header_bytes;
      in = in.subspan(header_bytes);
      if (header_filled_ < header_.size()) {
        if (in_is_last) {
          throw Error(ErrorKind::kArchiveRefused, "LZMA data is truncated (in its header)");
        }
        return Step{header_bytes, 0, false};
      }
      StartDecoder();
    }
    Step step = stream_.Run(in, in_is_last, out);
    step.consumed += header_bytes;
    return step;
  }

 private:
  void StartDecoder() {
    const unsigned properties_size =
        std::to_integer<unsigned>(header_[2]) | std::to_integer<unsigned>(header_[3]) << 8;
    if (properties_size != kPropertiesSize) {
      throw Error(ErrorKind::kArchiveRefused, "corrupt LZMA header: properties size " +
                                                  std::to_string(properties_size) + ", expected 5");
    }
    // The properties are one byte (pb * 5 + lp) * 9 + lc and a little-endian dictionary size.
    const auto* properties = reinterpret_cast<const uint8_t*>(header_.data() + kPrefixSize);
    const unsigned lc_lp_pb = properties[0];
    const unsigned lc = lc_lp_pb % 9;
    const unsigned lp = lc_lp_pb / 9 % 5;
    const unsigned pb = lc_lp_pb / 45;
    // liblzma decodes lc + lp <= 4 only, which every LZMA writer stays within.
    if (pb > LZMA_PB_MAX || lc + lp > LZMA_LCLP_MAX) {
      throw Error(ErrorKind::kArchiveRefused,
                  "unsupported LZMA properties (lc " + std::to_string(lc) + ", lp " +
                      std::to_string(lp) + ", pb " + std::to_string(pb) + ")");
    }
    lzma_options_lzma options{};
    if (lzma_lzma_preset(&options, LZMA_PRESET_DEFAULT)) {
      throw Error(ErrorKind::kInternal, "liblzma has no default LZMA preset");
    }
    options.lc = lc;
    options.lp = lp;
    options.pb = pb;
    options.dict_size =
        static_cast<uint32_t>(properties[1]) | static_cast<uint32_t>(properties[2]) << 8 |
        static_cast<uint32_t>(properties[3]) << 16 | static_cast<uint32_t>(properties[4]) << 24;
    if (options.dict_size > params_.max_dictionary) {
      throw Error(ErrorKind::kArchiveRefused, "LZMA dictionary of " + SizeText(options.dict_size) +
                                                  " is larger than the allowed " +
                                                  SizeText(params_.max_dictionary));
    }
    // LZMA1EXT lets liblzma stop at a known size and check the stream really ends there; an
    // end marker right after that size is tolerated, as some writers add it without the flag.
    if (params_.lzma_end_marker) {
      lzma_set_ext_size(options, UINT64_MAX);
      options.ext_flags = 0;
    } else {
      lzma_set_ext_size(options, params_.uncompressed_size);
      options.ext_flags = LZMA_LZMA1EXT_ALLOW_EOPM;
    }
    const std::array<lzma_filter, 2> filters{
        {{LZMA_FILTER_LZMA1EXT, &options}, {LZMA_VLI_UNKNOWN, nullptr}}};
    stream_.CheckInit(lzma_raw_decoder(stream_.get(), filters.data()));
  }

  DecompressorParams params_;
  std::array<std::byte, kPrefixSize + kPropertiesSize> header_{};
  size_t header_filled_ = 0;
  LiblzmaStream stream_;
};

}  // namespace

std::unique_ptr<Decompressor> MakeLzmaDecompressor(const DecompressorParams& params) {
  return std::make_unique<LzmaDecompressor>(params);
}

}  // namespace unpackd
