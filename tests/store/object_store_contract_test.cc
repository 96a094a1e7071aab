// The ObjectStore contract (store/object_store.h), checked against every store a test can make
// without a server: LocalStore over a temp folder and MemoryStore. Store-specific behaviour
// (folders on disk, key rules, fault seams) is tested in each store's own file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "store/local/local_store.h"
#include "store/memory/memory_store.h"
#include "store/store_test_util.h"
#include "support/temp_dir.h"
#include "util/error.h"

namespace unpackd {
namespace {

using ::testing::HasSubstr;
using unpackd::testing::Catch;
using unpackd::testing::TempDir;
using unpackd::testing::Typed;

// kLocalSidecars: the local store keeping metadata in sidecars, as where the filesystem has no
// extended attributes (and as older versions did).
enum class StoreKind { kLocal, kLocalSidecars, kMemory };

std::string StoreName(const ::testing::TestParamInfo<StoreKind>& info) {
  switch (info.param) {
    case StoreKind::kLocal:
      return "Local";
    case StoreKind::kLocalSidecars:
      return "LocalSidecars";
    case StoreKind::kMemory:
      return "Memory";
  }
  return "?";
}

LocalStoreOptions LocalOptions(StoreKind kind) {
  LocalStoreOptions options;
  options.metadata_xattrs = kind != StoreKind::kLocalSidecars;
  return options;
}

// A store with the bucket "b".
class ObjectStoreContractTest
    : public unpackd::testing::OneBucketTest<::testing::TestWithParam<StoreKind>> {
 protected:
  ObjectStoreContractTest() {
    if (GetParam() != StoreKind::kMemory) {
      CreateBucket(dir_.path(), "b");
      store_ = MakeLocalStore(dir_.path(), LocalOptions(GetParam()));
    } else {
      store_ = MakeMemoryStore();
    }
  }

  // A new instance over the same objects where the store persists them (LocalStore), else the
  // store itself.
  ObjectStore& Reopened() {
    if (GetParam() == StoreKind::kMemory) return *store_;
    reopened_ = MakeLocalStore(dir_.path(), LocalOptions(GetParam()));
    return *reopened_;
  }

  TempDir dir_;
  std::unique_ptr<ObjectStore> reopened_;
};

INSTANTIATE_TEST_SUITE_P(Stores, ObjectStoreContractTest,
                         ::testing::Values(StoreKind::kLocal, StoreKind::kLocalSidecars,
                                           StoreKind::kMemory),
                         StoreName);

TEST_P(ObjectStoreContractTest, ContentTypeAndMetadataPersistAcrossStoreInstances) {
  WriteOptions options;
  options.content_type = "text/plain; charset=utf-8";
  options.metadata = {{"source-archive", "in/a.zip"}, {"crc32", "deadbeef"}};
  const ObjectInfo committed = Put("doc.txt", "hello", options);
  EXPECT_EQ(committed.content_type, options.content_type);
  EXPECT_EQ(committed.metadata, options.metadata);

  ObjectStore& reopened = Reopened();
  const ObjectInfo stat = reopened.Stat({"b", "doc.txt"});
  EXPECT_EQ(stat.content_type, options.content_type);
  EXPECT_EQ(stat.metadata, options.metadata);
  auto reader = reopened.OpenForRead({"b", "doc.txt"});
  EXPECT_EQ(reader->info().content_type, options.content_type);
  EXPECT_EQ(reader->info().metadata, options.metadata);
  EXPECT_EQ(reader->info().etag, committed.etag);
}

TEST_P(ObjectStoreContractTest, EmptyObject) {
  Put("empty", "");
  EXPECT_EQ(store_->Stat({"b", "empty"}).size, 0u);
  auto reader = store_->OpenForRead({"b", "empty"});
  std::byte buffer[8];
  EXPECT_EQ(reader->ReadAt(0, buffer), 0u);
}

TEST_P(ObjectStoreContractTest, DefaultContentTypeWhenNoneGiven) {
  Put("x", "1");
  EXPECT_EQ(store_->Stat({"b", "x"}).content_type, "application/octet-stream");
}

TEST_P(ObjectStoreContractTest, EtagChangesAfterReplaceEvenWithSameSizeAndContent) {
  const ObjectInfo first = Put("same", "12345");
  const ObjectInfo second = Put("same", "12345");
  EXPECT_NE(first.etag, second.etag);
  EXPECT_EQ(store_->Stat({"b", "same"}).etag, second.etag);
}

TEST_P(ObjectStoreContractTest, IfAbsentCommitsOnlyWhereTheKeyIsFree) {
  WriteOptions if_absent = Typed("text/plain");
  if_absent.if_absent = true;
  Put("free", "first", if_absent);
  EXPECT_EQ(Get("free"), "first");
  const Error taken = Catch([&] { Put("free", "second", if_absent); });
  EXPECT_EQ(taken.kind(), ErrorKind::kPrecondition);
  EXPECT_EQ(taken.code(), "object-exists");
  EXPECT_THAT(taken.what(), HasSubstr("b/free"));
  EXPECT_EQ(Get("free"), "first");  // the refused commit left the object as it was
  Put("free", "third");             // unconditional writes still replace
  EXPECT_EQ(Get("free"), "third");
  store_->Delete({"b", "free"});
  Put("free", "fourth", if_absent);  // free again
  EXPECT_EQ(Get("free"), "fourth");
}

TEST_P(ObjectStoreContractTest, OfWritersRacingIfAbsentForOneKeyExactlyOneWins) {
  std::atomic<int> won{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      WriteOptions options;
      options.if_absent = true;
      try {
        Put("race/manifest.json", "writer " + std::to_string(t), options);
        ++won;
      } catch (const Error& e) {
        EXPECT_EQ(e.code(), "object-exists") << e.what();
        ++refused;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(refused.load(), 7);
  EXPECT_THAT(Get("race/manifest.json"), HasSubstr("writer "));
}

TEST_P(ObjectStoreContractTest, ListOrderPrefixAndEarlyStop) {
  // Created in an order unlike byte order; "a-" < "a/" < "a0" in bytes but not in a walk.
  for (const std::string key : {"b/z", "a0", "a/y", "a-", "a/x/1", "é", "Z", "a/x0", "ab"}) {
    Put(key, key + key);
  }
  EXPECT_EQ(ListKeys(""),
            (std::vector<std::string>{"Z", "a-", "a/x/1", "a/x0", "a/y", "a0", "ab", "b/z", "é"}));
  EXPECT_EQ(ListKeys("a/"), (std::vector<std::string>{"a/x/1", "a/x0", "a/y"}));
  EXPECT_EQ(ListKeys("a/x"), (std::vector<std::string>{"a/x/1", "a/x0"}));
  EXPECT_EQ(ListKeys("a"), (std::vector<std::string>{"a-", "a/x/1", "a/x0", "a/y", "a0", "ab"}));
  EXPECT_TRUE(ListKeys("nothing").empty());

  std::vector<ListEntry> seen;
  store_->List("b", "", [&](const ListEntry& entry) {
    seen.push_back(entry);
    return seen.size() < 3;
  });
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[2].key, "a/x/1");
  EXPECT_EQ(seen[2].size, 10u);
  EXPECT_EQ(seen[2].etag, store_->Stat({"b", "a/x/1"}).etag);
}

TEST_P(ObjectStoreContractTest, ConcurrentWritesAndDeletesSharingFolders) {
  // Delete removes folders that became empty while other threads commit into them: every
  // commit must still succeed, and every surviving object must be complete.
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const std::string key = "shared/deep/t" + std::to_string(t) + "-k" + std::to_string(i % 3);
        try {
          Put(key, key, Typed("text/t" + std::to_string(t)));
          if (i % 4 != 3) store_->Delete({"b", key});
        } catch (const Error& error) {
          ADD_FAILURE() << error.what();
          ++failures;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  for (const std::string& key : ListKeys("")) {
    EXPECT_EQ(Get(key), key);
    EXPECT_EQ(store_->Stat({"b", key}).content_type, "text/t" + key.substr(13, 1));
  }
}

TEST_P(ObjectStoreContractTest, ReadersNeverSeeDataWithoutItsMetadata) {
  // The metadata lands with the data (an attribute of the file) or before it (a sidecar, whose
  // entries readers match by ETag): a reader racing an overwriting writer sees each version with
  // its own content type.
  Put("k", "v0", Typed("type/v0"));
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 1; i <= 300; ++i) {
      const std::string version = "v" + std::to_string(i);
      Put("k", version, Typed("type/" + version));
    }
    done = true;
  });
  int checked = 0;
  while (!done || checked == 0) {
    try {
      auto reader = store_->OpenForRead({"b", "k"});
      std::string content(reader->info().size, '\0');
      reader->ReadAt(0, std::as_writable_bytes(std::span(content.data(), content.size())));
      EXPECT_EQ(reader->info().content_type, "type/" + content);
      ++checked;
    } catch (const Error& error) {
      // Replaced between open and read: the contract says kPrecondition, nothing else.
      EXPECT_EQ(error.kind(), ErrorKind::kPrecondition) << error.what();
    }
  }
  writer.join();
  EXPECT_GT(checked, 0);
}

TEST_P(ObjectStoreContractTest, ReadAtBeyondAndAcrossTheEnd) {
  Put("k", "0123456789");
  auto reader = store_->OpenForRead({"b", "k"});
  std::vector<std::byte> buffer(8);
  EXPECT_EQ(reader->ReadAt(6, buffer), 4u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(buffer.data()), 4), "6789");
  EXPECT_EQ(reader->ReadAt(10, buffer), 0u);
  EXPECT_EQ(reader->ReadAt(1'000'000, buffer), 0u);
  EXPECT_EQ(reader->ReadAt(2, std::span(buffer).first(3)), 3u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(buffer.data()), 3), "234");
}

