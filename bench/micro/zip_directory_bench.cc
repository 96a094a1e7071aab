// Central-directory parsing speed: ZipArchive::Open over an in-memory archive of N empty
// stored members (names like "results/batch0042/item0004217.json"), reported per entry.
// The archive is built here byte by byte (local headers, central directory, end records) so
// the benchmark measures only Open(): directory reads, record decoding and name handling.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "archive/zip/zip_archive.h"
#include "io/borrowed_bytes.h"

namespace unpackd::bench {
namespace {

void Put16(std::vector<uint8_t>& b, uint16_t v) {
  b.push_back(v & 0xff);
  b.push_back(v >> 8);
}
void Put32(std::vector<uint8_t>& b, uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back((v >> (8 * i)) & 0xff);
}

std::string NameOf(size_t i) {
  char name[64];
  std::snprintf(name, sizeof name, "results/batch%04zu/item%07zu.json", i / 1000, i);
  return name;
}

// A valid ZIP of `n` empty stored members (ZIP64 end records once n >= 65535).
std::vector<uint8_t> MakeArchive(size_t n) {
  std::vector<uint8_t> zip;
  std::vector<uint32_t> offsets;
  offsets.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const std::string name = NameOf(i);
    offsets.push_back(static_cast<uint32_t>(zip.size()));
    Put32(zip, 0x04034b50);
    Put16(zip, 20);
    Put16(zip, 0);
    Put16(zip, 0);  // stored
    Put16(zip, 0);
    Put16(zip, 0x5821);  // 2024-01-01
    Put32(zip, 0);       // crc of nothing
    Put32(zip, 0);
    Put32(zip, 0);
    Put16(zip, static_cast<uint16_t>(name.size()));
    Put16(zip, 0);
    zip.insert(zip.end(), name.begin(), name.end());
  }
  const uint64_t cd_offset = zip.size();
  for (size_t i = 0; i < n; ++i) {
    const std::string name = NameOf(i);
    Put32(zip, 0x02014b50);
    Put16(zip, 0x031e);
    Put16(zip, 20);
    Put16(zip, 0);
    Put16(zip, 0);
    Put16(zip, 0);
    Put16(zip, 0x5821);
    Put32(zip, 0);
    Put32(zip, 0);
    Put32(zip, 0);
    Put16(zip, static_cast<uint16_t>(name.size()));
    Put16(zip, 0);
    Put16(zip, 0);
    Put16(zip, 0);
    Put16(zip, 0);
    Put32(zip, 0100644u << 16);
    Put32(zip, offsets[i]);
    zip.insert(zip.end(), name.begin(), name.end());
  }
  const uint64_t cd_size = zip.size() - cd_offset;
  const bool zip64 = n >= 0xffff;
  if (zip64) {
    const uint64_t eocd64 = zip.size();
    Put32(zip, 0x06064b50);
    Put32(zip, 44);
    Put32(zip, 0);  // size is 64-bit: write as two 32-bit halves below
    Put16(zip, 45);
    Put16(zip, 45);
    Put32(zip, 0);
    Put32(zip, 0);
    for (uint64_t v : {uint64_t{n}, uint64_t{n}, cd_size, cd_offset}) {
      Put32(zip, static_cast<uint32_t>(v));
      Put32(zip, static_cast<uint32_t>(v >> 32));
    }
    Put32(zip, 0x07064b50);
    Put32(zip, 0);
    Put32(zip, static_cast<uint32_t>(eocd64));
    Put32(zip, static_cast<uint32_t>(eocd64 >> 32));
    Put32(zip, 1);
  }
  Put32(zip, 0x06054b50);
  Put16(zip, 0);
  Put16(zip, 0);
  Put16(zip, zip64 ? 0xffff : static_cast<uint16_t>(n));
  Put16(zip, zip64 ? 0xffff : static_cast<uint16_t>(n));
  Put32(zip, static_cast<uint32_t>(cd_size));
  Put32(zip, static_cast<uint32_t>(cd_offset));
  Put16(zip, 0);
  return zip;
}

void BM_OpenCentralDirectory(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const std::vector<uint8_t> archive = MakeArchive(n);
  // In memory, so Open()'s own cost is what is timed.
  BorrowedBytes source(archive);
  size_t entries = 0;
  for (auto _ : state) {
    auto archive = ZipArchive::Open(source, ArchiveOpenOptions{});
    entries = archive->entries().size();
    benchmark::DoNotOptimize(archive.get());
  }
  if (entries != n) state.SkipWithError("Open() did not return every entry");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
  // Time per million entries, the figure the issue asks for.
  state.counters["s_per_M_entries"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * n / 1e6,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

BENCHMARK(BM_OpenCentralDirectory)
    ->Arg(3000)
    ->Arg(100000)
    ->Arg(1000000)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace unpackd::bench
