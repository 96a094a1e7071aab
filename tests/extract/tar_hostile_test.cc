// Hostile and damaged tar streams (tests/tools/tarcraft.py): each is refused with its reason,
// or its dangerous members skipped and reported, and afterwards the store holds nothing the
// archive did not legitimately produce. A stream has no directory, so a refusal met after
// members were written rolls them back; --verify-first refuses before writing anything.
#include <gtest/gtest.h>

#include "store/local/local_store.h"
#include "support/archive_maker.h"
#include "support/file_object.h"
#include "support/job_runner.h"
#include "support/temp_dir.h"
#include "util/error.h"

namespace unpackd {
namespace {

class TarHostileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(root_);
    CreateBucket(root_, "bkt");
    store_ = MakeLocalStore(root_);
  }

  std::filesystem::path ArchivePath(const std::string& key) { return root_ / "bkt" / key; }

  void Craft(const std::string& key, const std::string& hostile_case) {
    ASSERT_EQ(testing::RunCommand(testing::Python() + " " + testing::ToolPath("tarcraft.py") +
                                  " hostile " + testing::ShellQuote(ArchivePath(key).string()) +
                                  " " + hostile_case),
              0);
  }

  // Every file under the store except the archives themselves and the store's own metadata.
  std::vector<std::string> ProducedKeys() {
    std::vector<std::string> keys;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root_)) {
      if (!entry.is_regular_file()) continue;
      const std::string k = std::filesystem::relative(entry.path(), root_).string();
      if (k.find(".unpackd-meta") != std::string::npos || k.ends_with(".tar") ||
          k.ends_with(".gz") || k.ends_with(".xz") || k.ends_with(".lzma") || k.ends_with(".zst")) {
        continue;
      }
      keys.push_back(k);
    }
    std::sort(keys.begin(), keys.end());
    return keys;
  }

  std::string ExpectRefused(const std::string& key, const std::string& needle,
                            testing::JobOptions options = {}) {
    try {
      testing::RunJob(*store_, {"bkt", key}, *store_, options);
      ADD_FAILURE() << key << " was extracted";
      return "";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kArchiveRefused) << e.what();
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_EQ(ProducedKeys(), std::vector<std::string>{}) << key;
      return e.what();
    }
  }

  testing::TempDir dir_;
  std::filesystem::path root_ = dir_.path() / "store";
  std::unique_ptr<ObjectStore> store_;
};

TEST_F(TarHostileTest, UnsafeNamesAreRefusedAndWhatWasWrittenRolledBack) {
  for (const std::string c : {"traversal", "absolute", "pax-rename"}) {
    Craft(c + ".tar", c);
    // good.txt comes first and may be written before the bad name arrives: rolled back.
    ExpectRefused(c + ".tar", "unsafe-path");
  }
  EXPECT_FALSE(std::filesystem::exists(root_ / "x"));
  EXPECT_FALSE(std::filesystem::exists(root_ / "bkt" / "evil.txt"));
}

TEST_F(TarHostileTest, VerifyFirstRefusesBeforeWriting) {
  Craft("traversal.tar", "traversal");
  testing::JobOptions options;
  options.verify_first = true;
  const std::string message = ExpectRefused("traversal.tar", "unsafe-path", options);
  EXPECT_EQ(message.find("rolled back"), std::string::npos) << message;
}

TEST_F(TarHostileTest, SkipPolicyExtractsTheRestAndListsTheRefused) {
  Craft("pax-rename.tar", "pax-rename");
  testing::JobOptions skip;
  skip.on_error = OnErrorPolicy::kSkip;
  const auto result = testing::RunJob(*store_, {"bkt", "pax-rename.tar"}, *store_, skip);
  EXPECT_EQ(result.manifest.member_count, 2u);
  EXPECT_EQ(result.manifest.skipped_count, 1u);
  ASSERT_EQ(result.findings.size(), 1u);
  EXPECT_EQ(result.findings[0].member_name, "../x");
  EXPECT_EQ(ProducedKeys(),
            (std::vector<std::string>{"bkt/pax-rename/.unpackd/manifest.json",
                                      "bkt/pax-rename/good.txt", "bkt/pax-rename/last.txt"}));
}

