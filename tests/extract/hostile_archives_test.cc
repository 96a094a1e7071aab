// Hostile and damaged archives: each is refused with its reason, and afterwards the store
// holds nothing the archive did not legitimately produce. Archives come from real tools
// (Info-ZIP zip, 7z) where those can make them, and from tests/tools/zipcraft.py otherwise.
#include <gtest/gtest.h>

#include <fstream>

#include "store/local/local_store.h"
#include "store/memory/memory_store.h"
#include "support/archive_maker.h"
#include "support/file_object.h"
#include "support/job_runner.h"
#include "support/temp_dir.h"
#include "util/error.h"

namespace unpackd {
namespace {

class HostileArchiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(root_);
    std::filesystem::create_directories(scratch_);
    CreateBucket(root_, "bkt");
    store_ = MakeLocalStore(root_);
  }

  std::filesystem::path ArchivePath(const std::string& key) { return root_ / "bkt" / key; }

  // Builds `key` from a zipcraft spec (JSON text).
  void Craft(const std::string& key, const std::string& spec_json) {
    const auto spec = scratch_ / (key + ".spec.json");
    std::ofstream(spec) << spec_json;
    ASSERT_EQ(testing::RunCommand(testing::Python() + " " + testing::ToolPath("zipcraft.py") +
                                  " --spec " + testing::ShellQuote(spec.string()) + " " +
                                  testing::ShellQuote(ArchivePath(key).string())),
              0);
  }

  void CraftExample(const std::string& key, const std::string& example) {
    ASSERT_EQ(testing::RunCommand(testing::Python() + " " + testing::ToolPath("zipcraft.py") +
                                  " --example " + example + " " +
                                  testing::ShellQuote(ArchivePath(key).string())),
              0);
  }

  std::vector<std::string> KeysUnder(const std::string& prefix) {
    std::vector<std::string> keys;
    store_->List("bkt", prefix, [&](const ListEntry& e) {
      keys.push_back(e.key);
      return true;
    });
    return keys;
  }

  // Every key in the bucket other than the archives themselves.
  std::vector<std::string> ProducedKeys() {
    std::vector<std::string> keys;
    for (auto& k : KeysUnder("")) {
      if (!k.ends_with(".zip")) keys.push_back(k);
    }
    return keys;
  }

  // Extracts and expects a refusal whose message contains every one of `needles`; then checks
  // that nothing at all was written.
  void ExpectRefused(const std::string& key, std::vector<std::string> needles,
                     testing::JobOptions options = {}) {
    try {
      testing::RunJob(*store_, {"bkt", key}, *store_, options);
      ADD_FAILURE() << key << " was extracted";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kArchiveRefused) << e.what();
      for (const auto& n : needles) {
        EXPECT_NE(std::string(e.what()).find(n), std::string::npos)
            << "'" << n << "' not in: " << e.what();
      }
    }
    EXPECT_EQ(ProducedKeys(), std::vector<std::string>{}) << key;
    // Nothing may appear outside the bucket either.
    for (const auto& entry : std::filesystem::directory_iterator(root_)) {
      EXPECT_EQ(entry.path().filename(), "bkt") << "unexpected " << entry.path();
    }
  }

  testing::TempDir dir_;
  const std::filesystem::path root_ = dir_.path() / "store";       // the store: only archives
  const std::filesystem::path scratch_ = dir_.path() / "scratch";  // specs, trees, inner zips
  std::unique_ptr<ObjectStore> store_;
};

TEST_F(HostileArchiveTest, EveryTraversalSpellingIsRefusedByName) {
  CraftExample("traversal.zip", "traversal");
  ExpectRefused("traversal.zip", {"unsafe-path", "../evil.txt", "path traversal"});
  for (const char* name : {"..\\\\evil.txt", "/etc/evil.txt", "C:\\\\evil.txt",
                           "\\\\\\\\host\\\\share\\\\evil.txt", "a//b.txt"}) {
    Craft("one.zip", std::string(R"({"entries": [{"name": "ok.txt", "data": "ok"}, {"name": ")") +
                         name + R"(", "data": "x"}]})");
    ExpectRefused("one.zip", {"unsafe-path"});
  }
}

