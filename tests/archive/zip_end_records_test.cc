// Where the central directory is and how many members it holds (issue 15, items 1-4 and the
// directory-size half of 9): the end records, the ZIP64 locator and the directory must agree
// with each other and with the file, or the archive is refused with the reason. Hostile layouts
// come from tests/tools/zipcraft.py, ordinary ones from Python's zipfile.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "archive/crafted_zip_fixture.h"

namespace unpackd {
namespace {

class ZipEndRecordsTest : public testing::CraftedZipTest {};

constexpr char kThreeEntries[] =
    R"({"name": "a.txt", "data": "a"}, {"name": "b.txt", "data": "b"},
       {"name": "c.txt", "data": "c"})";

// Item 1: the end record said 2 while the directory held 3; the third was dropped silently.
TEST_F(ZipEndRecordsTest, EntryCountBelowTheDirectoryIsRefused) {
  ExpectRefused(Craft("low.zip", std::string(R"({"entries": [)") + kThreeEntries +
                                     R"(], "eocd": {"total_entries": 2, "entries_on_disk": 2}})"),
                {"entry count is 2", "holds 3 records"});
  ExpectRefused(Craft("high.zip", std::string(R"({"entries": [)") + kThreeEntries +
                                      R"(], "eocd": {"total_entries": 4, "entries_on_disk": 4}})"),
                {"entry count is 4", "holds 3 records"});
}

TEST_F(ZipEndRecordsTest, EndRecordCountFieldsThatDisagreeAreRefused) {
  ExpectRefused(Craft("fields.zip", std::string(R"({"entries": [)") + kThreeEntries +
                                        R"(], "eocd": {"entries_on_disk": 2}})"),
                {"entry counts disagree", "2 on this disk", "3 in all"});
}

// Writers without ZIP64 wrap the 16-bit counts: 70,000 members are recorded as 4,464.
TEST_F(ZipEndRecordsTest, WrappedEntryCountWithoutZip64ReadsEveryEntry) {
  std::string entries;
  for (int i = 0; i < 70000; ++i) {
    entries += std::string(i ? "," : "") + R"({"name": "f/)" + std::to_string(i) +
               R"(.txt", "data": ")" + std::to_string(i) + R"("})";
  }
  const auto path = Craft("wrapped.zip", R"({"entries": [)" + entries + "]}");
  const ZipReader& reader = Open(path);
  ASSERT_EQ(reader.entries().size(), 70000u);
  EXPECT_FALSE(reader.info().zip64);
  EXPECT_EQ(reader.entries()[69999].name, "f/69999.txt");
  EXPECT_EQ(Content(reader, 69999), "69999");
  EXPECT_EQ(FindingCodes(reader), std::vector<std::string>{});

  // A count that is not the record count modulo 65,536 is still refused.
  ExpectRefused(Craft("wrong-wrap.zip", R"({"entries": [)" + entries +
                                            R"(], "eocd": {"total_entries": 4465,
                                                          "entries_on_disk": 4465}})"),
                {"entry count is 4465", "holds 70000 records"});
}

// Item 9: a directory size covering bytes that are no record. One "a.txt" record is 51 bytes.
TEST_F(ZipEndRecordsTest, DirectorySizeLargerThanItsRecordsIsRefused) {
  ExpectRefused(Craft("size.zip", R"({"entries": [{"name": "a.txt", "data": "a"}],
                            "between_cd_and_eocd": "sixteen bytes!!!", "eocd": {"cd_size": 67}})"),
                {"67 bytes", "1 record", "51 bytes"});
}

TEST_F(ZipEndRecordsTest, DirectorySizeSmallerThanItsRecordsIsRefused) {
  // 122 bytes: two records and the start of the third.
  ExpectRefused(Craft("small.zip", std::string(R"({"entries": [)") + kThreeEntries +
                                       R"(], "eocd": {"cd_size": 122}})"),
                {"record 2 runs past the directory's declared size of 122 bytes"});
}