TEST_F(TarHostileTest, LinksAreSkippedAndReportedNeverFollowed) {
  Craft("links.tar", "symlink-out");
  Craft("hard.tar", "hardlink");
  const auto links = testing::RunJob(*store_, {"bkt", "links.tar"}, *store_, {});
  EXPECT_EQ(links.manifest.member_count, 2u);
  ASSERT_EQ(links.findings.size(), 2u);
  EXPECT_EQ(links.findings[0].code, "symlink");
  EXPECT_EQ(links.findings[1].code, "symlink");
  EXPECT_FALSE(std::filesystem::exists(root_ / "bkt" / "links" / "link"));
  const auto hard = testing::RunJob(*store_, {"bkt", "hard.tar"}, *store_, {});
  EXPECT_EQ(hard.manifest.member_count, 2u);
  ASSERT_EQ(hard.findings.size(), 1u);
  EXPECT_EQ(hard.findings[0].code, "hardlink");
  EXPECT_FALSE(std::filesystem::exists(root_ / "bkt" / "hard" / "hard"));
}

TEST_F(TarHostileTest, DevicesFifosAndDuplicatesAreRefused) {
  Craft("device.tar", "device");
  Craft("fifo.tar", "fifo");
  Craft("duplicate.tar", "duplicate");
  ExpectRefused("device.tar", "special-file");
  ExpectRefused("fifo.tar", "special-file");
  ExpectRefused("duplicate.tar", "duplicate-name");
}

// The local store cannot hold a file "a" and a folder "a/": a stream refuses whichever of
// the two comes second, as it arrives (the first may be written already: rolled back).
TEST_F(TarHostileTest, FileAndFolderOfOneNameRefuseTheSecondOnTheLocalStore) {
  const std::vector<std::pair<std::string, std::string>> cases = {{"file-then-folder", "'a/b':"},
                                                                  {"folder-then-file", "'a':"},
                                                                  {"file-then-dir", "'a/':"},
                                                                  {"dir-then-file", "'a':"}};
  for (const auto& [c, second] : cases) {
    Craft(c + ".tar", c);
    // ExpectRefused also finds the store empty: whatever was written before is gone.
    ExpectRefused(c + ".tar", "file-is-folder in member " + second);
    testing::JobOptions verify;
    verify.verify_first = true;  // the listing refuses the same member, before writing
    ExpectRefused(c + ".tar", "file-is-folder in member " + second, verify);
  }
}

TEST_F(TarHostileTest, SkipPolicyWritesTheFirstOfAFileAndFolderOfOneName) {
  testing::JobOptions skip;
  skip.on_error = OnErrorPolicy::kSkip;
  for (const bool verify_first : {false, true}) {
    skip.verify_first = verify_first;
    const std::string ftf = verify_first ? "ftf-verified" : "ftf";
    const std::string fft = verify_first ? "fft-verified" : "fft";
    Craft(ftf + ".tar", "file-then-folder");
    Craft(fft + ".tar", "folder-then-file");
    const auto file_first = testing::RunJob(*store_, {"bkt", ftf + ".tar"}, *store_, skip);
    ASSERT_EQ(file_first.findings.size(), 1u);
    EXPECT_EQ(file_first.findings[0].code, "file-is-folder");
    EXPECT_EQ(file_first.findings[0].member_name, "a/b");
    EXPECT_EQ(testing::ReadFileString(root_ / "bkt" / ftf / "a"), "file\n");
    const auto folder_first = testing::RunJob(*store_, {"bkt", fft + ".tar"}, *store_, skip);
    ASSERT_EQ(folder_first.findings.size(), 1u);
    EXPECT_EQ(folder_first.findings[0].member_name, "a");
    EXPECT_EQ(testing::ReadFileString(root_ / "bkt" / fft / "a" / "b"), "below\n");
    for (const auto* result : {&file_first, &folder_first}) {
      EXPECT_EQ(result->manifest.member_count, 3u);
      EXPECT_EQ(result->manifest.skipped_count, 1u);
    }
  }
}

