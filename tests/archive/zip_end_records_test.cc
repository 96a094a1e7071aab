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

}  // namespace
}  // namespace unpackd
