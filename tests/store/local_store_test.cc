#include "store/local/local_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "store/key_validation.h"
#include "store/store_test_util.h"
#include "support/temp_dir.h"
#include "util/error.h"

namespace unpackd {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using unpackd::testing::Bytes;
using unpackd::testing::Catch;
using unpackd::testing::ReadFile;
using unpackd::testing::TempDir;
using unpackd::testing::Tree;
using unpackd::testing::Typed;
using unpackd::testing::WriteFile;

WriteOptions WithMetadata(UserMetadata metadata) {
  WriteOptions options;
  options.metadata = std::move(metadata);
  return options;
}

class LocalStoreTest : public unpackd::testing::OneBucketTest<> {
 protected:
  LocalStoreTest() {
    CreateBucket(dir_.path(), "b");
    store_ = MakeLocalStore(dir_.path());
  }

  fs::path bucket() const { return dir_.path() / "b"; }

  TempDir dir_;
};

TEST(TempDirTest, CreatesAndRemovesItsDirectory) {
  fs::path path;
  {
    TempDir dir;
    path = dir.path();
    ASSERT_TRUE(fs::is_directory(path));
    fs::create_directories(path / "x" / "y");
    WriteFile(path / "x" / "y" / "f", "data");
    fs::permissions(path / "x", fs::perms::owner_read | fs::perms::owner_exec);
  }
  EXPECT_FALSE(fs::exists(path));
}

TEST_F(LocalStoreTest, RoundTripWithChunkedAppends) {
  std::string content;
  for (int i = 0; i < 100'000; ++i) content += static_cast<char>('a' + i * 7 % 26);
  auto writer = store_->NewWriter({"b", "dir/sub/file.bin"}, {});
  for (size_t pos = 0; pos < content.size(); pos += 4099) {
    writer->Append(Bytes(std::string_view(content).substr(pos, 4099)));
  }
  const ObjectInfo committed = writer->Commit();
  EXPECT_EQ(committed.size, content.size());
  EXPECT_EQ(ReadFile(bucket() / "dir/sub/file.bin"), content);
  EXPECT_EQ(Get("dir/sub/file.bin"), content);

  const ObjectInfo stat = store_->Stat({"b", "dir/sub/file.bin"});
  EXPECT_EQ(stat.size, content.size());
  EXPECT_EQ(stat.etag, committed.etag);
  EXPECT_FALSE(stat.etag.empty());
  EXPECT_TRUE(stat.version_id.empty());
}

TEST_F(LocalStoreTest, ForeignFilesHaveNoContentTypeOrMetadata) {
  fs::create_directories(bucket() / "other");
  WriteFile(bucket() / "other" / "tool.dat", "written by cp");
  const ObjectInfo stat = store_->Stat({"b", "other/tool.dat"});
  EXPECT_EQ(stat.size, 13u);
  EXPECT_EQ(stat.content_type, "");
  EXPECT_TRUE(stat.metadata.empty());
  EXPECT_EQ(Get("other/tool.dat"), "written by cp");
}

TEST_F(LocalStoreTest, StaleSidecarIsIgnoredAfterForeignOverwrite) {
  WriteOptions options;
  options.content_type = "image/png";
  options.metadata = {{"k", "v"}};
  Put("pic", "png bytes", options);
  // Another tool replaces the file (new inode), leaving our sidecar behind.
  WriteFile(bucket() / "pic.new", "jpeg bytes!");
  fs::rename(bucket() / "pic.new", bucket() / "pic");
  const ObjectInfo stat = store_->Stat({"b", "pic"});
  EXPECT_EQ(stat.size, 11u);
  EXPECT_EQ(stat.content_type, "");
  EXPECT_TRUE(stat.metadata.empty());
}

TEST_F(LocalStoreTest, ObjectInvisibleBeforeCommit) {
  auto writer = store_->NewWriter({"b", "a/b/pending"}, {});
  writer->Append(Bytes("partial"));
  EXPECT_EQ(Catch([&] { store_->Stat({"b", "a/b/pending"}); }).kind(), ErrorKind::kNotFound);
  EXPECT_TRUE(ListKeys("").empty());
  EXPECT_FALSE(fs::exists(bucket() / "a"));  // no folders before Commit either
  writer->Commit();
  EXPECT_EQ(Get("a/b/pending"), "partial");
}

TEST_F(LocalStoreTest, DestroyWithoutCommitLeavesNoTrace) {
  {
    auto writer = store_->NewWriter({"b", "x/y/z"}, Typed("text/plain"));
    writer->Append(Bytes("never committed"));
    // The data is written to an unnamed (O_TMPFILE) file where the filesystem allows, else to
    // a named temp file; either way nothing is visible under the key yet.
    EXPECT_FALSE(fs::exists(bucket() / "x" / "y" / "z"));
  }
  EXPECT_TRUE(Tree(bucket()).empty()) << ::testing::PrintToString(Tree(bucket()));
}

TEST_F(LocalStoreTest, AbortIsIdempotentAndLeavesNoTrace) {
  auto writer = store_->NewWriter({"b", "k"}, {});
  writer->Append(Bytes("data"));
  writer->Abort();
  writer->Abort();
  EXPECT_TRUE(Tree(bucket()).empty());
  EXPECT_EQ(Catch([&] { writer->Append(Bytes("more")); }).kind(), ErrorKind::kInternal);
  EXPECT_EQ(Catch([&] { writer->Commit(); }).kind(), ErrorKind::kInternal);
  EXPECT_EQ(Catch([&] { store_->Stat({"b", "k"}); }).kind(), ErrorKind::kNotFound);
}

TEST_F(LocalStoreTest, OverwriteReplacesContentMetadataAndEtag) {
  const ObjectInfo first = Put("k", "first version", Typed("text/a"));
  const ObjectInfo second = Put("k", "second", Typed("text/b"));
  EXPECT_NE(first.etag, second.etag);
  EXPECT_EQ(Get("k"), "second");
  const ObjectInfo stat = store_->Stat({"b", "k"});
  EXPECT_EQ(stat.etag, second.etag);
  EXPECT_EQ(stat.content_type, "text/b");
  EXPECT_THAT(Tree(bucket()), ::testing::ElementsAre("k"));  // metadata in the file's attribute
}

TEST_F(LocalStoreTest, KoreanAndSpaceKeys) {
  const std::vector<std::string> keys = {"보고서/2024 연간 보고서.pdf", "with space/a b.txt",
                                         " leading and trailing ", "emoji 😀/ok"};
  for (const auto& key : keys) Put(key, "content of " + key);
  for (const auto& key : keys) EXPECT_EQ(Get(key), "content of " + key);
  EXPECT_TRUE(fs::exists(bucket() / "보고서" / "2024 연간 보고서.pdf"));
  std::vector<std::string> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(ListKeys(""), sorted);
}

TEST_F(LocalStoreTest, LongestAcceptedSegmentAndKey) {
  const std::string segment(255, 's');
  Put(segment, "x");
  EXPECT_EQ(Get(segment), "x");
  std::string long_key;
  while (long_key.size() + 101 <= 1024) long_key += std::string(100, 'k') + "/";
  long_key += std::string(1024 - long_key.size(), 'e');
  ASSERT_EQ(long_key.size(), 1024u);
  Put(long_key, "deep");
  EXPECT_EQ(Get(long_key), "deep");
}

TEST_F(LocalStoreTest, RejectsEveryUnsafeKeySpelling) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "is empty"},
      {"/abs", "starts with '/'"},
      {"a//b", "empty segment"},
      {"a/", "empty segment"},
      {".", "\".\" segment"},
      {"..", "\"..\" segment"},
      {"a/../b", "\"..\" segment"},
      {"../escape", "\"..\" segment"},
      {"a/./b", "\".\" segment"},
      {std::string("nul\0byte", 8), "control character U+0000"},
      {"tab\there", "control character U+0009"},
      {"new\nline", "control character U+000A"},
      {"del\x7f", "control character U+007F"},
      {"c1\xc2\x85", "control character U+0085"},
      {"bad\xff", "not valid UTF-8"},
      {"overlong\xc0\xaf", "not valid UTF-8"},
      {"surrogate\xed\xa0\x80", "not valid UTF-8"},
      {"truncated\xe2\x82", "not valid UTF-8"},
      {"back\\slash", "backslash"},
      {"..\\..\\windows", "backslash"},
      {std::string(256, 'x'), "longer than 255 bytes"},
      {std::string(1025, 'x'), "1025 bytes long"},
      {".unpackd-meta/k", "reserved"},
      {".unpackd-meta", "reserved"},
      {"dir/.unpackd-tmp-0123456789abcdef", "reserved"},
  };
  for (const auto& [key, reason] : cases) {
    SCOPED_TRACE(EscapeForMessage(key));
    const Error write_error = Catch([&] { store_->NewWriter({"b", key}, {}); });
    EXPECT_EQ(write_error.kind(), ErrorKind::kUsage);
    EXPECT_THAT(write_error.what(), HasSubstr(reason));
    EXPECT_THAT(write_error.what(), HasSubstr("invalid object key"));
    EXPECT_THAT(write_error.what(), HasSubstr(EscapeForMessage(key.substr(0, 50))));
    EXPECT_EQ(Catch([&] { store_->Stat({"b", key}); }).kind(), ErrorKind::kUsage);
    EXPECT_EQ(Catch([&] { store_->OpenForRead({"b", key}); }).kind(), ErrorKind::kUsage);
    EXPECT_EQ(Catch([&] { store_->Delete({"b", key}); }).kind(), ErrorKind::kUsage);
  }
  EXPECT_TRUE(Tree(bucket()).empty());
  // Dot-prefixed names that are not reserved are fine.
  Put(".hidden/..dots../.x", "ok");
  EXPECT_EQ(Get(".hidden/..dots../.x"), "ok");
}

