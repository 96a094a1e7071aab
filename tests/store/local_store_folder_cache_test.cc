// LocalStore keeps folders open between operations (store/local/folder_cache.h). These tests change
// the tree behind a store's back after it cached folders, the way other processes (or other
// store instances) can, and check that no guarantee of the uncached walk is lost.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "store/local/local_store.h"
#include "store/store_test_util.h"
#include "support/temp_dir.h"
#include "util/error.h"

namespace unpackd {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using unpackd::testing::Catch;
using unpackd::testing::ReadFile;
using unpackd::testing::TempDir;
using unpackd::testing::Tree;
using unpackd::testing::WriteFile;

ObjectInfo Put(ObjectStore& store, const std::string& key, std::string_view content,
               std::string content_type = "text/plain") {
  WriteOptions options;
  options.content_type = std::move(content_type);
  return unpackd::testing::Put(store, {"b", key}, content, options);
}

std::string Get(ObjectStore& store, const std::string& key) {
  return unpackd::testing::Get(store, {"b", key});
}

class LocalStoreFolderCacheTest : public ::testing::Test {
 protected:
  LocalStoreFolderCacheTest() {
    CreateBucket(dir_.path(), "b");
    store_ = MakeLocalStore(dir_.path());
  }

  // A store over the same root keeping metadata in sidecars, as where the filesystem has no
  // extended attributes.
  std::unique_ptr<ObjectStore> SidecarStore() const {
    LocalStoreOptions options;
    options.metadata_xattrs = false;
    return MakeLocalStore(dir_.path(), options);
  }

  fs::path bucket() const { return dir_.path() / "b"; }