TEST_P(ObjectStoreContractTest, ConcurrentReadAtFromThreads) {
  std::string content(1 << 20, '\0');
  for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 131 % 251);
  Put("big", content);
  auto reader = store_->OpenForRead({"b", "big"});
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      std::vector<std::byte> buffer(3001);
      for (size_t offset = t * 977; offset < content.size(); offset += 8 * 3001) {
        const size_t n = reader->ReadAt(offset, buffer);
        if (std::string_view(reinterpret_cast<const char*>(buffer.data()), n) !=
            std::string_view(content).substr(offset, 3001)) {
          ++mismatches;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST_P(ObjectStoreContractTest, ReaderThrowsPreconditionAfterReplace) {
  const ObjectInfo first = Put("archive.zip", "version one");
  auto reader = store_->OpenForRead({"b", "archive.zip"});
  std::vector<std::byte> buffer(4);
  EXPECT_EQ(reader->ReadAt(0, buffer), 4u);

  const ObjectInfo second = Put("archive.zip", "version two!");
  EXPECT_NE(second.etag, first.etag);
  const Error error = Catch([&] { reader->ReadAt(0, buffer); });
  EXPECT_EQ(error.kind(), ErrorKind::kPrecondition);
  EXPECT_THAT(error.what(), HasSubstr("b/archive.zip"));
  EXPECT_THAT(error.what(), HasSubstr("replaced"));
  EXPECT_EQ(reader->info().etag, first.etag);  // the pinned info never changes
  EXPECT_EQ(reader->info().size, 11u);

  auto fresh = store_->OpenForRead({"b", "archive.zip"});
  EXPECT_EQ(fresh->info().etag, second.etag);
  store_->Delete({"b", "archive.zip"});
  EXPECT_EQ(Catch([&] { fresh->ReadAt(0, buffer); }).kind(), ErrorKind::kPrecondition);
}

}  // namespace
}  // namespace unpackd
