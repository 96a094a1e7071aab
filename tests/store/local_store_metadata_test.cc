// Where the local store keeps content types and user metadata: an extended attribute of the
// data file ("user.unpackd") by default, a sidecar (.unpackd-meta/<key>) where attributes are
// off (LocalStoreOptions::metadata_xattrs, standing in for a filesystem without them) and for
// objects written by older versions. Both must read back, and neither may describe other data.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string>

#include "store/local/local_store.h"
#include "store/store_test_util.h"
#include "support/temp_dir.h"
#include "util/unique_fd.h"

namespace unpackd {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using unpackd::testing::Put;
using unpackd::testing::TempDir;
using unpackd::testing::Tree;
using unpackd::testing::WriteFile;

constexpr const char* kAttribute = "user.unpackd";

WriteOptions Described(std::string content_type, UserMetadata metadata) {
  WriteOptions options;
  options.content_type = std::move(content_type);
  options.metadata = std::move(metadata);
  return options;
}

// The attribute of the file `fd`; empty when it has none.
std::string AttributeOf(int fd) {
  std::string value(4096, '\0');
  const ssize_t n = ::fgetxattr(fd, kAttribute, value.data(), value.size());
  value.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return value;
}

std::string AttributeAt(const fs::path& path) {
  const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  return fd.valid() ? AttributeOf(fd.get()) : "";
}

class LocalStoreMetadataTest : public ::testing::Test {
 protected:
  LocalStoreMetadataTest() {
    CreateBucket(dir_.path(), "b");
    store_ = MakeLocalStore(dir_.path());
    LocalStoreOptions options;
    options.metadata_xattrs = false;
    sidecars_ = MakeLocalStore(dir_.path(), options);
  }

  fs::path bucket() const { return dir_.path() / "b"; }

  TempDir dir_;
  std::unique_ptr<ObjectStore> store_;     // attributes
  std::unique_ptr<ObjectStore> sidecars_;  // sidecars, as without attributes or before them
};

TEST_F(LocalStoreMetadataTest, MetadataIsAnAttributeOfTheDataFile) {
  Put(*store_, {"b", "d/k"}, "data", Described("text/x", {{"owner", "kim"}}));
  EXPECT_THAT(Tree(bucket()), ElementsAre("d", "d/k"));  // no sidecar tree
  EXPECT_THAT(AttributeAt(bucket() / "d" / "k"), HasSubstr("text/x"));
  const ObjectInfo stat = MakeLocalStore(dir_.path())->Stat({"b", "d/k"});
  EXPECT_EQ(stat.content_type, "text/x");
  EXPECT_EQ(stat.metadata, (UserMetadata{{"owner", "kim"}}));
  store_->Delete({"b", "d/k"});
  EXPECT_TRUE(Tree(bucket()).empty());
}

TEST_F(LocalStoreMetadataTest, SidecarWhenAttributesAreOffReadsEverywhere) {
  Put(*sidecars_, {"b", "d/k"}, "data", Described("text/s", {{"m", "1"}}));
  EXPECT_THAT(Tree(bucket()),
              ElementsAre(".unpackd-meta", ".unpackd-meta/d", ".unpackd-meta/d/k", "d", "d/k"));
  EXPECT_EQ(AttributeAt(bucket() / "d" / "k"), "");
  for (ObjectStore* store : {store_.get(), sidecars_.get()}) {
    const ObjectInfo stat = store->Stat({"b", "d/k"});
    EXPECT_EQ(stat.content_type, "text/s");
    EXPECT_EQ(stat.metadata, (UserMetadata{{"m", "1"}}));
  }
  store_->Delete({"b", "d/k"});
  EXPECT_THAT(Tree(bucket()), ElementsAre(".unpackd-meta"));
}

TEST_F(LocalStoreMetadataTest, ObjectOfAnOlderVersionReadsItsSidecar) {
  // As an older unpackd left it: a data file and a sidecar entry naming its ETag.
  WriteFile(bucket() / "old", "old data");
  const std::string etag = store_->Stat({"b", "old"}).etag;
  fs::create_directory(bucket() / ".unpackd-meta");
  WriteFile(bucket() / ".unpackd-meta" / "old",
            R"({"versions":[{"data_etag":")" + etag +
                R"(","content_type":"text/old","metadata":{"era":"sidecar"}}]})");
  const ObjectInfo stat = MakeLocalStore(dir_.path())->Stat({"b", "old"});
  EXPECT_EQ(stat.content_type, "text/old");
  EXPECT_EQ(stat.metadata, (UserMetadata{{"era", "sidecar"}}));
}

