// ObjectStore::KeyProblem: what each store says it cannot hold, asked before a write so that a
// name can be refused as itself (extract/plan.cc).
#include <gtest/gtest.h>

#include "store/local/local_store.h"
#include "store/memory/memory_store.h"
#include "support/temp_dir.h"

namespace unpackd {
namespace {

TEST(KeyProblemTest, OnlyTheLocalStoreLimitsSegmentsAndControlCharacters) {
  testing::TempDir dir;
  const auto local = MakeLocalStore(dir.path());
  const auto memory = MakeMemoryStore();  // S3's rules
  const std::string long_segment = "a/" + std::string(256, 'x') + ".txt";
  const std::string c1 = "a/next\u0085line.txt";

  EXPECT_FALSE(memory->KeyProblem(long_segment));
  EXPECT_FALSE(memory->KeyProblem(c1));
  EXPECT_EQ(local->KeyProblem(long_segment).value_or(""), "has a segment longer than 255 bytes");
  EXPECT_NE(local->KeyProblem(c1).value_or("").find("U+0085"), std::string::npos);

  EXPECT_FALSE(local->KeyProblem("a/" + std::string(255, 'x')));
  EXPECT_TRUE(memory->KeyProblem(std::string(1025, 'k'))) << "S3's 1024-byte limit";
}

}  // namespace
}  // namespace unpackd
