// LiblzmaStream: an lzma_stream owned by RAII, driven in Decompressor::Step terms.
//
// Shared by the xz (method 95) and LZMA (method 14) decompressors, which differ only in how
// the liblzma decoder is set up.
#pragma once

#include <lzma.h>

#include <span>
#include <string>

#include "codec/decompressor.h"

namespace unpackd {

// The memlimit for a decoder whose dictionary may be `max_dictionary`: liblzma's state
// beyond the dictionary is a few tens of KiB, and 1 MiB more leaves room for filter chains
// (BCJ + LZMA2) without letting the dictionary exceed the limit by much.
uint64_t LiblzmaMemoryLimit(uint64_t max_dictionary);

class LiblzmaStream {
 public:
  // `format` names the data in error messages ("xz", "LZMA").
  explicit LiblzmaStream(std::string format) : format_(std::move(format)) {}
  ~LiblzmaStream() { lzma_end(&stream_); }
  LiblzmaStream(const LiblzmaStream&) = delete;
  LiblzmaStream& operator=(const LiblzmaStream&) = delete;

  // For the caller to initialise with lzma_*_decoder(); throws Error(kArchiveRefused) for
  // LZMA_OPTIONS_ERROR/LZMA_MEMLIMIT_ERROR (the stream asks for something we refuse) and
  // Error(kInternal) otherwise, when `rc` is not LZMA_OK.
  lzma_stream* get() { return &stream_; }
  void CheckInit(lzma_ret rc) const;

  // Runs the decoder once, with the Decompressor::Decompress contract: throws
  // Error(kArchiveRefused) on corrupt data, or when `in_is_last` and no progress is possible.
  // `action` is LZMA_FINISH once the input is known to end (a decoder that cannot tell the
  // end by itself: LZMA_CONCATENATED), else LZMA_RUN.
  Decompressor::Step Run(std::span<const std::byte> in, bool in_is_last, std::span<std::byte> out,
                         lzma_action action = LZMA_RUN);

 private:
  [[noreturn]] void Fail(lzma_ret rc) const;

  std::string format_;
  lzma_stream stream_ = LZMA_STREAM_INIT;
  bool finished_ = false;
};

}  // namespace unpackd
