// DecodedSource: the content of a compressed stream (xz, .lzma, zstd) as a ByteSource, decoded
// by a codec/ Decompressor, so the stream's memory is bounded by the limit that decompressor
// was given. libarchive's own filters for these are not used: its xz and lzma filters give
// liblzma no memory limit at all (UINT64_MAX: a header may ask for a 1.5 GiB dictionary) and
// its zstd filter leaves libzstd's default window limit (128 MiB), whatever --memory says.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "codec/decompressor.h"
#include "io/byte_source.h"

namespace unpackd {

class DecodedSource final : public ByteSource {
 public:
  // `compressed` yields the stream; its first chunk was already taken and is `first` (still
  // valid: `compressed` is not called before it is used up). `compressed` must outlive this
  // object. `format` names the stream in errors ("xz"). Content comes in chunks of up to
  // `chunk_size`.
  DecodedSource(ByteSource& compressed, std::span<const std::byte> first,
                std::unique_ptr<Decompressor> decoder, std::string format, size_t chunk_size);

  // Throws Error(kArchiveRefused) with the decoder's code ("decoder-memory-limit": the stream
  // asks for more memory than allowed) or code "corrupt-stream" (corrupt, truncated, or bytes
  // after the stream's end).
  std::span<const std::byte> Next() override;

 private:
  std::span<const std::byte> Decode();

  ByteSource& compressed_;
  std::span<const std::byte> input_;
  bool input_ended_ = false;
  std::unique_ptr<Decompressor> decoder_;
  const std::string format_;
  std::vector<std::byte> output_;
  bool finished_ = false;
};

}  // namespace unpackd
