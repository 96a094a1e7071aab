// Decompressor: turns one stream of compressed bytes into its content, incrementally.
//
// One instance per member, used by one thread. Implementations never allocate in proportion
// to the member's size: their memory is fixed by the method (e.g. a 32 KiB or 64 KiB window,
// bzip2's 900 KiB blocks, an LZMA dictionary bounded by DecompressorParams::max_dictionary).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace unpackd {

struct DecompressorParams {
  // Raw LZMA only: the stream ends with an end marker (else it ends at uncompressed_size).
  bool lzma_end_marker = false;
  uint64_t uncompressed_size = 0;  // the declared size; LZMA without end marker needs it
  // Refuse streams asking for more memory: 64 MiB covers xz -9, 7-Zip LZMA ultra and zstd
  // --ultra up to level 22 windows of 64 MiB, while several members in flight stay in budget.
  uint64_t max_dictionary = uint64_t{64} << 20;
  // xz only: several streams in a row, with stream padding between them (what `xz` writes
  // when told to, and `cat a.xz b.xz`): the stream ends where the input does (in_is_last).
  // A ZIP member holds one stream; a .tar.xz may hold several.
  bool concatenated = false;
};

class Decompressor {
 public:
  virtual ~Decompressor() = default;

  struct Step {
    size_t consumed = 0;    // bytes of `in` used
    size_t produced = 0;    // bytes written to `out`
    bool finished = false;  // the compressed stream has ended; further calls produce nothing
  };

  // Consumes from `in` and writes into `out`. `in_is_last` says no input follows `in`.
  // Makes progress (consumes or produces) whenever `out` is not empty and the stream is not
  // finished. Throws Error(kArchiveRefused) on corrupt data, or when `in_is_last` and the
  // stream cannot end (truncated). The caller checks CRC and sizes; this only decodes.
  virtual Step Decompress(std::span<const std::byte> in, bool in_is_last,
                          std::span<std::byte> out) = 0;
};

}  // namespace unpackd
