#include "store/registry/store_registry.h"

#include <gtest/gtest.h>

#include "store/memory/memory_store.h"
#include "util/error.h"

namespace unpackd {
namespace {

// A scheme's factory runs once, on first use, and can be swapped before that: how a test or a
// deployment puts another store behind a scheme.
TEST(StoreRegistryTest, MakesEachStoreOnceAndTakesReplacementFactories) {
  StoreRegistry registry(StoreEnvironment{});
  int made = 0;
  registry.Register(StoreScheme::kS3, [&](const StoreEnvironment&) {
    ++made;
    return MakeMemoryStore();
  });
  ObjectStore& first = registry.For(StoreScheme::kS3);
  ObjectStore& second = registry.For(StoreScheme::kS3);
  EXPECT_EQ(&first, &second);
  EXPECT_EQ(made, 1);
  auto writer = first.NewWriter({"b", "k"}, {});
  writer->Commit();
  EXPECT_EQ(second.Stat({"b", "k"}).size, 0u);
}

TEST(StoreRegistryTest, TheS3StoreNeedsItsResources) {
  StoreRegistry registry(StoreEnvironment{});
  try {
    registry.For(StoreScheme::kS3);
    FAIL() << "an S3 store was made without an executor";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInternal);
  }
}

}  // namespace
}  // namespace unpackd