TEST_F(LocalStoreTest, RejectsBadBucketNamesAndReportsMissingBuckets) {
  for (const std::string bucket : {"", ".", "..", "a/b", ".unpackd-meta", ".hidden", "x\\y"}) {
    SCOPED_TRACE(bucket);
    EXPECT_EQ(Catch([&] { store_->NewWriter({bucket, "k"}, {}); }).kind(), ErrorKind::kUsage);
    EXPECT_EQ(Catch([&] { CreateBucket(dir_.path(), bucket); }).kind(), ErrorKind::kUsage);
  }
  const Error missing = Catch([&] { store_->NewWriter({"nobucket", "k"}, {}); });
  EXPECT_EQ(missing.kind(), ErrorKind::kNotFound);
  EXPECT_THAT(missing.what(), HasSubstr("nobucket"));
  EXPECT_FALSE(fs::exists(dir_.path() / "nobucket"));  // never created implicitly
  EXPECT_EQ(Catch([&] { store_->Stat({"nobucket", "k"}); }).kind(), ErrorKind::kNotFound);
  EXPECT_EQ(
      Catch([&] { store_->List("nobucket", "", [](const ListEntry&) { return true; }); }).kind(),
      ErrorKind::kNotFound);
  EXPECT_EQ(Catch([&] { store_->Delete({"nobucket", "k"}); }).kind(), ErrorKind::kNotFound);
  CreateBucket(dir_.path(), "b");  // existing: fine
}

