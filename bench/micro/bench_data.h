// Deterministic inputs shared by the micro-benchmarks: text that deflates about 3-4x like the
// benchmark archives' logs and JSON, and incompressible bytes like PNG/JPEG payloads.
#pragma once

#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace unpackd::bench {

enum class Payload { kText, kRandom };

inline const char* PayloadName(Payload p) { return p == Payload::kText ? "text" : "random"; }

// `size` bytes of word soup with numbers (kText) or uniform random bytes (kRandom).
inline std::vector<uint8_t> MakePayload(Payload kind, size_t size, uint32_t seed = 42) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> out;
  out.reserve(size + 64);
  if (kind == Payload::kRandom) {
    while (out.size() < size) out.push_back(static_cast<uint8_t>(rng()));
    return out;
  }
  static const char* const kWords[] = {
      "the",      "model", "result", "score",   "layer",  "token", "batch", "epoch",  "loss",
      "accuracy", "image", "label",  "predict", "region", "box",   "mask",  "tensor", "weight"};
  std::uniform_int_distribution<size_t> word(0, std::size(kWords) - 1);
  std::uniform_int_distribution<int> len(4, 16);
  std::uniform_int_distribution<uint32_t> num(0, 1000000);
  while (out.size() < size) {
    std::string line;
    for (int i = len(rng); i > 0; --i) (line += kWords[word(rng)]) += ' ';
    line += std::to_string(num(rng)) + '\n';
    out.insert(out.end(), line.begin(), line.end());
  }
  out.resize(size);
  return out;
}

// Raw deflate (no zlib header, as in ZIP) at zlib's default level 6.
inline std::vector<uint8_t> RawDeflate(const std::vector<uint8_t>& in) {
  z_stream z{};
  if (deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  std::vector<uint8_t> out(deflateBound(&z, in.size()));
  z.next_in = const_cast<Bytef*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) throw std::runtime_error("deflate did not finish");
  return out;
}

}  // namespace unpackd::bench
