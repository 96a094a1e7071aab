// Tar archives (plain and compressed) and lone compressed files written by GNU tar, bsdtar
// and Python's tarfile, extracted end to end through the local store and compared byte for
// byte with the files they were made from. The key's suffix never decides the format.
#include <gtest/gtest.h>

#include <fstream>

#include "store/local/local_store.h"
#include "support/archive_maker.h"
#include "support/file_object.h"
#include "support/job_runner.h"
#include "support/temp_dir.h"

namespace unpackd {
namespace {

// The real-tool tree, and a name over ustar's 100 bytes (a GNU long name or a pax path).
testing::MemberMap TreeMembers() {
  testing::MemberMap members = testing::ToolTestTree();
  members[std::string(120, 'n') + "/long-name-over-100-bytes.txt"] = "GNU long name or pax path\n";
  return members;
}

struct TarCase {
  std::string name;     // test name
  std::string key;      // the archive's key
  std::string command;  // makes $OUT from the files of the current folder
};

// A store with bucket "bkt", and the tree to pack beside it.
class TarToolsTest : public ::testing::TestWithParam<TarCase> {
 protected:
  void SetUp() override {
    testing::WriteTree(tree_, TreeMembers());
    std::filesystem::create_directories(root_);
    CreateBucket(root_, "bkt");
  }

  testing::TempDir dir_;
  const std::filesystem::path tree_ = dir_.path() / "tree";
  const std::filesystem::path root_ = dir_.path() / "store";
};

TEST_P(TarToolsTest, ExtractsEveryMemberByteForByte) {
  const auto& root = root_;
  const auto archive = (root / "bkt" / GetParam().key).string();
  ASSERT_EQ(testing::RunCommand("cd " + testing::ShellQuote(tree_.string()) +
                                " && OUT=" + testing::ShellQuote(archive) + " TARCRAFT=" +
                                testing::ShellQuote(testing::ToolPath("tarcraft.py")) + " && " +
                                GetParam().command),
            0)
      << GetParam().command;

  auto store = MakeLocalStore(root);
  const auto result = testing::RunJob(*store, {"bkt", GetParam().key}, *store, {});
  EXPECT_EQ(result.manifest.member_count, TreeMembers().size());
  // {stem} drops the whole suffix: result.tar.gz and result.tgz both go to result/.
  for (const auto& [name, content] : TreeMembers()) {
    const auto path = root / "bkt" / "result" / name;
    ASSERT_TRUE(std::filesystem::exists(path)) << name;
    EXPECT_TRUE(testing::ReadFileString(path) == content) << name;
  }
  // A second run finds the manifest and does nothing.
  EXPECT_TRUE(testing::RunJob(*store, {"bkt", GetParam().key}, *store, {}).already_complete);
}

// GNU tar and bsdtar take the member list "*" from the shell, or "." (the folder itself: then
// every name starts with "./" and the first entry is "./"), as people run them.
INSTANTIATE_TEST_SUITE_P(
    Tools, TarToolsTest,
    ::testing::Values(
        TarCase{"gnu_tar_gnu", "result.tar", "tar --format=gnu -cf \"$OUT\" *"},
        TarCase{"gnu_tar_pax_gz", "result.tar.gz", "tar --format=pax -czf \"$OUT\" *"},
        TarCase{"gnu_tar_gnu_tgz", "result.tgz", "tar --format=gnu -czf \"$OUT\" *"},
        TarCase{"gnu_tar_pigz", "result.tgz", "tar -I pigz -cf \"$OUT\" *"},
        TarCase{"gnu_tar_bz2", "result.tar.bz2", "tar -cjf \"$OUT\" *"},
        TarCase{"gnu_tar_xz", "result.tar.xz", "tar -cJf \"$OUT\" *"},
        TarCase{"gnu_tar_zstd", "result.tar.zst", "tar --zstd -cf \"$OUT\" *"},
        TarCase{"gnu_tar_dot_gz", "result.tar.gz", "tar -czf \"$OUT\" ."},
        TarCase{"bsdtar_dot_gz", "result.tar.gz", "bsdtar -czf \"$OUT\" ."},
        TarCase{"bsdtar_ustar", "result.tar", "bsdtar --format ustar -cf \"$OUT\" *"},
        TarCase{"bsdtar_pax_gz", "result.tar.gz", "bsdtar --format pax -czf \"$OUT\" *"},
        TarCase{"bsdtar_bz2", "result.tar.bz2", "bsdtar -cjf \"$OUT\" *"},
        TarCase{"bsdtar_xz", "result.tar.xz", "bsdtar -cJf \"$OUT\" *"},
        TarCase{"bsdtar_zstd", "result.tar.zst", "bsdtar --zstd -cf \"$OUT\" *"},
        TarCase{"python_gnu", "result.tar", "/usr/bin/python3 \"$TARCRAFT\" tree \"$OUT\" w gnu ."},
        TarCase{"python_pax_gz", "result.tar.gz",
                "/usr/bin/python3 \"$TARCRAFT\" tree \"$OUT\" w:gz pax ."},
        TarCase{"python_gnu_bz2", "result.tar.bz2",
                "/usr/bin/python3 \"$TARCRAFT\" tree \"$OUT\" w:bz2 gnu ."},
        TarCase{"python_pax_xz", "result.tar.xz",
                "/usr/bin/python3 \"$TARCRAFT\" tree \"$OUT\" w:xz pax ."},
        // xz's largest preset (a 64 MiB dictionary, the default limit); two xz streams in a
        // row (cut inside the tar); several blocks; .lzma; zstd with a 64 MiB window.
        TarCase{"xz_9e", "result.tar.xz", "tar -cf - * | xz -9e > \"$OUT\""},
        TarCase{"xz_concatenated", "result.tar.xz",
                "tar -cf - * | { dd bs=10000 count=1 iflag=fullblock status=none | xz; xz; } > "
                "\"$OUT\""},
        TarCase{"xz_blocks", "result.tar.xz", "tar -cf - * | xz -T2 --block-size=4KiB > \"$OUT\""},
        TarCase{"lzma_alone", "result.tar.lzma", "tar -cf - * | xz --format=lzma > \"$OUT\""},
        TarCase{"zstd_long_window", "result.tar.zst", "tar -cf - * | zstd -q --long=26 > \"$OUT\""},
        // Content, not the suffix, decides: an xz-compressed tar under a .tar.gz key.
        TarCase{"misnamed_xz", "result.tar.gz", "tar -cJf \"$OUT\" *"}),
    [](const ::testing::TestParamInfo<TarCase>& info) { return info.param.name; });

class SingleFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(root_ / "src");
    CreateBucket(root_, "bkt");
    store_ = MakeLocalStore(root_);
    content_ = testing::TextBytes(2'000'000, 5);
    std::ofstream(root_ / "src" / "measurements.csv", std::ios::binary) << content_;
  }

