// CRC-32 (ZIP's, reflected IEEE) throughput: zlib's crc32, ISA-L's crc32_gzip_refl and
// libdeflate's libdeflate_crc32, on a large buffer and on the small pieces a streaming
// pipeline may hand over. All three must agree; a mismatch fails the benchmark.
#include <benchmark/benchmark.h>
#include <isa-l.h>
#include <libdeflate.h>
#include <zlib.h>

#include "bench_data.h"

namespace unpackd::bench {
namespace {

const std::vector<uint8_t>& Buffer() {
  static const std::vector<uint8_t> data = MakePayload(Payload::kRandom, size_t{8} << 20, 7);
  return data;
}

uint32_t Zlib(uint32_t crc, const uint8_t* p, size_t n) {
  return static_cast<uint32_t>(crc32_z(crc, p, n));
}
uint32_t Isal(uint32_t crc, const uint8_t* p, size_t n) { return crc32_gzip_refl(crc, p, n); }
uint32_t Libdeflate(uint32_t crc, const uint8_t* p, size_t n) {
  return libdeflate_crc32(crc, p, n);
}

// Runs `fn` over the buffer in pieces of state.range(0) bytes, chaining the CRC.
template <uint32_t (*fn)(uint32_t, const uint8_t*, size_t)>
void BM_Crc32(benchmark::State& state) {
  const auto& buf = Buffer();
  const size_t piece = static_cast<size_t>(state.range(0));
  uint32_t crc = 0;
  for (auto _ : state) {
    crc = 0;
    for (size_t off = 0; off < buf.size(); off += piece) {
      crc = fn(crc, buf.data() + off, std::min(piece, buf.size() - off));
    }
    benchmark::DoNotOptimize(crc);
  }
  if (crc != Zlib(0, buf.data(), buf.size())) state.SkipWithError("CRC differs from zlib's");
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * buf.size()));
}

BENCHMARK(BM_Crc32<Zlib>)->Name("BM_Crc32Zlib")->Arg(4096)->Arg(1 << 20);
BENCHMARK(BM_Crc32<Isal>)->Name("BM_Crc32IsalGzipRefl")->Arg(4096)->Arg(1 << 20);
BENCHMARK(BM_Crc32<Libdeflate>)->Name("BM_Crc32Libdeflate")->Arg(4096)->Arg(1 << 20);

}  // namespace
}  // namespace unpackd::bench
