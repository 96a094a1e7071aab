// Inflate throughput of each deflate decoder unpackd could use, on the same raw-deflate
// streams (zlib level 6): ISA-L igzip (what unpackd uses, whole buffer and through unpackd's
// streaming Decompressor with its output chunk), zlib (streaming, the classic choice) and
// libdeflate (whole buffer only: it cannot stream, so it needs the member in memory).
// Bytes/s are uncompressed bytes produced.
#include <benchmark/benchmark.h>
#include <isa-l.h>
#include <libdeflate.h>
#include <zlib.h>

#include <cstring>
#include <memory>
#include <span>

#include "bench_data.h"
#include "codec/deflate_decompressor.h"

namespace unpackd::bench {
namespace {

constexpr size_t kSize = size_t{32} << 20;
constexpr size_t kOutChunk = size_t{256} << 10;  // a streaming decoder's output buffer

struct Corpus {
  std::vector<uint8_t> plain;
  std::vector<uint8_t> deflated;
};

const Corpus& GetCorpus(Payload kind) {
  static const Corpus text{MakePayload(Payload::kText, kSize),
                           RawDeflate(MakePayload(Payload::kText, kSize))};
  static const Corpus random{MakePayload(Payload::kRandom, kSize),
                             RawDeflate(MakePayload(Payload::kRandom, kSize))};
  return kind == Payload::kText ? text : random;
}

void Finish(benchmark::State& state, const Corpus& c, bool matched) {
  if (!matched) state.SkipWithError("decoded bytes differ from the input");
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * c.plain.size()));
  state.counters["ratio"] = static_cast<double>(c.plain.size()) / c.deflated.size();
}

void BM_InflateIsalWhole(benchmark::State& state) {
  const Corpus& c = GetCorpus(static_cast<Payload>(state.range(0)));
  std::vector<uint8_t> out(c.plain.size());
  auto s = std::make_unique<inflate_state>();
  bool ok = true;
  for (auto _ : state) {
    isal_inflate_init(s.get());
    s->crc_flag = ISAL_DEFLATE;
    s->next_in = const_cast<uint8_t*>(c.deflated.data());
    s->avail_in = static_cast<uint32_t>(c.deflated.size());
    s->next_out = out.data();
    s->avail_out = static_cast<uint32_t>(out.size());
    ok &= isal_inflate(s.get()) == ISAL_DECOMP_OK && s->block_state == ISAL_BLOCK_FINISH;
    benchmark::DoNotOptimize(out.data());
  }
  Finish(state, c, ok && out == c.plain);
}

void BM_InflateIsalStreaming(benchmark::State& state) {
  // unpackd's own Decompressor (ISA-L underneath), fed the whole input and drained through a
  // fixed output chunk, as the extraction pipeline drives it.
  const Corpus& c = GetCorpus(static_cast<Payload>(state.range(0)));
  std::vector<std::byte> chunk(kOutChunk);
  uint64_t produced = 0;
  for (auto _ : state) {
    auto d = MakeDeflateDecompressor();
    std::span<const std::byte> in(reinterpret_cast<const std::byte*>(c.deflated.data()),
                                  c.deflated.size());
    produced = 0;
    for (;;) {
      const auto step = d->Decompress(in, true, chunk);
      in = in.subspan(step.consumed);
      produced += step.produced;
      benchmark::DoNotOptimize(chunk.data());
      if (step.finished) break;
    }
  }
  Finish(state, c, produced == c.plain.size());
}

void BM_InflateZlibStreaming(benchmark::State& state) {
  const Corpus& c = GetCorpus(static_cast<Payload>(state.range(0)));
  std::vector<uint8_t> chunk(kOutChunk);
  uint64_t produced = 0;
  bool ok = true;
  for (auto _ : state) {
    z_stream z{};
    inflateInit2(&z, -15);
    z.next_in = const_cast<Bytef*>(c.deflated.data());
    z.avail_in = static_cast<uInt>(c.deflated.size());
    int rc = Z_OK;
    produced = 0;
    while (rc == Z_OK) {
      z.next_out = chunk.data();
      z.avail_out = static_cast<uInt>(chunk.size());
      rc = inflate(&z, Z_NO_FLUSH);
      produced += chunk.size() - z.avail_out;
      benchmark::DoNotOptimize(chunk.data());
    }
    ok &= rc == Z_STREAM_END;
    inflateEnd(&z);
  }
  Finish(state, c, ok && produced == c.plain.size());
}

void BM_InflateLibdeflateWhole(benchmark::State& state) {
  const Corpus& c = GetCorpus(static_cast<Payload>(state.range(0)));
  std::vector<uint8_t> out(c.plain.size());
  std::unique_ptr<libdeflate_decompressor, decltype(&libdeflate_free_decompressor)> d(
      libdeflate_alloc_decompressor(), &libdeflate_free_decompressor);
  bool ok = true;
  for (auto _ : state) {
    size_t actual = 0;
    ok &= libdeflate_deflate_decompress(d.get(), c.deflated.data(), c.deflated.size(), out.data(),
                                        out.size(), &actual) == LIBDEFLATE_SUCCESS;
    benchmark::DoNotOptimize(out.data());
  }
  Finish(state, c, ok && out == c.plain);
}

// Arg 0: text, 1: random (incompressible; deflate falls back to stored blocks).
BENCHMARK(BM_InflateIsalWhole)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_InflateIsalStreaming)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_InflateZlibStreaming)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_InflateLibdeflateWhole)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace unpackd::bench