  TempDir dir_;
  std::unique_ptr<ObjectStore> store_;
};

TEST_F(LocalStoreFolderCacheTest, FolderRemovedBehindTheStoresBackIsMadeAgain) {
  Put(*store_, "d/e/1", "one");  // caches b, b/d and b/d/e
  fs::remove_all(bucket() / "d");
  EXPECT_EQ(Catch([&] { store_->Stat({"b", "d/e/1"}); }).kind(), ErrorKind::kNotFound);
  Put(*store_, "d/e/2", "two", "text/two");
  EXPECT_EQ(ReadFile(bucket() / "d" / "e" / "2"), "two");
  EXPECT_EQ(store_->Stat({"b", "d/e/2"}).content_type, "text/two");
}

TEST_F(LocalStoreFolderCacheTest, FolderRecreatedBehindTheStoresBackIsFoundByName) {
  // Removed and made again at once: the new folder may get the old inode number, so only the
  // removed folder's link count tells the cached descriptor is stale.
  Put(*store_, "d/1", "one");
  fs::remove_all(bucket() / "d");
  fs::create_directory(bucket() / "d");
  WriteFile(bucket() / "d" / "foreign", "by another tool");
  EXPECT_EQ(Get(*store_, "d/foreign"), "by another tool");
  store_->Delete({"b", "d/foreign"});
  EXPECT_FALSE(fs::exists(bucket() / "d"));
}

TEST_F(LocalStoreFolderCacheTest, BucketRemovedAndMadeAgainKeepsWorking) {
  // Several rounds, so that the new folders get the old inode numbers at least sometimes.
  for (int round = 0; round < 5; ++round) {
    Put(*store_, "top", "t");
    Put(*store_, "x/y", "xy", "text/xy");
    fs::remove_all(bucket());
    CreateBucket(dir_.path(), "b");
    EXPECT_EQ(Catch([&] { store_->Stat({"b", "x/y"}); }).kind(), ErrorKind::kNotFound);
  }
  Put(*store_, "top", "t");
  Put(*store_, "x/y", "xy", "text/xy");
  EXPECT_EQ(Get(*store_, "top"), "t");
  EXPECT_EQ(store_->Stat({"b", "x/y"}).content_type, "text/xy");
  EXPECT_EQ(ReadFile(bucket() / "x" / "y"), "xy");
}

TEST_F(LocalStoreFolderCacheTest, OtherStoreDeletingSharedFoldersDoesNotBreakCommits) {
  // Two stores over one root have separate caches, like two processes.
  auto other = MakeLocalStore(dir_.path());
  for (int i = 0; i < 20; ++i) {
    const std::string key = "shared/deep/k" + std::to_string(i);
    Put(*store_, key, key);
    other->Delete({"b", key});  // removes shared/deep and shared, which store_ has cached
    EXPECT_FALSE(fs::exists(bucket() / "shared"));
    Put(*store_, key, key, "text/again");
    EXPECT_EQ(Get(*other, key), key);
    EXPECT_EQ(other->Stat({"b", key}).content_type, "text/again");
    Put(*other, key + "-other", "x");  // recreated by the other store while cached here
    EXPECT_EQ(Get(*store_, key + "-other"), "x");
    store_->Delete({"b", key});
    store_->Delete({"b", key + "-other"});
  }
  EXPECT_TRUE(Tree(bucket()).empty());
}

TEST_F(LocalStoreFolderCacheTest, ConcurrentStoresWritingAndDeletingSharedFolders) {
  auto other = MakeLocalStore(dir_.path());
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      ObjectStore& store = t % 2 == 0 ? *store_ : *other;
      for (int i = 0; i < 150; ++i) {
        const std::string key = "s/d" + std::to_string(i % 2) + "/t" + std::to_string(t);
        try {
          Put(store, key, key, "text/t" + std::to_string(t));
          if (i % 3 != 2) store.Delete({"b", key});
        } catch (const Error& error) {
          ADD_FAILURE() << error.what();
          ++failures;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  std::vector<std::string> keys;
  store_->List("b", "", [&](const ListEntry& entry) {
    keys.push_back(entry.key);
    return true;
  });
  EXPECT_FALSE(keys.empty());
  for (const std::string& key : keys) {
    EXPECT_EQ(Get(*other, key), key);
    EXPECT_EQ(store_->Stat({"b", key}).content_type, "text/" + key.substr(key.size() - 2));
  }
}

TEST_F(LocalStoreFolderCacheTest, CachedFolderReplacedBySymlinkIsNotFollowed) {
  TempDir outside;
  Put(*store_, "p/q/old", "old");  // caches b/p and b/p/q
  // Move the cached folder out of the bucket and put a symlink to it in its place: the cached
  // descriptor still points at the moved folder, which must not receive anything.
  fs::rename(bucket() / "p", outside.path() / "p");
  fs::create_symlink(outside.path() / "p", bucket() / "p");

  const Error error = Catch([&] { Put(*store_, "p/q/planted", "attack"); });
  EXPECT_EQ(error.kind(), ErrorKind::kIo);
  EXPECT_THAT(error.what(), HasSubstr("symbolic link"));
  EXPECT_EQ(Catch([&] { store_->Stat({"b", "p/q/old"}); }).kind(), ErrorKind::kNotFound);
  store_->Delete({"b", "p/q/old"});
  EXPECT_THAT(Tree(outside.path()), ::testing::ElementsAre("p", "p/q", "p/q/old"));
  EXPECT_EQ(ReadFile(outside.path() / "p" / "q" / "old"), "old");
}

TEST_F(LocalStoreFolderCacheTest, CachedDeeperFolderReplacedBySymlinkIsNotFollowed) {
  TempDir outside;
  Put(*store_, "p/q/old", "old");
  fs::rename(bucket() / "p" / "q", outside.path() / "q");
  fs::create_symlink(outside.path() / "q", bucket() / "p" / "q");
  EXPECT_EQ(Catch([&] { Put(*store_, "p/q/planted", "attack"); }).kind(), ErrorKind::kIo);
  EXPECT_EQ(Catch([&] { store_->OpenForRead({"b", "p/q/old"}); }).kind(), ErrorKind::kNotFound);
  EXPECT_THAT(Tree(outside.path()), ::testing::ElementsAre("q", "q/old"));
}

TEST_F(LocalStoreFolderCacheTest, CachedSidecarFolderReplacedBySymlinkIsNotFollowed) {
  TempDir outside;
  const auto sidecars = SidecarStore();
  Put(*sidecars, "m/x", "x");
  const fs::path meta = bucket() / ".unpackd-meta";
  fs::rename(meta / "m", outside.path() / "m");
  fs::create_symlink(outside.path() / "m", meta / "m");
  const Error error = Catch([&] { Put(*sidecars, "m/y", "y"); });
  EXPECT_EQ(error.kind(), ErrorKind::kIo);
  EXPECT_THAT(error.what(), HasSubstr("sidecar tree"));
  EXPECT_FALSE(fs::exists(bucket() / "m" / "y"));  // no data without its sidecar
  EXPECT_THAT(Tree(outside.path()), ::testing::ElementsAre("m", "m/x"));
}

TEST_F(LocalStoreFolderCacheTest, CachedBucketReplacedBySymlinkIsNotFollowed) {
  Put(*store_, "x", "x");
  fs::rename(bucket(), dir_.path() / "moved");
  fs::create_symlink(dir_.path() / "moved", bucket());
  EXPECT_EQ(Catch([&] { Put(*store_, "y", "y"); }).kind(), ErrorKind::kNotFound);
  EXPECT_EQ(Catch([&] { store_->Stat({"b", "x"}); }).kind(), ErrorKind::kNotFound);
  EXPECT_FALSE(fs::exists(dir_.path() / "moved" / "y"));
}

TEST_F(LocalStoreFolderCacheTest, BucketReplacedDuringAWriteFailsTheCommit) {
  auto writer = store_->NewWriter({"b", "k"}, {});
  const std::string data = "data";
  writer->Append(std::as_bytes(std::span(data.data(), data.size())));
  fs::rename(bucket(), dir_.path() / "moved");
  fs::create_directory(bucket());
  const Error error = Catch([&] { writer->Commit(); });
  EXPECT_EQ(error.kind(), ErrorKind::kIo);
  EXPECT_THAT(error.what(), HasSubstr("replaced"));
  EXPECT_TRUE(Tree(bucket()).empty());
  EXPECT_TRUE(Tree(dir_.path() / "moved").empty());  // the temp file is gone too
}

TEST_F(LocalStoreFolderCacheTest, TinyCacheEvictsWithoutLosingAnything) {
  LocalStoreOptions options;
  options.max_open_folders = 2;
  auto small = MakeLocalStore(dir_.path(), options);
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 30; ++i) {
      const std::string key =
          "f" + std::to_string(i % 7) + "/g" + std::to_string(i % 3) + "/k" + std::to_string(i);
      Put(*small, key, key + std::to_string(round));
    }
  }
  for (int i = 0; i < 30; ++i) {
    const std::string key =
        "f" + std::to_string(i % 7) + "/g" + std::to_string(i % 3) + "/k" + std::to_string(i);
    EXPECT_EQ(Get(*small, key), key + "1");
    EXPECT_EQ(small->Stat({"b", key}).content_type, "text/plain");
    small->Delete({"b", key});
  }
  EXPECT_TRUE(Tree(bucket()).empty());
}

TEST_F(LocalStoreFolderCacheTest, CacheCanBeTurnedOff) {
  LocalStoreOptions options;
  options.max_open_folders = 0;
  auto uncached = MakeLocalStore(dir_.path(), options);
  Put(*uncached, "a/b/c", "abc", "text/abc");
  EXPECT_EQ(Get(*uncached, "a/b/c"), "abc");
  EXPECT_EQ(uncached->Stat({"b", "a/b/c"}).content_type, "text/abc");
  uncached->Delete({"b", "a/b/c"});
  EXPECT_TRUE(Tree(bucket()).empty());
}

TEST_F(LocalStoreFolderCacheTest, RepeatedListsSeeEverything) {
  // Listing reads the bucket folder through its own descriptor, not the cached one's offset.
  Put(*store_, "a", "1");
  Put(*store_, "d/b", "2");
  for (int i = 0; i < 3; ++i) {
    std::vector<std::string> keys;
    store_->List("b", "", [&](const ListEntry& entry) {
      keys.push_back(entry.key);
      return true;
    });
    EXPECT_THAT(keys, ::testing::ElementsAre("a", "d/b"));
  }
}

}  // namespace
}  // namespace unpackd