  // Compresses src/measurements.csv with `command` (reading "$IN", writing "$OUT") into `key`.
  void Make(const std::string& key, const std::string& command) {
    ASSERT_EQ(
        testing::RunCommand("cd " + testing::ShellQuote((root_ / "src").string()) +
                            " && IN=measurements.csv OUT=" +
                            testing::ShellQuote((root_ / "bkt" / key).string()) + " && " + command),
        0);
  }

  testing::TempDir dir_;
  std::filesystem::path root_ = dir_.path() / "store";
  std::unique_ptr<ObjectStore> store_;
  std::string content_;
};

TEST_F(SingleFileTest, GzipHeaderNamesTheObject) {
  Make("upload.gz", "gzip -c < \"$IN\" > \"$OUT\"");                 // stores no name from stdin...
  Make("named.gz", "gzip -k -f \"$IN\" && mv \"$IN.gz\" \"$OUT\"");  // ...but does from a file
  const auto named = testing::RunJob(*store_, {"bkt", "named.gz"}, *store_, {});
  EXPECT_EQ(named.manifest.member_count, 1u);
  EXPECT_TRUE(testing::ReadFileString(root_ / "bkt" / "named" / "measurements.csv") == content_);
  const auto unnamed = testing::RunJob(*store_, {"bkt", "upload.gz"}, *store_, {});
  EXPECT_EQ(unnamed.manifest.member_count, 1u);
  EXPECT_EQ(unnamed.manifest.total_bytes, content_.size());
  EXPECT_TRUE(testing::ReadFileString(root_ / "bkt" / "upload" / "upload") == content_);
}

// `cat a.gz b.gz` is one gzip stream of two members (RFC 1952), as gzip -d reads it; each
// member's CRC is checked on its own.
TEST_F(SingleFileTest, ConcatenatedGzipMembersAreOneFile) {
  Make("two.gz",
       "gzip -c < \"$IN\" > a.gz && gzip -c < \"$IN\" > b.gz && cat a.gz b.gz > \"$OUT\"");
  const auto result = testing::RunJob(*store_, {"bkt", "two.gz"}, *store_, {});
  EXPECT_EQ(result.manifest.member_count, 1u);
  EXPECT_TRUE(testing::ReadFileString(root_ / "bkt" / "two" / "two") == content_ + content_);
}

TEST_F(SingleFileTest, OtherCompressorsNameItFromTheKey) {
  Make("data.csv.bz2", "bzip2 -c \"$IN\" > \"$OUT\"");
  Make("data.csv.xz", "xz -c \"$IN\" > \"$OUT\"");
  Make("data.csv.zst", "zstd -q -c \"$IN\" > \"$OUT\"");
  Make("data.csv.gz", "pigz -c < \"$IN\" > \"$OUT\"");
  Make("data.csv.lzma", "xz --format=lzma -c \"$IN\" > \"$OUT\"");
  for (const std::string suffix : {"bz2", "xz", "zst", "gz", "lzma"}) {
    testing::JobOptions options;
    options.destination_template = "out-" + suffix + "/{path}";
    const auto result = testing::RunJob(*store_, {"bkt", "data.csv." + suffix}, *store_, options);
    EXPECT_EQ(result.manifest.member_count, 1u) << suffix;
    EXPECT_TRUE(testing::ReadFileString(root_ / "bkt" / ("out-" + suffix) / "data.csv") == content_)
        << suffix;
  }
}

}  // namespace
}  // namespace unpackd