TEST_F(HostileArchiveTest, SkipPolicyKeepsTheSafeMembersOnly) {
  CraftExample("traversal.zip", "traversal");
  testing::JobOptions options;
  options.on_error = OnErrorPolicy::kSkip;
  const auto result = testing::RunJob(*store_, {"bkt", "traversal.zip"}, *store_, options);
  // Only the look-alike names are safe: "./a/./b.txt" and "a/\u2025/evil.txt".
  EXPECT_EQ(KeysUnder("traversal/"),
            (std::vector<std::string>{"traversal/.unpackd/manifest.json", "traversal/a/b.txt",
                                      "traversal/a/\u2025/evil.txt"}));
  EXPECT_GE(result.manifest.skipped_count, 15u);
}

TEST_F(HostileArchiveTest, DuplicateAndCaseCollidingNames) {
  Craft("dup.zip",
        R"({"entries": [{"name": "a.txt", "data": "1"}, {"name": "./a.txt", "data": "2"}]})");
  ExpectRefused("dup.zip", {"duplicate-name", "./a.txt"});
  Craft("case.zip",
        R"({"entries": [{"name": "A.txt", "data": "1"}, {"name": "a.txt", "data": "2"}]})");
  const auto result = testing::RunJob(*store_, {"bkt", "case.zip"}, *store_, {});
  EXPECT_EQ(result.members_written, 2u);
  ASSERT_EQ(result.findings.size(), 1u);
  EXPECT_EQ(result.findings[0].code, "case-collision");
}

TEST_F(HostileArchiveTest, AFileBesideAFolderOfTheSameNameIsRefusedBeforeWritingLocally) {
  // "a/b" and "a/b/c": S3 holds both keys; a file system cannot. Refused before any write,
  // not halfway with "a/b" left behind.
  Craft("nest.zip", R"({"entries": [{"name": "ok.txt", "data": "ok"},
      {"name": "a/b", "data": "file"}, {"name": "a/b/c", "data": "inner"}]})");
  ExpectRefused("nest.zip", {"file-is-folder", "'a/b'"});
  Craft("dir.zip", R"({"entries": [{"name": "a/b", "data": "file"}, {"name": "a/b/"}]})");
  ExpectRefused("dir.zip", {"file-is-folder"});

  testing::JobOptions skip;
  skip.on_error = OnErrorPolicy::kSkip;
  const auto result = testing::RunJob(*store_, {"bkt", "nest.zip"}, *store_, skip);
  EXPECT_EQ(KeysUnder("nest/"),
            (std::vector<std::string>{"nest/.unpackd/manifest.json", "nest/a/b/c", "nest/ok.txt"}));
  EXPECT_EQ(result.manifest.skipped_count, 1u);

  // A store whose keys may nest, as S3's do, takes all three.
  const auto memory = MakeMemoryStore();
  EXPECT_EQ(testing::RunJob(*store_, {"bkt", "nest.zip"}, *memory, {}).members_written, 3u);
}

TEST_F(HostileArchiveTest, ALinkAndAFileOfOneNameAreDuplicatesInEitherOrder) {
  // Links are never written, but their names count: the duplicate rule is the same for both.
  for (const char* spec :
       {R"({"entries": [{"name": "a", "symlink": "/etc/passwd"}, {"name": "./a", "data": "x"}]})",
        R"({"entries": [{"name": "a", "data": "x"}, {"name": "./a", "symlink": "/etc"}]})"}) {
    Craft("link.zip", spec);
    ExpectRefused("link.zip", {"duplicate-name"});
  }
  // A link alone, or beside other names, is skipped and reported as before.
  Craft("alone.zip", R"({"entries": [{"name": "l", "symlink": "t"}, {"name": "f", "data": "x"}]})");
  const auto result = testing::RunJob(*store_, {"bkt", "alone.zip"}, *store_, {});
  EXPECT_EQ(result.members_written, 1u);
}

TEST_F(HostileArchiveTest, EncryptedMembersFromRealToolsAreRefused) {
  const auto tree = scratch_ / "tree";
  testing::WriteTree(tree, {{"secret.txt", "top secret"}});
  ASSERT_EQ(
      testing::RunCommand("cd " + testing::ShellQuote(tree.string()) + " && zip -q -P pw " +
                          testing::ShellQuote(ArchivePath("pkware.zip").string()) + " secret.txt"),
      0);
  ExpectRefused("pkware.zip", {"encrypted", "traditional PKWARE", "secret.txt"});
  ASSERT_EQ(testing::RunCommand(
                "cd " + testing::ShellQuote(tree.string()) + " && 7z a -tzip -ppw -mem=AES256 " +
                testing::ShellQuote(ArchivePath("aes.zip").string()) + " secret.txt >/dev/null"),
            0);
  ExpectRefused("aes.zip", {"encrypted", "WinZip AES", "secret.txt"});
}