// The same clash as GNU tar and bsdtar write it (renamed on the way in, as a tree on disk
// cannot hold both), gzip-compressed.
TEST_F(TarHostileTest, FileAndFolderOfOneNameFromRealTools) {
  testing::TempDir tree;
  testing::WriteTree(tree.path(), {{"f", "file\n"}, {"d/b", "below\n"}});
  const std::string cd = "cd " + testing::ShellQuote(tree.path().string()) + " && ";
  const auto archive = [&](const std::string& key) {
    return testing::ShellQuote(ArchivePath(key).string());
  };
  ASSERT_EQ(testing::RunCommand(cd + "tar -czf " + archive("gnu.tar.gz") +
                                " --transform='s,^[fd],a,' f d/b"),
            0);
  ASSERT_EQ(
      testing::RunCommand(cd + "bsdtar -czf " + archive("bsd.tar.gz") + " -s ',^[fd],a,' d/b f"),
      0);
  ExpectRefused("gnu.tar.gz", "file-is-folder in member 'a/b'");
  ExpectRefused("bsd.tar.gz", "file-is-folder in member 'a':");
}

// A header may claim any dictionary (xz and .lzma up to 4 GiB, a zstd window up to 2 GiB);
// libarchive's decoders would allocate it. The stream's decoder is limited by the memory plan
// (at least the 64 MiB a ZIP member may have), and a claim over the limit is refused from the
// header, before anything is allocated or written.
TEST_F(TarHostileTest, DictionariesOverTheMemoryLimitAreRefused) {
  for (const std::string format : {"xz", "lzma"}) {
    const std::string key = "dict.tar." + format;
    ASSERT_EQ(testing::RunCommand(testing::Python() + " " + testing::ToolPath("tarcraft.py") +
                                  " big-dict " + testing::ShellQuote(ArchivePath(key).string()) +
                                  " " + format + " 1 1536"),
              0);
    const std::string message = ExpectRefused(key, "decoder-memory-limit");
    EXPECT_NE(message.find(format + " data needs 1537 MiB to decode, over the limit of 65 MiB"),
              std::string::npos)
        << message;
  }
  // zstd --long=27 over a pipe declares a 128 MiB window, whatever the content's size.
  testing::TempDir tree;
  testing::WriteTree(tree.path(), {{"a.txt", "alpha\n"}});
  ASSERT_EQ(testing::RunCommand("cd " + testing::ShellQuote(tree.path().string()) +
                                " && tar -cf - a.txt | zstd -q --long=27 -c > " +
                                testing::ShellQuote(ArchivePath("long.tar.zst").string())),
            0);
  const std::string message = ExpectRefused("long.tar.zst", "decoder-memory-limit");
  EXPECT_NE(message.find("larger than the limit of 64 MiB"), std::string::npos) << message;
  // --memory bounds it: 1 GiB gives the decoder share (1/8) room for the window.
  testing::JobOptions more;
  more.memory_bytes = uint64_t{1} << 30;
  EXPECT_EQ(testing::RunJob(*store_, {"bkt", "long.tar.zst"}, *store_, more).manifest.member_count,
            1u);
  EXPECT_EQ(testing::ReadFileString(root_ / "bkt" / "long" / "a.txt"), "alpha\n");
}

TEST_F(TarHostileTest, SizeFieldsThatLieAreRefused) {
  Craft("big.tar", "size-too-big");
  Craft("small.tar", "size-too-small");
  ExpectRefused("big.tar", "corrupt-stream");
  ExpectRefused("small.tar", "corrupt-stream");
}