// Item 2: a second, complete end record in the comment describing a directory that names a
// member the real directory does not have (its local header is in the file, unlisted).
constexpr char kDecoyEntries[] =
    R"({"name": "a.txt", "data": "real"},
       {"name": "evil.txt", "data": "evil", "no_central": true})";

TEST_F(ZipEndRecordsTest, DecoyEndRecordInTheCommentIsRefused) {
  ExpectRefused(Craft("decoy.zip", std::string(R"({"entries": [)") + kDecoyEntries +
                                       R"(], "comment_directory": {"entries": [1]}})"),
                {"different central directories"});
}

TEST_F(ZipEndRecordsTest, CommentRunningPastTheEndIsNotReadAroundThroughADecoy) {
  // The real record's comment length runs past the end of the file; the decoy inside it ends
  // before the end (trailing bytes) or exactly at it.
  ExpectRefused(Craft("trailing-decoy.zip", std::string(R"({"entries": [)") + kDecoyEntries +
                                                R"(], "eocd": {"comment_length": 400},
                             "comment_directory": {"entries": [1], "suffix": "tail",
                                                   "eocd": {"comment_length": 0}}})"),
                {"different central directories"});
  ExpectRefused(Craft("exact-decoy.zip", std::string(R"({"entries": [)") + kDecoyEntries +
                                             R"(], "eocd": {"comment_length": 400},
                                                "comment_directory": {"entries": [1]}})"),
                {"different central directories"});
}

TEST_F(ZipEndRecordsTest, CommentRunningPastTheEndIsRefused) {
  ExpectRefused(Craft("comment.zip", R"({"entries": [{"name": "a.txt", "data": "a"}],
                                         "comment": "hello", "eocd": {"comment_length": 50}})"),
                {"comment", "runs 45 bytes past the end of the file"});
}

// A copy of the archive's own end record in its comment describes the same directory: no
// ambiguity. Python's zipfile writes the comment.
TEST_F(ZipEndRecordsTest, CopyOfTheEndRecordInTheCommentIsRead) {
  const auto path = dir_.path() / "copy.zip";
  testing::RunPythonZip(path, {{"a.txt", "a"}, {"b.txt", "b"}},
                        "with zipfile.ZipFile(out, 'w') as z:\n"
                        "    for name, data in members.items():\n"
                        "        z.writestr(name, data)\n"
                        "end = open(out, 'rb').read()[-22:]\n"
                        "with zipfile.ZipFile(out, 'a') as z:\n"
                        "    z.comment = end\n");
  const ZipReader& reader = Open(path);
  EXPECT_EQ(Names(reader), (std::vector<std::string>{"a.txt", "b.txt"}));
  EXPECT_EQ(FindingCodes(reader), std::vector<std::string>{});
}

TEST_F(ZipEndRecordsTest, TrailingBytesAfterTheEndRecordAreReported) {
  const ZipReader& reader =
      Open(Craft("trailing.zip", R"({"entries": [{"name": "a.txt", "data": "a"}],
                                     "append": "junk after the end"})"));
  EXPECT_EQ(Names(reader), std::vector<std::string>{"a.txt"});
  EXPECT_EQ(FindingCodes(reader), std::vector<std::string>{"trailing-bytes"});
}

// Item 3: "PK\6\7" in the last central record's name sits exactly where a ZIP64 locator
// would. Python writes the name (it cannot hold NUL bytes, so its disk field is not zero).
TEST_F(ZipEndRecordsTest, FalseZip64LocatorInANameIsIgnored) {
  // The last 20 bytes: signature, disk 0x01010101, offset, 0x01010101 disks.
  const std::string name =
      "note PK\x06\x07" + std::string(4, '\x01') + std::string(8, '\x02') + std::string(4, '\x01');
  const auto path = dir_.path() / "python-locator.zip";
  testing::MakeZipWithPython(path, {{"a.txt", "a"}, {name, "tricky"}});
  const ZipReader& reader = Open(path);
  EXPECT_FALSE(reader.info().zip64);
  ASSERT_EQ(reader.entries().size(), 2u);
  EXPECT_EQ(Content(reader, 1), "tricky");
}

