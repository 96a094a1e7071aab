#include "archive/tar/gzip_source.h"

#include <algorithm>
#include <string>

#include "codec/deflate_decompressor.h"
#include "util/error.h"

namespace unpackd {

GzipSource::GzipSource(ByteSource& compressed, std::span<const std::byte> first, size_t chunk_size)
    : compressed_(compressed), input_(first), output_(std::max<size_t>(chunk_size, 64 << 10)) {}

bool GzipSource::Fill() {
  while (input_.empty() && !input_ended_) {
    input_ = compressed_.Next();
    input_ended_ = input_.empty();
  }
  return !input_.empty();
}

bool GzipSource::StartMember() {
  while (Fill()) {
    const auto data =
        std::find_if(input_.begin(), input_.end(), [](std::byte b) { return b != std::byte{0}; });
    input_ = input_.subspan(static_cast<size_t>(data - input_.begin()));
    if (input_.empty()) continue;  // zero padding after the last member
    if (input_[0] != std::byte{0x1f}) {
      throw Error(ErrorKind::kArchiveRefused,
                  "gzip stream is followed by bytes that are no gzip member", "corrupt-stream");
    }
    member_ = MakeGzipMemberDecompressor();
    return true;
  }
  return false;
}

std::span<const std::byte> GzipSource::Next() {
  try {
    while (!finished_) {
      if (!member_ && !StartMember()) {
        finished_ = true;
        break;
      }
      Fill();
      const Decompressor::Step step = member_->Decompress(input_, input_ended_, output_);
      input_ = input_.subspan(step.consumed);
      if (step.finished) member_.reset();
      if (step.produced > 0) return std::span(output_).first(step.produced);
    }
    return {};
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::kArchiveRefused) throw;
    throw Error(e.kind(), std::string("gzip stream: ") + e.what(), "corrupt-stream");
  }
}

}  // namespace unpackd
