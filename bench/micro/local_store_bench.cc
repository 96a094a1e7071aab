// LocalStore with many small objects: the extract workload of an archive of small JSON files.
//
// Arguments: objects per iteration, folders they are spread over, folder cache size (0: every
// operation walks its folders again, as the store did before it kept folders open).
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "store/local/local_store.h"

namespace unpackd {
namespace {

namespace fs = std::filesystem;

// A fresh directory under TMPDIR (or /tmp), removed at the end.
class ScratchDir {
 public:
  ScratchDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base ? base : "/tmp") + "/local_store_bench.XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string KeyOf(int64_t i, int64_t folders) {
  return "small/d" + std::to_string(i % folders) + "/f" + std::to_string(i) + ".json";
}

LocalStoreOptions OptionsFor(const benchmark::State& state) {
  LocalStoreOptions options;
  options.max_open_folders = static_cast<size_t>(state.range(2));
  return options;
}

void BM_WriteSmallObjects(benchmark::State& state) {
  const int64_t objects = state.range(0);
  const int64_t folders = state.range(1);
  const std::string content(1024, 'x');
  WriteOptions write;
  write.content_type = "application/json";
  write.metadata = {{"unpackd-source", "b/small.zip"}, {"unpackd-crc32", "0badcafe"}};
  ScratchDir root;
  for (auto _ : state) {
    state.PauseTiming();
    fs::remove_all(root.path() / "b");
    CreateBucket(root.path(), "b");
    state.ResumeTiming();
    auto store = MakeLocalStore(root.path(), OptionsFor(state));
    for (int64_t i = 0; i < objects; ++i) {
      auto writer = store->NewWriter({"b", KeyOf(i, folders)}, write);
      writer->Append(std::as_bytes(std::span(content.data(), content.size())));
      benchmark::DoNotOptimize(writer->Commit());
    }
  }
  state.SetItemsProcessed(state.iterations() * objects);
}

void BM_ReadSmallObjects(benchmark::State& state) {
  const int64_t objects = state.range(0);
  const int64_t folders = state.range(1);
  const std::string content(1024, 'x');
  ScratchDir root;
  CreateBucket(root.path(), "b");
  {
    auto store = MakeLocalStore(root.path());
    for (int64_t i = 0; i < objects; ++i) {
      auto writer = store->NewWriter({"b", KeyOf(i, folders)}, {});
      writer->Append(std::as_bytes(std::span(content.data(), content.size())));
      writer->Commit();
    }
  }
  std::vector<std::byte> buffer(content.size());
  for (auto _ : state) {
    auto store = MakeLocalStore(root.path(), OptionsFor(state));
    for (int64_t i = 0; i < objects; ++i) {
      auto reader = store->OpenForRead({"b", KeyOf(i, folders)});
      benchmark::DoNotOptimize(reader->ReadAt(0, buffer));
    }
  }
  state.SetItemsProcessed(state.iterations() * objects);
}

BENCHMARK(BM_WriteSmallObjects)
    ->ArgNames({"objects", "folders", "cache"})
    ->Args({1000, 50, 256})
    ->Args({1000, 50, 0})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_ReadSmallObjects)
    ->ArgNames({"objects", "folders", "cache"})
    ->Args({1000, 50, 256})
    ->Args({1000, 50, 0})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace unpackd