TEST_F(HostileArchiveTest, SpecialFilesAndUnknownMethods) {
  Craft("dev.zip", R"({"entries": [{"name": "dev/null", "unix_mode": "020666", "data": ""}]})");
  ExpectRefused("dev.zip", {"special-file", "dev/null"});
  CraftExample("m.zip", "unknown-method");
  ExpectRefused("m.zip", {"unsupported-method", "compression method 17"});
}

// Issue 15, item 6: `some-command | zip out.zip -` records the member with the pipe's FIFO
// mode although it holds ordinary data.
TEST_F(HostileArchiveTest, FifoMembersWithDataAreExtractedAsFiles) {
  // A FIFO without data is what a named pipe looks like; sockets and devices never carry data.
  // (First: ExpectRefused checks that the bucket holds nothing else.)
  Craft("empty-fifo.zip", R"({"entries": [{"name": "pipe", "unix_mode": "010644"}]})");
  ExpectRefused("empty-fifo.zip", {"special-file", "pipe"});
  Craft("socket.zip", R"({"entries": [{"name": "sock", "unix_mode": "0140755", "data": "x"}]})");
  ExpectRefused("socket.zip", {"special-file", "sock"});
  Craft("char.zip", R"({"entries": [{"name": "tty", "unix_mode": "020620", "data": "x"}]})");
  ExpectRefused("char.zip", {"special-file", "tty"});

  ASSERT_EQ(testing::RunCommand("echo hi | zip -q " +
                                testing::ShellQuote(ArchivePath("piped.zip").string()) + " -"),
            0);
  const auto result = testing::RunJob(*store_, {"bkt", "piped.zip"}, *store_, {});
  EXPECT_EQ(result.members_written, 1u);
  ASSERT_EQ(result.findings.size(), 1u);
  EXPECT_EQ(result.findings[0].code, "fifo-with-data");
  EXPECT_EQ(result.findings[0].severity, Severity::kWarning);
  EXPECT_EQ(result.manifest.skipped_count, 0u);
  EXPECT_EQ(testing::ReadFileString(root_ / "bkt" / "piped" / "-"), "hi\n");

  CraftExample("fifo.zip", "fifo-with-data");
  EXPECT_EQ(testing::RunJob(*store_, {"bkt", "fifo.zip"}, *store_, {}).members_written, 1u);
}

// A warning about a member's structure (here a truncated timestamp field unpackd does not
// read) is reported, and the member is extracted all the same.
TEST_F(HostileArchiveTest, MembersWithStructuralWarningsAreExtracted) {
  Craft("ut.zip", R"({"entries": [{"name": "a.txt", "data": "a",
                                   "central_extra": [{"id": 21589, "data": {"hex": "01"}}]},
                                  {"name": "b.txt", "data": "b"}]})");
  const auto result = testing::RunJob(*store_, {"bkt", "ut.zip"}, *store_, {});
  EXPECT_EQ(result.members_written, 2u);
  ASSERT_EQ(result.findings.size(), 1u);
  EXPECT_EQ(result.findings[0].code, "malformed-extra-field");
  EXPECT_EQ(result.manifest.skipped_count, 0u);
  EXPECT_EQ(testing::ReadFileString(root_ / "bkt" / "ut" / "a.txt"), "a");
}

// Issue 15, items 1, 2 and 9: the end record, the directory's size and the records it holds
// must agree, or nothing is extracted (no member dropped, none taken from a decoy).
TEST_F(HostileArchiveTest, EndRecordsThatDisagreeWithTheDirectoryAreRefused) {
  CraftExample("low.zip", "entry-count-too-low");
  ExpectRefused("low.zip", {"entry count is 1", "holds 2 records"});
  CraftExample("decoy.zip", "decoy-eocd-in-comment");
  ExpectRefused("decoy.zip", {"different central directories"});
  CraftExample("size.zip", "cd-size-too-large");
  ExpectRefused("size.zip", {"declared size", "are not a record"});
}

TEST_F(HostileArchiveTest, OverlappingDataIsRefusedBeforeAnyWork) {
  Craft("fifield.zip", R"({"entries": [
      {"name": "kernel.bin", "data": {"repeat": "A", "count": 1048576}, "method": 8},
      {"name": "copy1.bin", "same_data_as": 0}, {"name": "copy2.bin", "same_data_as": 0}]})");
  ExpectRefused("fifield.zip", {"overlapping-data", "copy1.bin"});
}