namespace unpackd {
namespace {

TEST_F(LocalStoreFolderCacheTest, NamedTempFilesWhenUnnamedOnesAreOff) {
  LocalStoreOptions options;
  options.unnamed_temp_files = false;
  auto named = MakeLocalStore(dir_.path(), options);
  {
    auto writer = named->NewWriter({"b", "n/k"}, {});
    const std::string data = "partial";
    writer->Append(std::as_bytes(std::span(data.data(), data.size())));
    // The named temp file sits at the top of the bucket while writing.
    EXPECT_THAT(Tree(bucket()), ::testing::Contains(::testing::StartsWith(".unpackd-tmp-")));
  }
  EXPECT_TRUE(Tree(bucket()).empty());
  const ObjectInfo first = Put(*named, "n/k", "one", "text/one");
  const ObjectInfo second = Put(*named, "n/k", "two", "text/two");
  EXPECT_NE(first.etag, second.etag);
  EXPECT_EQ(Get(*named, "n/k"), "two");
  EXPECT_EQ(named->Stat({"b", "n/k"}).content_type, "text/two");
  EXPECT_EQ(store_->Stat({"b", "n/k"}).content_type, "text/two");
  named->Delete({"b", "n/k"});
  EXPECT_TRUE(Tree(bucket()).empty());
}

TEST_F(LocalStoreFolderCacheTest, ReplacingKeepsTheOldEntryForReadersOfTheOldData) {
  // The first sidecar of a key is linked without looking at the data; a replacement must
  // still carry the old data's entry so a reader that opens the old data late finds it.
  const auto sidecars = SidecarStore();
  Put(*sidecars, "r/k", "old", "text/old");
  auto old_reader = sidecars->OpenForRead({"b", "r/k"});
  Put(*sidecars, "r/k", "new", "text/new");
  EXPECT_EQ(old_reader->info().content_type, "text/old");
  const std::string sidecar = ReadFile(bucket() / ".unpackd-meta" / "r" / "k");
  EXPECT_THAT(sidecar, HasSubstr("text/old"));
  EXPECT_THAT(sidecar, HasSubstr("text/new"));
  EXPECT_EQ(Catch([&] {
              std::string out(3, '\0');
              old_reader->ReadAt(0, std::as_writable_bytes(std::span(out.data(), out.size())));
            }).kind(),
            ErrorKind::kPrecondition);
}

TEST_F(LocalStoreFolderCacheTest, KeyThatIsAFolderOfForeignFilesIsRefused) {
  // No sidecars below the folder (put there by another tool): the clash shows only when the
  // data is linked, and must still be refused with the folder named.
  fs::create_directories(bucket() / "f");
  WriteFile(bucket() / "f" / "inside", "foreign");
  const Error error = Catch([&] { Put(*store_, "f", "object"); });
  EXPECT_EQ(error.kind(), ErrorKind::kIo);
  EXPECT_THAT(error.what(), HasSubstr("folder holding other keys"));
  EXPECT_EQ(ReadFile(bucket() / "f" / "inside"), "foreign");
  EXPECT_EQ(Get(*store_, "f/inside"), "foreign");
}

}  // namespace
}  // namespace unpackd
