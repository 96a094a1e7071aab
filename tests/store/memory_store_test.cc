#include "store/memory/memory_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "store/store_test_util.h"
#include "util/error.h"

namespace unpackd {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using unpackd::testing::Bytes;
using unpackd::testing::Catch;
using unpackd::testing::ReadAll;

class MemoryStoreTest : public unpackd::testing::OneBucketTest<> {
 protected:
  MemoryStoreTest() {
    auto memory = std::make_unique<MemoryStore>();
    memory_ = memory.get();
    store_ = std::move(memory);
  }

  MemoryStore* memory_;  // store_, for the fault seam
};

TEST_F(MemoryStoreTest, RoundTripWithChunkedAppends) {
  std::string content;
  for (int i = 0; i < 100'000; ++i) content += static_cast<char>('a' + i * 7 % 26);
  auto writer = store_->NewWriter({"b", "dir/file.bin"}, {});
  for (size_t pos = 0; pos < content.size(); pos += 4099) {
    writer->Append(Bytes(std::string_view(content).substr(pos, 4099)));
  }
  const ObjectInfo committed = writer->Commit();
  EXPECT_EQ(committed.size, content.size());
  EXPECT_FALSE(committed.etag.empty());
  EXPECT_EQ(committed.content_type, "application/octet-stream");
  EXPECT_EQ(Get("dir/file.bin"), content);
  const ObjectInfo stat = store_->Stat({"b", "dir/file.bin"});
  EXPECT_EQ(stat.size, content.size());
  EXPECT_EQ(stat.etag, committed.etag);
  EXPECT_TRUE(stat.version_id.empty());
}

TEST_F(MemoryStoreTest, BucketsExistImplicitlyAndAreSeparate) {
  EXPECT_TRUE(ListKeys("", "never-used").empty());
  auto writer = store_->NewWriter({"other", "k"}, {});
  writer->Append(Bytes("in other"));
  writer->Commit();
  Put("k", "in b");
  EXPECT_EQ(Get("k"), "in b");
  EXPECT_EQ(ReadAll(*store_->OpenForRead({"other", "k"})), "in other");
  EXPECT_THAT(ListKeys("", "other"), ElementsAre("k"));
}

TEST_F(MemoryStoreTest, ObjectInvisibleBeforeCommit) {
  auto writer = store_->NewWriter({"b", "pending"}, {});
  writer->Append(Bytes("partial"));
  EXPECT_EQ(Catch([&] { store_->Stat({"b", "pending"}); }).kind(), ErrorKind::kNotFound);
  EXPECT_TRUE(ListKeys("").empty());
  writer->Commit();
  EXPECT_EQ(Get("pending"), "partial");
}

TEST_F(MemoryStoreTest, AbortAndDestructionLeaveNothing) {
  {
    auto writer = store_->NewWriter({"b", "dropped"}, {});
    writer->Append(Bytes("never committed"));
  }
  auto writer = store_->NewWriter({"b", "aborted"}, {});
  writer->Append(Bytes("data"));
  writer->Abort();
  writer->Abort();
  EXPECT_TRUE(ListKeys("").empty());
  EXPECT_EQ(Catch([&] { writer->Append(Bytes("more")); }).kind(), ErrorKind::kInternal);
  EXPECT_EQ(Catch([&] { writer->Commit(); }).kind(), ErrorKind::kInternal);
  EXPECT_EQ(Catch([&] { store_->Stat({"b", "aborted"}); }).kind(), ErrorKind::kNotFound);
}

TEST_F(MemoryStoreTest, WriterIsDoneAfterCommit) {
  auto writer = store_->NewWriter({"b", "k"}, {});
  writer->Commit();
  EXPECT_EQ(Catch([&] { writer->Append(Bytes("late")); }).kind(), ErrorKind::kInternal);
  EXPECT_EQ(Catch([&] { writer->Commit(); }).kind(), ErrorKind::kInternal);
  writer->Abort();  // after Commit: nothing to discard, the object stays
  EXPECT_EQ(store_->Stat({"b", "k"}).size, 0u);
}

TEST_F(MemoryStoreTest, ListVisitorMayUseTheStore) {
  Put("a", "1");
  Put("b", "2");
  store_->List("b", "", [&](const ListEntry& entry) {
    store_->Delete({"b", entry.key});
    Put(entry.key + "-copy", "x");
    return true;
  });
  EXPECT_THAT(ListKeys(""), ElementsAre("a-copy", "b-copy"));
}

TEST_F(MemoryStoreTest, DeleteAndStatOfAbsentObjects) {
  EXPECT_EQ(Catch([&] { store_->Stat({"b", "absent"}); }).kind(), ErrorKind::kNotFound);
  EXPECT_EQ(Catch([&] { store_->OpenForRead({"b", "absent"}); }).kind(), ErrorKind::kNotFound);
  store_->Delete({"b", "absent"});
  store_->Delete({"never-used", "absent"});
  Put("k", "x");
  store_->Delete({"b", "k"});
  store_->Delete({"b", "k"});
  EXPECT_EQ(Catch([&] { store_->Stat({"b", "k"}); }).kind(), ErrorKind::kNotFound);
}

TEST_F(MemoryStoreTest, AcceptsWhatS3AcceptsAndRejectsTheRest) {
  for (const std::string& key : {std::string("a//b/../c"), std::string(" /x\\y"),
                                 std::string(".unpackd-meta/k"), std::string(1024, 'k')}) {
    Put(key, "ok");
    EXPECT_EQ(Get(key), "ok");
  }
  for (const std::string& key : {std::string(), std::string(1025, 'k'), std::string("bad\xff")}) {
    SCOPED_TRACE(key.size());
    EXPECT_EQ(Catch([&] { store_->NewWriter({"b", key}, {}); }).kind(), ErrorKind::kUsage);
    EXPECT_EQ(Catch([&] { store_->Stat({"b", key}); }).kind(), ErrorKind::kUsage);
    EXPECT_EQ(Catch([&] { store_->OpenForRead({"b", key}); }).kind(), ErrorKind::kUsage);
    EXPECT_EQ(Catch([&] { store_->Delete({"b", key}); }).kind(), ErrorKind::kUsage);
  }
  EXPECT_EQ(Catch([&] { store_->NewWriter({"", "k"}, {}); }).kind(), ErrorKind::kUsage);
  EXPECT_EQ(Catch([&] { store_->List("", "", [](const ListEntry&) { return true; }); }).kind(),
            ErrorKind::kUsage);
}

TEST_F(MemoryStoreTest, RejectsBadMetadataAndContentType) {
  WriteOptions upper;
  upper.metadata = {{"Upper", "v"}};
  const Error error = Catch([&] { store_->NewWriter({"b", "k"}, upper); });
  EXPECT_EQ(error.kind(), ErrorKind::kUsage);
  EXPECT_EQ(error.code(), "invalid-metadata");
  EXPECT_THAT(error.what(), HasSubstr("memory store: write b/k"));
  WriteOptions type;
  type.content_type = "text/plain\n";
  EXPECT_EQ(Catch([&] { store_->NewWriter({"b", "k"}, type); }).kind(), ErrorKind::kUsage);
}

TEST_F(MemoryStoreTest, FailCommitsAfterFailsLaterCommitsUntilCleared) {
  memory_->FailCommitsAfter(2, ErrorKind::kTransient);
  Put("one", "1");
  Put("two", "2");
  auto writer = store_->NewWriter({"b", "three"}, {});
  writer->Append(Bytes("3"));
  const Error error = Catch([&] { writer->Commit(); });
  EXPECT_EQ(error.kind(), ErrorKind::kTransient);
  EXPECT_EQ(error.code(), "injected-fault");
  EXPECT_THAT(error.what(), HasSubstr("b/three"));
  EXPECT_EQ(Catch([&] { writer->Commit(); }).kind(), ErrorKind::kInternal);  // aborted
  EXPECT_EQ(Catch([&] { Put("four", "4"); }).kind(), ErrorKind::kTransient);
  EXPECT_THAT(ListKeys(""), ElementsAre("one", "two"));

  memory_->FailCommitsAfter(0, ErrorKind::kAccessDenied);
  EXPECT_EQ(Catch([&] { Put("five", "5"); }).kind(), ErrorKind::kAccessDenied);
  memory_->ClearFaults();
  Put("six", "6");
  EXPECT_THAT(ListKeys(""), ElementsAre("one", "six", "two"));
}

TEST_F(MemoryStoreTest, FailedReplaceKeepsTheOldVersion) {
  const ObjectInfo old = Put("k", "old");
  auto reader = store_->OpenForRead({"b", "k"});
  memory_->FailCommitsAfter(0);
  EXPECT_EQ(Catch([&] { Put("k", "new"); }).kind(), ErrorKind::kTransient);
  EXPECT_EQ(store_->Stat({"b", "k"}).etag, old.etag);
  EXPECT_EQ(ReadAll(*reader), "old");  // still the current version
}

TEST_F(MemoryStoreTest, ReadersAndWritersOutliveTheStore) {
  std::unique_ptr<RandomAccessObject> reader;
  std::unique_ptr<ObjectWriter> writer;
  {
    auto store = MakeMemoryStore();
    auto put = store->NewWriter({"b", "k"}, {});
    put->Append(Bytes("kept"));
    put->Commit();
    reader = store->OpenForRead({"b", "k"});
    writer = store->NewWriter({"b", "late"}, {});
  }
  EXPECT_EQ(ReadAll(*reader), "kept");
  writer->Append(Bytes("x"));
  EXPECT_EQ(writer->Commit().size, 1u);
}

}  // namespace
}  // namespace unpackd