TEST_F(ZipEndRecordsTest, Zip64LocatorNamingNoRecordIsIgnored) {
  // Disk 0, record at offset 0 (a local header), 1 disk: a well-formed locator that lies.
  const ZipReader& reader = Open(Craft("crafted-locator.zip",
                                       R"({"entries": [{"name": "a.txt", "data": "a"},
                      {"name": {"concat": ["b", {"hex": "504b060700000000000000000000000001000000"}]},
                       "data": "b"}]})"));
  EXPECT_FALSE(reader.info().zip64);
  EXPECT_EQ(reader.entries().size(), 2u);
  EXPECT_EQ(Content(reader, 1), "b");
}

TEST_F(ZipEndRecordsTest, Zip64RecordThatDisagreesWithTheEndRecordIsIgnored) {
  // A ZIP64 record and locator, but the plain end record holds real values that the ZIP64
  // record contradicts (5 entries): the plain record is read.
  const ZipReader& reader =
      Open(Craft("disagree.zip", R"({"zip64": true, "entries": [{"name": "a.txt", "data": "a"}],
                          "zip64_eocd": {"total_entries": 5, "entries_on_disk": 5},
                          "eocd": {"total_entries": 1, "entries_on_disk": 1, "cd_size": 51,
                                   "cd_offset": 36}})"));
  EXPECT_FALSE(reader.info().zip64);
  EXPECT_EQ(Names(reader), std::vector<std::string>{"a.txt"});
}

TEST_F(ZipEndRecordsTest, ValidZip64RecordsAreRead) {
  const ZipReader& reader = Open(Craft(
      "zip64.zip", R"({"zip64": true, "entries": [{"name": "a.txt", "data": "a", "zip64": true},
                                                  {"name": "b.txt", "data": "b"}]})"));
  EXPECT_TRUE(reader.info().zip64);
  EXPECT_EQ(Names(reader), (std::vector<std::string>{"a.txt", "b.txt"}));
  EXPECT_EQ(Content(reader, 0), "a");
}

// Item 4: bytes between the directory and the end record (or the ZIP64 end record).
TEST_F(ZipEndRecordsTest, BytesBetweenTheDirectoryAndTheEndRecordAreReported) {
  for (const char* zip64 : {"false", "true"}) {
    const ZipReader& reader =
        Open(Craft(std::string("gap-") + zip64 + ".zip",
                   std::string(R"({"zip64": )") + zip64 + R"(, "entries": [)" + kThreeEntries +
                       R"(], "between_cd_and_eocd": "0123456789"})"));
    EXPECT_EQ(Names(reader), (std::vector<std::string>{"a.txt", "b.txt", "c.txt"})) << zip64;
    EXPECT_EQ(Content(reader, 2), "c");
    ASSERT_EQ(reader.StructuralFindings().size(), 1u) << zip64;
    const Finding finding = reader.StructuralFindings()[0];
    EXPECT_EQ(finding.code, "gap-before-end-record");
    EXPECT_EQ(finding.severity, Severity::kWarning);
    EXPECT_NE(finding.message.find("10 bytes"), std::string::npos) << finding.message;
  }
}

TEST_F(ZipEndRecordsTest, AGapThatHoldsACentralRecordIsRefused) {
  // The size and count cover the first record only; the second sits in the "gap".
  ExpectRefused(Craft("hidden.zip", R"({"entries": [{"name": "a.txt", "data": "a"},
                                                    {"name": "b.txt", "data": "b"}],
                                       "eocd": {"cd_size": 51, "total_entries": 1,
                                                "entries_on_disk": 1}})"),
                {"central-directory record", "after the directory"});
}

}  // namespace
}  // namespace unpackd
