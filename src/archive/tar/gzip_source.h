// GzipSource: the content of a gzip stream (RFC 1952; several members in a row, as pigz and
// `cat a.gz b.gz` make them) as a ByteSource, each member's CRC-32 and length checked
// against its trailer. libarchive's own gzip filter reads past a wrong CRC without a word, so
// a flipped bit in a stored block would be extracted as content; this decoder (ISA-L's
// inflate, codec/) refuses it, and is about twice as fast as zlib's.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "codec/decompressor.h"
#include "io/byte_source.h"

namespace unpackd {

class GzipSource final : public ByteSource {
 public:
  // `compressed` yields the gzip stream; its first chunk was already taken and is `first`
  // (still valid: `compressed` is not called before it is used up). `compressed` must
  // outlive this object. Content comes in chunks of up to `chunk_size`.
  GzipSource(ByteSource& compressed, std::span<const std::byte> first, size_t chunk_size);

  // Throws Error(kArchiveRefused, code "corrupt-stream") for corrupt data, a CRC or length
  // mismatch, a truncated stream, or bytes after it that are no gzip member (zero padding is
  // allowed, as gzip allows it).
  std::span<const std::byte> Next() override;

 private:
  bool Fill();         // true when input_ holds bytes; false at the end of `compressed`
  bool StartMember();  // false at the end of the stream

  ByteSource& compressed_;
  std::span<const std::byte> input_;
  bool input_ended_ = false;
  std::vector<std::byte> output_;
  std::unique_ptr<Decompressor> member_;  // null between members
  bool finished_ = false;
};

}  // namespace unpackd