TEST_F(TarHostileTest, TruncatedAndCorruptStreamsAreRefused) {
  testing::TempDir tree;
  testing::WriteTree(tree.path(), {{"a.bin", testing::RandomBytes(300'000, 1)},
                                   {"b.bin", testing::RandomBytes(300'000, 2)},
                                   {"c.bin", testing::RandomBytes(300'000, 3)}});
  const std::string full = (tree.path() / "full.tgz").string();
  ASSERT_EQ(testing::RunCommand("cd " + testing::ShellQuote(tree.path().string()) +
                                " && tar -czf " + testing::ShellQuote(full) + " a.bin b.bin c.bin"),
            0);
  const auto size = std::filesystem::file_size(full);
  ASSERT_EQ(testing::RunCommand("head -c " + std::to_string(size * 2 / 3) + " " +
                                testing::ShellQuote(full) + " > " +
                                testing::ShellQuote(ArchivePath("cut.tar.gz").string())),
            0);
  // a.bin is complete before the cut: written (or queued), then rolled back.
  ExpectRefused("cut.tar.gz", "corrupt-stream");
  testing::JobOptions verify;
  verify.verify_first = true;
  ExpectRefused("cut.tar.gz", "corrupt-stream", verify);

  // Four bytes overwritten in the middle: inside a stored deflate block (the data is random)
  // only the gzip trailer's CRC-32 can tell.
  ASSERT_EQ(
      testing::RunCommand("cp " + testing::ShellQuote(full) + " " +
                          testing::ShellQuote(ArchivePath("flip.tar.gz").string()) +
                          " && printf '\\377\\377\\377\\377' | dd of=" +
                          testing::ShellQuote(ArchivePath("flip.tar.gz").string()) +
                          " bs=1 seek=" + std::to_string(size / 2) + " conv=notrunc status=none"),
      0);
  ExpectRefused("flip.tar.gz", "corrupt-stream");
}

TEST_F(TarHostileTest, LimitsHoldWhileStreaming) {
  testing::TempDir tree;
  testing::WriteTree(tree.path(), {{"zeros.bin", std::string(20'000'000, '\0')},
                                   {"a.txt", "a"},
                                   {"b.txt", "b"},
                                   {"c.txt", "c"}});
  ASSERT_EQ(
      testing::RunCommand("cd " + testing::ShellQuote(tree.path().string()) + " && tar -czf " +
                          testing::ShellQuote(ArchivePath("bomb.tar.gz").string()) +
                          " a.txt zeros.bin b.txt c.txt"),
      0);
  testing::JobOptions ratio;
  ratio.limits.max_archive_ratio = 100;
  ExpectRefused("bomb.tar.gz", "archive-ratio-limit", ratio);
  testing::JobOptions total;
  total.limits.max_total_bytes = 1'000'000;
  ExpectRefused("bomb.tar.gz", "limit", total);
  testing::JobOptions members;
  members.limits.max_members = 2;
  ExpectRefused("bomb.tar.gz", "too-many-members", members);
}

TEST_F(TarHostileTest, ResumeKeepsWhatAnEarlierRunWroteAndPrunesTheOldVersion) {
  testing::TempDir tree;
  testing::WriteTree(tree.path(), {{"a.txt", "alpha"}, {"b.txt", "beta"}, {"c.txt", "gamma"}});
  const std::string cd = "cd " + testing::ShellQuote(tree.path().string()) + " && ";
  const std::string archive = testing::ShellQuote(ArchivePath("r.tar.gz").string());
  ASSERT_EQ(testing::RunCommand(cd + "tar -czf " + archive + " a.txt b.txt c.txt"), 0);
  auto first = testing::RunJob(*store_, {"bkt", "r.tar.gz"}, *store_, {});
  EXPECT_EQ(first.members_written, 3u);
  // As if the first run had died before its manifest and its last member.
  std::filesystem::remove(root_ / "bkt" / "r" / ".unpackd" / "manifest.json");
  std::filesystem::remove(root_ / "bkt" / "r" / "c.txt");
  auto resumed = testing::RunJob(*store_, {"bkt", "r.tar.gz"}, *store_, {});
  EXPECT_EQ(resumed.members_reused, 2u);
  EXPECT_EQ(resumed.members_written, 1u);
  // A new version without b.txt: b.txt is pruned once the new manifest is written.
  ASSERT_EQ(testing::RunCommand(cd + "rm b.txt && echo new > d.txt && tar -czf " + archive +
                                " a.txt c.txt d.txt"),
            0);
  auto replaced = testing::RunJob(*store_, {"bkt", "r.tar.gz"}, *store_, {});
  EXPECT_EQ(replaced.members_written, 3u);
  EXPECT_EQ(replaced.objects_pruned, 1u);
  EXPECT_FALSE(std::filesystem::exists(root_ / "bkt" / "r" / "b.txt"));
  EXPECT_EQ(testing::ReadFileString(root_ / "bkt" / "r" / "d.txt"), "new\n");
}

}  // namespace
}  // namespace unpackd
