// TempDir: a fresh directory for one test, removed with everything in it on destruction.
#pragma once

#include <filesystem>

namespace unpackd::testing {

class TempDir {
 public:
  // Creates "<$TMPDIR or /tmp>/unpackd-test-XXXXXX" with mkdtemp. Aborts the test binary with a
  // message if that fails (nothing can be tested without it).
  TempDir();
  // Removes the directory recursively (symlinks inside are removed, never followed), and first
  // restores write permission on folders a test may have made read-only.
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace unpackd::testing