TEST_F(LocalStoreMetadataTest, ReaderOfTheOldVersionKeepsItsMetadata) {
  Put(*store_, {"b", "k"}, "old", Described("text/old", {{"v", "1"}}));
  const UniqueFd old_fd(::open((bucket() / "k").c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(old_fd.valid());
  auto old_reader = store_->OpenForRead({"b", "k"});
  Put(*store_, {"b", "k"}, "new", Described("text/new", {{"v", "2"}}));
  // The attribute belongs to the old inode: whoever holds it reads the old metadata.
  EXPECT_THAT(AttributeOf(old_fd.get()), HasSubstr("text/old"));
  EXPECT_EQ(old_reader->info().content_type, "text/old");
  EXPECT_EQ(old_reader->info().metadata, (UserMetadata{{"v", "1"}}));
  const ObjectInfo stat = store_->Stat({"b", "k"});
  EXPECT_EQ(stat.content_type, "text/new");
  EXPECT_EQ(stat.metadata, (UserMetadata{{"v", "2"}}));
}

TEST_F(LocalStoreMetadataTest, OverwritingASidecarObjectDoesNotResurrectItsMetadata) {
  Put(*sidecars_, {"b", "k"}, "sidecar era", Described("text/stale", {{"stale", "yes"}}));
  Put(*store_, {"b", "k"}, "attribute era");
  const ObjectInfo stat = store_->Stat({"b", "k"});
  EXPECT_EQ(stat.content_type, "application/octet-stream");
  EXPECT_TRUE(stat.metadata.empty());
  EXPECT_THAT(Tree(bucket()), ElementsAre(".unpackd-meta", "k"));  // the old sidecar is gone

  // Deleted, then put back by another tool: still nothing describes it.
  store_->Delete({"b", "k"});
  WriteFile(bucket() / "k", "foreign");
  EXPECT_EQ(store_->Stat({"b", "k"}).content_type, "");

  // And back to a sidecar: the attribute of the replaced file is gone with it.
  Put(*store_, {"b", "k"}, "attribute era", Described("text/attr", {}));
  Put(*sidecars_, {"b", "k"}, "sidecar again", Described("text/sidecar", {}));
  EXPECT_EQ(store_->Stat({"b", "k"}).content_type, "text/sidecar");
}

TEST_F(LocalStoreMetadataTest, StaleSidecarIsNotBelievedForAnAttributeObject) {
  // A sidecar that another process (an older unpackd) leaves beside an attribute-carrying
  // file: its entry names other data, and the attribute wins anyway.
  Put(*store_, {"b", "k"}, "data", Described("text/attr", {}));
  fs::create_directory(bucket() / ".unpackd-meta");
  WriteFile(bucket() / ".unpackd-meta" / "k",
            R"({"versions":[{"data_etag":"1-2-3","content_type":"text/stale","metadata":{}}]})");
  EXPECT_EQ(store_->Stat({"b", "k"}).content_type, "text/attr");
}

TEST_F(LocalStoreMetadataTest, AttributeOfAFileModifiedInPlaceIsNotBelieved) {
  Put(*store_, {"b", "k"}, "data", Described("text/attr", {{"a", "b"}}));
  WriteFile(bucket() / "k", "rewritten by another tool, same inode, new size");
  const ObjectInfo stat = store_->Stat({"b", "k"});
  EXPECT_EQ(stat.content_type, "");
  EXPECT_TRUE(stat.metadata.empty());
}

}  // namespace
}  // namespace unpackd