TEST_F(LocalStoreTest, RejectsBadMetadata) {
  EXPECT_EQ(Catch([&] {
              store_->NewWriter({"b", "k"}, WithMetadata({{"Upper", "v"}}));
            }).kind(),
            ErrorKind::kUsage);
  EXPECT_EQ(Catch([&] {
              store_->NewWriter({"b", "k"}, WithMetadata({{"ok", "bad\nvalue"}}));
            }).kind(),
            ErrorKind::kUsage);
}

TEST_F(LocalStoreTest, MetadataFollowsTheRuleEveryStoreShares) {
  // '_' in names: S3 keeps it, so the local store holds it too (ValidateUserMetadata).
  const UserMetadata metadata = {{"crc_32", "deadbeef"}, {"source-archive", "a.zip"}};
  Put("k", "x", WithMetadata(metadata));
  EXPECT_EQ(store_->Stat({"b", "k"}).metadata, metadata);
  const Error error = Catch([&] { store_->NewWriter({"b", "k"}, WithMetadata({{"a.b", "v"}})); });
  EXPECT_EQ(error.kind(), ErrorKind::kUsage);
  EXPECT_EQ(error.code(), "invalid-metadata");
  EXPECT_THAT(error.what(), HasSubstr("local store: write b/k: "));
  EXPECT_EQ(Catch([&] {
              store_->NewWriter({"b", "k"}, Typed("text/\x01"));
            }).kind(),
            ErrorKind::kUsage);
}