TEST_F(HostileArchiveTest, StructuralDamageIsRefusedWithItsReason) {
  CraftExample("multi.zip", "multi-disk");
  ExpectRefused("multi.zip", {"multi-disk"});
  CraftExample("outside.zip", "cd-outside-file");
  ExpectRefused("outside.zip", {"central directory"});
  CraftExample("trunc.zip", "truncated");
  ExpectRefused("trunc.zip", {});
  CraftExample("lh.zip", "local-central-name-mismatch");
  ExpectRefused("lh.zip", {"local header", "hello.txt"});
  CraftExample("crc.zip", "bad-crc");
  ExpectRefused("crc.zip", {"CRC-32 mismatch", "hello.txt"});
  Craft("size.zip", R"({"entries": [{"name": "s.txt", "data": "twelve bytes", "method": 8,
                                      "local": {"uncompressed_size": 5},
                                      "central": {"uncompressed_size": 5}}]})");
  ExpectRefused("size.zip", {"s.txt"});
}

TEST_F(HostileArchiveTest, OddButValidLayoutsAreRead) {
  for (const char* example :
       {"sfx", "sfx-unadjusted", "fake-eocd-in-comment", "zip64", "descriptor",
        "descriptor-nosig-64", "gap-before-eocd", "false-zip64-locator"}) {
    CraftExample(std::string(example) + ".zip", example);
    const auto result =
        testing::RunJob(*store_, {"bkt", std::string(example) + ".zip"}, *store_, {});
    EXPECT_EQ(result.members_written, 1u) << example;
  }
}

TEST_F(HostileArchiveTest, LimitsStopBombs) {
  // An honest bzip2 bomb: 64 MiB of zeros in a few hundred bytes.
  Craft("bomb.zip", R"({"entries": [{"name": "zeros.bin", "method": 12,
                                      "data": {"repeat": "\u0000", "count": 67108864}}]})");
  ExpectRefused("bomb.zip", {"ratio"});
  // A lying one: declares 1 KiB, inflates to 64 MiB; stopped at the lie.
  Craft("liar.zip", R"({"entries": [{"name": "zeros.bin", "method": 8,
                                      "local": {"uncompressed_size": 1024},
                                      "central": {"uncompressed_size": 1024},
                                      "data": {"repeat": "\u0000", "count": 67108864}}]})");
  ExpectRefused("liar.zip", {"larger than its declared size"});
  // Too many members for the configured limit.
  std::string entries;
  for (int i = 0; i < 20; ++i)
    entries +=
        std::string(i ? "," : "") + R"({"name": "f)" + std::to_string(i) + R"(.txt", "data": "x"})";
  Craft("many.zip", R"({"entries": [)" + entries + "]}");
  testing::JobOptions options;
  options.limits.max_members = 10;
  options.open.max_entries = 10;
  ExpectRefused("many.zip", {"20 members", "10"}, options);
}

// A segment over 255 bytes is a valid S3 key but no file name: the plan asks the destination
// store, so the local store refuses that member (skippable), and S3's rules keep it.
TEST_F(HostileArchiveTest, NamesTheDestinationStoreCannotHoldAreRefusedAsThoseMembers) {
  const std::string long_name = std::string(300, 'n') + ".txt";
  testing::MakeZipWithPython(ArchivePath("long.zip"), {{long_name, "long"}, {"ok.txt", "ok"}});
  ExpectRefused("long.zip", {"unstorable-name", "segment longer than 255 bytes"});

  testing::JobOptions skip;
  skip.on_error = OnErrorPolicy::kSkip;
  const auto result = testing::RunJob(*store_, {"bkt", "long.zip"}, *store_, skip);
  EXPECT_EQ(KeysUnder("long/"),
            (std::vector<std::string>{"long/.unpackd/manifest.json", "long/ok.txt"}));
  EXPECT_EQ(result.manifest.skipped_count, 1u);
  ASSERT_EQ(result.findings.size(), 1u);
  EXPECT_EQ(result.findings[0].code, "unstorable-name");

  const auto s3_like = MakeMemoryStore();
  const auto into_memory = testing::RunJob(*store_, {"bkt", "long.zip"}, *s3_like, {});
  EXPECT_EQ(into_memory.members_written, 2u);
  EXPECT_EQ(s3_like->Stat({"bkt", "long/" + long_name}).size, 4u);
}

