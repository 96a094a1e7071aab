// S3ServeHarness: what tests of `unpackd serve` over s3rver share: the environment that points
// a serve process at the server, archives uploaded to a bucket, outputs looked up
// (serve_process.h reads /metrics).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "store/s3/s3_store.h"
#include "support/archive_maker.h"
#include "support/s3rver_fixture.h"
#include "util/executor.h"
#include "util/memory_budget.h"

namespace unpackd::testing {

// An AWS S3 event document for one PUT, as S3 sends it (keys form-encoded by the caller).
std::string S3EventDocument(const std::string& bucket, const std::string& key,
                            const std::string& etag,
                            const std::string& sequencer = "0055AED6DCD90281E5");

class S3ServeHarness {
 public:
  // Borrows nothing: keeps the server's endpoint (which survives its Stop/Start). `scratch`
  // holds the zips made for uploads and is serve's HOME.
  S3ServeHarness(const S3rverFixture& server, std::string bucket, std::filesystem::path scratch);

  // HOME and AWS_* for ServeProcess's `env`.
  std::vector<std::string> ServeEnvironment() const;
  // Uploads a zip of `members` (made by Python's zipfile) and returns its ETag.
  std::string Upload(const std::string& key, const MemberMap& members);
  // Uploads `bytes` as they are (a corrupt archive, say) and returns the ETag.
  std::string UploadBytes(const std::string& key, const std::vector<std::byte>& bytes);
  // Whether the bucket holds `key` now (the server must be up).
  bool Exists(const std::string& key);

 private:
  const std::string endpoint_;
  const std::string bucket_;
  const std::filesystem::path scratch_;
  Executor executor_;
  MemoryBudget budget_;
  s3::S3Store store_;
};

}  // namespace unpackd::testing