TEST_F(LocalStoreTest, MissingRootIsNotFound) {
  EXPECT_EQ(Catch([&] { MakeLocalStore(dir_.path() / "absent"); }).kind(), ErrorKind::kNotFound);
}

TEST_F(LocalStoreTest, SymlinkedFolderInsideBucketIsNeverFollowed) {
  TempDir outside;
  fs::create_symlink(outside.path(), bucket() / "evil");
  WriteFile(outside.path() / "secret", "outside data");

  const Error write_error = Catch([&] { Put("evil/planted", "attack"); });
  EXPECT_EQ(write_error.kind(), ErrorKind::kIo);
  EXPECT_THAT(write_error.what(), HasSubstr("symbolic link"));
  EXPECT_THAT(write_error.what(), HasSubstr("evil/planted"));
  EXPECT_EQ(Catch([&] { Put("evil/deeper/planted", "attack"); }).kind(), ErrorKind::kIo);
  EXPECT_EQ(Catch([&] { store_->Stat({"b", "evil/secret"}); }).kind(), ErrorKind::kNotFound);
  EXPECT_EQ(Catch([&] { store_->OpenForRead({"b", "evil/secret"}); }).kind(), ErrorKind::kNotFound);
  store_->Delete({"b", "evil/secret"});  // absent as far as the store is concerned
  EXPECT_TRUE(ListKeys("").empty());

  EXPECT_THAT(Tree(outside.path()), ::testing::ElementsAre("secret"));
  EXPECT_EQ(ReadFile(outside.path() / "secret"), "outside data");
}

TEST_F(LocalStoreTest, SymlinkAtKeyIsReplacedNotFollowed) {
  TempDir outside;
  WriteFile(outside.path() / "target", "outside data");
  fs::create_symlink(outside.path() / "target", bucket() / "link");
  EXPECT_EQ(Catch([&] { store_->Stat({"b", "link"}); }).kind(), ErrorKind::kNotFound);
  Put("link", "new object");
  EXPECT_FALSE(fs::is_symlink(bucket() / "link"));
  EXPECT_EQ(Get("link"), "new object");
  EXPECT_EQ(ReadFile(outside.path() / "target"), "outside data");
}

TEST_F(LocalStoreTest, SymlinkedBucketIsNotFollowed) {
  TempDir outside;
  fs::create_symlink(outside.path(), dir_.path() / "linked");
  EXPECT_EQ(Catch([&] { store_->NewWriter({"linked", "k"}, {}); }).kind(), ErrorKind::kNotFound);
  EXPECT_TRUE(Tree(outside.path()).empty());
}

TEST_F(LocalStoreTest, ParentIsExistingObject) {
  Put("a/b", "file");
  const Error early = Catch([&] { store_->NewWriter({"b", "a/b/c"}, {}); });
  EXPECT_EQ(early.kind(), ErrorKind::kIo);
  EXPECT_THAT(early.what(), HasSubstr("a/b/c"));
  EXPECT_THAT(early.what(), HasSubstr("\"a/b\" is an existing object"));

  // The clash appears only after the writer started: caught at Commit, nothing left behind.
  auto writer = store_->NewWriter({"b", "x/y/z"}, Typed("text/new"));
  writer->Append(Bytes("late"));
  Put("x/y", "appeared meanwhile", Typed("text/old"));
  const Error late = Catch([&] { writer->Commit(); });
  EXPECT_EQ(late.kind(), ErrorKind::kIo);
  EXPECT_THAT(late.what(), HasSubstr("\"x/y\" is an existing object"));
  EXPECT_EQ(Get("x/y"), "appeared meanwhile");
  EXPECT_EQ(store_->Stat({"b", "x/y"}).content_type, "text/old");
  EXPECT_EQ(ListKeys(""), (std::vector<std::string>{"a/b", "x/y"}));

  // The other direction: a key that is already a folder of other keys.
  const Error folder = Catch([&] { Put("a", "file over folder"); });
  EXPECT_EQ(folder.kind(), ErrorKind::kIo);
  EXPECT_THAT(folder.what(), HasSubstr("is a folder holding other keys"));
  EXPECT_EQ(Get("a/b"), "file");
  EXPECT_EQ(Catch([&] { store_->Stat({"b", "a"}); }).kind(), ErrorKind::kNotFound);
  EXPECT_THAT(Tree(bucket()), ::testing::ElementsAre("a", "a/b", "x", "x/y"));
}

