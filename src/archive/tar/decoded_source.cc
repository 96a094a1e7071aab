#include "archive/tar/decoded_source.h"

#include <algorithm>

#include "util/error.h"

namespace unpackd {

DecodedSource::DecodedSource(ByteSource& compressed, std::span<const std::byte> first,
                             std::unique_ptr<Decompressor> decoder, std::string format,
                             size_t chunk_size)
    : compressed_(compressed),
      input_(first),
      decoder_(std::move(decoder)),
      format_(std::move(format)),
      output_(std::max<size_t>(chunk_size, 64 << 10)) {}

std::span<const std::byte> DecodedSource::Next() {
  try {
    return Decode();
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::kArchiveRefused) throw;
    throw Error(e.kind(), format_ + " stream: " + e.what(),
                e.code().empty() ? "corrupt-stream" : e.code());
  }
}

std::span<const std::byte> DecodedSource::Decode() {
  while (!finished_) {
    while (input_.empty() && !input_ended_) {
      input_ = compressed_.Next();
      input_ended_ = input_.empty();
    }
    const Decompressor::Step step = decoder_->Decompress(input_, input_ended_, output_);
    input_ = input_.subspan(step.consumed);
    if (step.finished) {
      finished_ = true;
      // The decoder ended before the input did: what follows is no part of the stream.
      if (!input_.empty() || (!input_ended_ && !compressed_.Next().empty())) {
        throw Error(ErrorKind::kArchiveRefused, "bytes follow the end of the compressed data");
      }
    }
    if (step.produced > 0) return std::span(output_).first(step.produced);
  }
  return {};
}

}  // namespace unpackd
