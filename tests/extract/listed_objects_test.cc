#include "extract/listed_objects.h"

#include <gtest/gtest.h>

#include <span>
#include <string>
#include <string_view>

#include "store/memory/memory_store.h"

namespace unpackd {
namespace {

void Put(ObjectStore& store, const std::string& key, std::string_view text) {
  auto writer = store.NewWriter({"bucket", key}, {});
  writer->Append(std::as_bytes(std::span(text.data(), text.size())));
  writer->Commit();
}

TEST(ListedObjectsTest, KnowsListedKeysAndTheirSizesOnly) {
  ListedObjects listed;
  listed.Add("dest/b", 7);
  listed.Add("dest/a", 3);
  EXPECT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed.SizeOf("dest/a"), 3u);
  EXPECT_EQ(listed.SizeOf("dest/b"), 7u);
  EXPECT_FALSE(listed.SizeOf("dest/c"));
  EXPECT_FALSE(listed.Contains("dest/"));
}

TEST(ListedObjectsTest, ListsThePrefixOfTheStore) {
  MemoryStore store;
  Put(store, "dest/x.txt", "12345");
  Put(store, "other/y.txt", "1");
  const ListedObjects listed = ListedObjects::List(store, "bucket", "dest/");
  EXPECT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed.SizeOf("dest/x.txt"), 5u);
  EXPECT_FALSE(listed.Contains("other/y.txt"));
  // A bucket's root is never resumed into: nothing is listed for an empty prefix.
  EXPECT_TRUE(ListedObjects::List(store, "bucket", "").empty());
}

}  // namespace
}  // namespace unpackd