TEST_F(HostileArchiveTest, NestedArchivesAreNotRecursed) {
  // 42.zip's trick needs an extractor that recurses; unpackd extracts one level only, so inner
  // archives are ordinary objects.
  testing::MakeZipWithPython(scratch_ / "inner.zip", {{"zeros.bin", std::string(1 << 20, '\0')}});
  testing::MakeZipWithPython(ArchivePath("outer.zip"),
                             {{"inner.zip", testing::ReadFileString(scratch_ / "inner.zip")}});
  const auto result = testing::RunJob(*store_, {"bkt", "outer.zip"}, *store_, {});
  EXPECT_EQ(KeysUnder("outer/"),
            (std::vector<std::string>{"outer/.unpackd/manifest.json", "outer/inner.zip"}));
  EXPECT_EQ(store_->Stat({"bkt", "outer/inner.zip"}).content_type, "application/zip");
}

}  // namespace
}  // namespace unpackd

namespace unpackd {
namespace {

// A CRC that disagrees with the data is found only while streaming, after earlier members were
// written: under --on-error=fail they are deleted again and the error says so; under skip only
// the bad member is missing and the manifest lists it.
class LateRefusalTest : public HostileArchiveTest {
 protected:
  void CraftLateBadCrc(const std::string& key) {
    std::string entries;
    for (int i = 0; i < 6; ++i) {
      entries += std::string(i == 0 ? "" : ",") + R"({"name": "m)" + std::to_string(i) +
                 R"(.txt", "data": "member )" + std::to_string(i) + R"(", "method": 8)" +
                 (i == 4 ? R"(, "crc": 1)" : "") + "}";
    }
    Craft(key, R"({"entries": [)" + entries + "]}");
  }
};

TEST_F(LateRefusalTest, RefusalWhileStreamingRollsBackWhatTheRunWrote) {
  CraftLateBadCrc("late.zip");
  testing::JobOptions one_at_a_time;
  one_at_a_time.jobs = 1;  // members 0..3 are written before member 4 is read
  ExpectRefused("late.zip", {"m4.txt", "CRC", "rolled back", "deleted the 4 objects"},
                one_at_a_time);
}

// On the local store too: v1 complete, then v2 refused while streaming. v1's manifest is gone
// before v2's first object is written, so it never vouches for the mix.
TEST_F(LateRefusalTest, AStaleManifestNeverVouchesForAFailedNewVersion) {
  Craft("late.zip",
        R"({"entries": [{"name": "m0.txt", "data": "v1"}, {"name": "m4.txt", "data": "v1"}]})");
  testing::RunJob(*store_, {"bkt", "late.zip"}, *store_, {});
  ASSERT_EQ(KeysUnder("late/.unpackd/"), std::vector<std::string>{"late/.unpackd/manifest.json"});
  CraftLateBadCrc("late.zip");
  testing::JobOptions one_at_a_time;
  one_at_a_time.jobs = 1;
  EXPECT_THROW(testing::RunJob(*store_, {"bkt", "late.zip"}, *store_, one_at_a_time), Error);
  EXPECT_EQ(KeysUnder("late/.unpackd/"), std::vector<std::string>{});
}

TEST_F(LateRefusalTest, SkipPolicyLeavesOnlyTheBadMemberOut) {
  CraftLateBadCrc("late.zip");
  testing::JobOptions skip;
  skip.jobs = 1;
  skip.on_error = OnErrorPolicy::kSkip;
  const auto result = testing::RunJob(*store_, {"bkt", "late.zip"}, *store_, skip);
  EXPECT_EQ(KeysUnder("late/"),
            (std::vector<std::string>{"late/.unpackd/manifest.json", "late/m0.txt", "late/m1.txt",
                                      "late/m2.txt", "late/m3.txt", "late/m5.txt"}));
  EXPECT_EQ(result.manifest.skipped_count, 1u);
}

}  // namespace
}  // namespace unpackd

namespace unpackd {
namespace {

// 4 MiB of zeros deflate about 1000:1: under the default limit of 2000:1, so it is extracted,
// with a warning that inspect shows as well.
TEST_F(HostileArchiveTest, ARatioUnderTheLimitButAbove200IsExtractedWithAWarning) {
  testing::MakeZipWithPython(ArchivePath("zeros.zip"),
                             {{"zeros.bin", std::string(4 << 20, '\0')}, {"a.txt", "text"}});
  const auto result = testing::RunJob(*store_, {"bkt", "zeros.zip"}, *store_, {});
  EXPECT_EQ(result.members_written, 2u);
  ASSERT_EQ(result.findings.size(), 1u);
  EXPECT_EQ(result.findings[0].code, "high-ratio");
  EXPECT_EQ(result.findings[0].severity, Severity::kWarning);
  EXPECT_EQ(result.findings[0].member_name, "zeros.bin");
}

}  // namespace
}  // namespace unpackd
