// Server-side copy (issue 12) against s3rver, which does not implement UploadPartCopy: under
// --server-copy=auto the job streams the member instead and succeeds; under on it fails
// saying so.
#include <gtest/gtest.h>

#include "store/s3/s3_store.h"
#include "store_s3/s3_test_support.h"
#include "support/archive_maker.h"
#include "support/file_object.h"
#include "support/job_runner.h"
#include "support/s3rver_fixture.h"
#include "support/temp_dir.h"
#include "util/error.h"

namespace unpackd::s3 {
namespace {

class ServerCopyFallbackTest : public ::testing::Test {
 protected:
  ServerCopyFallbackTest()
      : server_({"bkt"}),
        store_(testing::TestS3Config(server_.endpoint()), executor_, part_buffers_) {}

  testing::TempDir dir_;
  testing::S3rverFixture server_;
  Executor executor_{ExecutorShape{2, 8}};
  MemoryBudget part_buffers_{96 << 20};
  S3Store store_;
};

TEST_F(ServerCopyFallbackTest, AutoStreamsWhenTheServerCannotCopyRanges) {
  const testing::MemberMap members = {{"big1.bin", testing::RandomBytes(9 << 20, 3)},
                                      {"big2.bin", testing::RandomBytes(10 << 20, 4)},
                                      {"small.txt", "hello\n"}};
  const auto zip = dir_.path() / "stored.zip";
  testing::MakeZipWithPython(zip, members, "ZIP_STORED");
  testing::UploadFile(store_, {"bkt", "in/stored.zip"}, zip);

  testing::JobOptions on;
  on.server_copy.mode = ServerCopyMode::kOn;
  on.jobs = 1;
  try {
    testing::RunJob(store_, {"bkt", "in/stored.zip"}, store_, on);
    FAIL() << "--server-copy=on succeeded on a server without UploadPartCopy";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "server-copy-unsupported") << e.what();
  }

  const ExtractResult result = testing::RunJob(store_, {"bkt", "in/stored.zip"}, store_);
  EXPECT_EQ(result.members_written, 3u);
  EXPECT_EQ(result.members_server_copied, 0u);
  for (const auto& [name, content] : members) {
    EXPECT_EQ(testing::ReadWholeObject(store_, {"bkt", "in/stored/" + name}), content) << name;
  }
}

}  // namespace
}  // namespace unpackd::s3
