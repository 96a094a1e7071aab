#include "codec/liblzma_stream.h"

#include "util/error.h"

namespace unpackd {

namespace {

constexpr uint64_t kStateAllowance = uint64_t{1} << 20;

uint64_t MiBUp(uint64_t bytes) { return (bytes + (uint64_t{1} << 20) - 1) >> 20; }

}  // namespace

uint64_t LiblzmaMemoryLimit(uint64_t max_dictionary) {
  return max_dictionary > UINT64_MAX - kStateAllowance ? UINT64_MAX
                                                       : max_dictionary + kStateAllowance;
}

void LiblzmaStream::CheckInit(lzma_ret rc) const {
  if (rc != LZMA_OK) Fail(rc);
}

void LiblzmaStream::Fail(lzma_ret rc) const {
  switch (rc) {
    case LZMA_FORMAT_ERROR:
      throw Error(ErrorKind::kArchiveRefused,
                  "corrupt " + format_ + " data (not " + format_ + " format)");
    case LZMA_OPTIONS_ERROR:
      throw Error(ErrorKind::kArchiveRefused,
                  "unsupported " + format_ + " data (options liblzma does not support)");
    case LZMA_DATA_ERROR:
      throw Error(ErrorKind::kArchiveRefused, "corrupt " + format_ + " data");
    case LZMA_MEMLIMIT_ERROR:
      // Raised from the headers, before the dictionary is allocated.
      throw Error(ErrorKind::kArchiveRefused,
                  format_ + " data needs " + std::to_string(MiBUp(lzma_memusage(&stream_))) +
                      " MiB to decode, over the limit of " +
                      std::to_string(lzma_memlimit_get(&stream_) >> 20) +
                      " MiB (a larger dictionary than the memory budget allows)",
                  "decoder-memory-limit");
    case LZMA_BUF_ERROR:
      throw Error(ErrorKind::kArchiveRefused, format_ + " data is truncated");
    case LZMA_MEM_ERROR:
      throw Error(ErrorKind::kInternal, "out of memory while decoding " + format_ + " data");
    default:
      throw Error(ErrorKind::kInternal,
                  "liblzma failed on " + format_ + " data (error " + std::to_string(rc) + ")");
  }
}

Decompressor::Step LiblzmaStream::Run(std::span<const std::byte> in, bool in_is_last,
                                      std::span<std::byte> out, lzma_action action) {
  if (finished_) return Decompressor::Step{0, 0, true};
  if (out.empty()) return Decompressor::Step{};
  stream_.next_in = reinterpret_cast<const uint8_t*>(in.data());
  stream_.avail_in = in.size();
  stream_.next_out = reinterpret_cast<uint8_t*>(out.data());
  stream_.avail_out = out.size();
  const lzma_ret rc = lzma_code(&stream_, action);
  Decompressor::Step step;
  step.consumed = in.size() - stream_.avail_in;
  step.produced = out.size() - stream_.avail_out;
  // LZMA_BUF_ERROR only says "no progress twice in a row": an error only at the input's end.
  if (rc != LZMA_OK && rc != LZMA_STREAM_END && rc != LZMA_BUF_ERROR) Fail(rc);
  finished_ = step.finished = rc == LZMA_STREAM_END;
  // With room for output and no input left to give, standing still means the stream was cut.
  if (!step.finished && in_is_last && step.consumed == 0 && step.produced == 0) {
    Fail(LZMA_BUF_ERROR);
  }
  return step;
}

}  // namespace unpackd