TEST_F(LocalStoreTest, ListSkipsTempFilesSidecarsAndSymlinks) {
  Put("kept", "1");
  auto pending = store_->NewWriter({"b", "pending"}, {});
  pending->Append(Bytes("x"));
  fs::create_symlink("/etc", bucket() / "link");
  EXPECT_EQ(ListKeys(""), std::vector<std::string>{"kept"});
}

TEST_F(LocalStoreTest, DeleteRemovesDataAndEmptyFolders) {
  Put("keep/me", "1");
  Put("keep/deep/er/x", "2", Typed("text/plain"));
  store_->Delete({"b", "keep/deep/er/x"});
  EXPECT_EQ(Catch([&] { store_->Stat({"b", "keep/deep/er/x"}); }).kind(), ErrorKind::kNotFound);
  EXPECT_THAT(Tree(bucket()), ::testing::ElementsAre("keep", "keep/me"));
  store_->Delete({"b", "keep/me"});
  EXPECT_TRUE(Tree(bucket()).empty());
  EXPECT_TRUE(fs::is_directory(bucket()));
  store_->Delete({"b", "keep/me"});    // absent: fine
  store_->Delete({"b", "never/was"});  // absent: fine
  Put("a/b", "x");
  store_->Delete({"b", "a"});  // "a" is a folder, not an object: nothing happens
  EXPECT_EQ(Get("a/b"), "x");
}

TEST_F(LocalStoreTest, ReaderThrowsPreconditionAfterInPlaceModification) {
  fs::create_directories(bucket());
  WriteFile(bucket() / "log", "short");
  auto reader = store_->OpenForRead({"b", "log"});
  {
    std::ofstream append(bucket() / "log", std::ios::binary | std::ios::app);
    append << " and longer";
  }
  std::vector<std::byte> buffer(4);
  EXPECT_EQ(Catch([&] { reader->ReadAt(0, buffer); }).kind(), ErrorKind::kPrecondition);
}

TEST_F(LocalStoreTest, PlainFilesOnDiskAreObjects) {
  // file:// friendliness: what the store writes is an ordinary file tree others can use, and
  // what others put there is readable, listable and deletable.
  Put("out/report 1.txt", "from the store");
  EXPECT_EQ(ReadFile(bucket() / "out" / "report 1.txt"), "from the store");
  fs::create_directories(bucket() / "in" / "nested");
  WriteFile(bucket() / "in" / "nested" / "by-hand.zip", "PK...");
  EXPECT_EQ(ListKeys("in/"), std::vector<std::string>{"in/nested/by-hand.zip"});
  EXPECT_EQ(Get("in/nested/by-hand.zip"), "PK...");
  store_->Delete({"b", "in/nested/by-hand.zip"});
  EXPECT_FALSE(fs::exists(bucket() / "in"));
}

TEST_F(LocalStoreTest, FsyncOptionCommitsNormally) {
  auto durable = MakeLocalStore(dir_.path(), {.fsync = true});
  auto writer = durable->NewWriter({"b", "d/durable"}, Typed("text/x"));
  writer->Append(Bytes("synced"));
  writer->Commit();
  EXPECT_EQ(Get("d/durable"), "synced");
  EXPECT_EQ(store_->Stat({"b", "d/durable"}).content_type, "text/x");
}

}  // namespace
}  // namespace unpackd
