// Replays every input under tests/data/fuzz/ through the same code the libFuzzer targets run
// (fuzz/zip_fuzz_harness.h), in the normal build and under UNPACKD_SANITIZE. Each input was a
// crash, sanitizer report, hang or a case worth pinning; tests/data/fuzz/README.md says which
// and what was fixed. The contract checked: any bytes either open/stream or throw
// unpackd::Error - never another exception, a crash or a sanitizer report.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "../../fuzz/zip_fuzz_harness.h"

namespace unpackd {
namespace {

namespace fs = std::filesystem;

fs::path FuzzDataDir() {
  const char* source = std::getenv("UNPACKD_SOURCE_DIR");
#ifdef UNPACKD_SOURCE_DIR_PATH
  if (source == nullptr) source = UNPACKD_SOURCE_DIR_PATH;
#endif
  return fs::path(source != nullptr ? source : ".") / "tests" / "data" / "fuzz";
}

std::vector<fs::path> FuzzInputs() {
  std::vector<fs::path> inputs;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(FuzzDataDir(), ec)) {
    if (entry.is_regular_file() && entry.path().extension() != ".md") {
      inputs.push_back(entry.path());
    }
  }
  std::sort(inputs.begin(), inputs.end());
  return inputs;
}

std::vector<uint8_t> ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(FuzzRegressionsTest, CorpusIsPresent) {
  // Guards against a wrong path silently turning the replay below into a no-op.
  EXPECT_GE(FuzzInputs().size(), 1u) << "no inputs in " << FuzzDataDir();
}

TEST(FuzzRegressionsTest, EveryInputOnlyEverThrowsUnpackdError) {
  for (const fs::path& path : FuzzInputs()) {
    SCOPED_TRACE(path.filename().string());
    const std::vector<uint8_t> input = ReadAll(path);
    // The harness catches unpackd::Error itself; anything else escaping is a failure.
    EXPECT_NO_THROW(fuzz::FuzzCentralDirectory(input));
    EXPECT_NO_THROW(fuzz::FuzzMemberStreams(input));
    EXPECT_NO_THROW(fuzz::FuzzNameDecoding(input));
  }
}

}  // namespace
}  // namespace unpackd
