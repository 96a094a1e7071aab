// Malformed extra fields (issue 15, item 9): a field unpackd reads (ZIP64, Unicode Path, WinZip
// AES) that is malformed refuses the archive, because a mis-read ZIP64 field moves sizes and
// offsets; a malformed field unpackd never reads is tolerated and reported.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "archive/crafted_zip_fixture.h"

namespace unpackd {
namespace {

class ZipExtraFieldsTest : public testing::CraftedZipTest {};

TEST_F(ZipExtraFieldsTest, UnreadFieldRunningPastTheBlockIsReported) {
  // 0x6666 claims 20 bytes; the block holds 4 after its header.
  const ZipReader& reader = Open(Craft("overrun.zip", R"({"entries": [{"name": "a.txt", "data": "a",
                               "central_extra": [{"id": 26214, "data": "abcd", "size": 20}]}]})"));
  const auto findings = reader.StructuralFindings();
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].code, "malformed-extra-field");
  EXPECT_EQ(findings[0].severity, Severity::kWarning);
  EXPECT_EQ(findings[0].member_name, "a.txt");
  EXPECT_NE(findings[0].message.find("0x6666"), std::string::npos) << findings[0].message;
  EXPECT_EQ(Content(reader, 0), "a");
}

TEST_F(ZipExtraFieldsTest, TruncatedExtendedTimestampIsReported) {
  // Flags say "modification time follows"; no time follows.
  const ZipReader& reader = Open(Craft("ut.zip", R"({"entries": [{"name": "a.txt", "data": "a",
                                 "central_extra": [{"id": 21589, "data": {"hex": "01"}}]}]})"));
  ASSERT_EQ(FindingCodes(reader), std::vector<std::string>{"malformed-extra-field"});
  EXPECT_NE(reader.StructuralFindings()[0].message.find("extended timestamp"), std::string::npos);
}

TEST_F(ZipExtraFieldsTest, Zip64FieldRunningPastTheBlockIsRefused) {
  ExpectRefused(Craft("zip64-overrun.zip",
                      R"({"entries": [{"name": "a.txt", "data": "a",
                          "central_extra": [{"id": 1, "data": {"hex": "0100000000000000"},
                                             "size": 24}]}]})"),
                {"a.txt", "ZIP64", "runs past"});
}

TEST_F(ZipExtraFieldsTest, Zip64FieldTooShortForItsSaturatedValuesIsRefused) {
  // Both sizes are 0xFFFFFFFF in the record, but the ZIP64 field holds only one value.
  ExpectRefused(Craft("zip64-short.zip",
                      R"({"entries": [{"name": "a.txt", "data": "a",
                          "central": {"compressed_size": 4294967295,
                                      "uncompressed_size": 4294967295},
                          "central_extra": [{"id": 1, "data": {"hex": "0100000000000000"}}]}]})"),
                {"a.txt", "ZIP64", "compressed size"});
}

TEST_F(ZipExtraFieldsTest, Zip64FieldRunningPastTheLocalBlockIsRefusedWhenTheMemberIsRead) {
  const ZipReader& reader = Open(Craft("local-overrun.zip",
                                       R"({"entries": [{"name": "a.txt", "data": "a",
                     "local_extra": [{"id": 1, "data": {"hex": "0100000000000000"},
                                      "size": 16}]}]})"));
  try {
    Content(reader, 0);
    ADD_FAILURE() << "a local ZIP64 field running past its block was read";
  } catch (const Error& e) {
    ExpectRefusal(e, {"a.txt", "local header", "ZIP64", "runs past"});
  }
}

// Info-ZIP writes extended timestamps and Unix uid/gid fields, 7-Zip NTFS times, Python none:
// none of them is reported.
TEST_F(ZipExtraFieldsTest, RealToolsExtraFieldsRaiseNoFindings) {
  const auto tree = dir_.path() / "tree";
  testing::WriteTree(tree, {{"a.txt", "a"}, {"dir/b.txt", "b"}});
  const std::string cd = "cd " + testing::ShellQuote(tree.string()) + " && ";
  for (const std::string tool : {"zip -qr", "7z a -tzip", "bsdtar --format zip -cf"}) {
    const auto zip = dir_.path() / (std::to_string(objects_.size()) + ".zip");
    ASSERT_EQ(testing::RunCommand(cd + tool + " " + testing::ShellQuote(zip.string()) +
                                  " a.txt dir >/dev/null"),
              0)
        << tool;
    const ZipReader& reader = Open(zip);
    EXPECT_EQ(FindingCodes(reader), std::vector<std::string>{}) << tool;
    EXPECT_GE(reader.entries().size(), 2u) << tool;
  }
}

}  // namespace
}  // namespace unpackd
