// Local headers against the central directory (issue 15, item 7): names are compared after
// unpackd's own '\' -> '/' rule, and a data-descriptor flag only the central directory sets is
// accepted when the local header's CRC and sizes agree.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "archive/crafted_zip_fixture.h"

namespace unpackd {
namespace {

class ZipLocalHeadersTest : public testing::CraftedZipTest {};

TEST_F(ZipLocalHeadersTest, BackslashAndSlashNameTheSameMember) {
  const ZipReader& reader = Open(Craft("slashes.zip", R"({"entries": [
          {"name": "dir/file.txt", "data": "one", "central": {"name": "dir\\file.txt"}},
          {"name": "dir\\other.txt", "data": "two", "central": {"name": "dir/other.txt"}}]})"));
  EXPECT_EQ(Content(reader, 0), "one");
  EXPECT_EQ(Content(reader, 1), "two");
}

TEST_F(ZipLocalHeadersTest, NamesThatDifferOtherwiseAreStillRefused) {
  const ZipReader& reader =
      Open(Craft("other.zip", R"({"entries": [{"name": "dir/file.txt", "data": "one",
                                               "central": {"name": "dir\\fil3.txt"}}]})"));
  try {
    Content(reader, 0);
    ADD_FAILURE() << "a local header naming another member was accepted";
  } catch (const Error& e) {
    ExpectRefusal(e, {"local header names 'dir/file.txt'"});
  }
}

TEST_F(ZipLocalHeadersTest, DescriptorFlagOnlyInTheCentralDirectoryIsAccepted) {
  const ZipReader& reader =
      Open(Craft("central-flag.zip", R"({"entries": [{"name": "a.txt", "data": "hello", "method": 8,
                                           "central": {"flags": 8}},
                                          {"name": "b.txt", "data": "next"}]})"));
  EXPECT_TRUE(reader.zip().record(reader.entries()[0]).has_data_descriptor());
  EXPECT_EQ(Content(reader, 0), "hello");
  EXPECT_EQ(Content(reader, 1), "next");
  EXPECT_NO_THROW(reader.CheckMember(reader.entries()[0]));
}

TEST_F(ZipLocalHeadersTest, CentralOnlyDescriptorFlagWithDisagreeingCrcIsRefused) {
  const ZipReader& reader =
      Open(Craft("central-flag-crc.zip", R"({"entries": [{"name": "a.txt", "data": "hello",
                                                           "central": {"flags": 8},
                                                           "local": {"crc": 1}}]})"));
  try {
    Content(reader, 0);
    ADD_FAILURE() << "a disagreeing CRC was accepted";
  } catch (const Error& e) {
    ExpectRefusal(e, {"a.txt", "CRC or sizes disagree"});
  }
}

TEST_F(ZipLocalHeadersTest, DescriptorFlagOnlyInTheLocalHeaderIsStillRefused) {
  const ZipReader& reader =
      Open(Craft("local-flag.zip",
                 R"({"entries": [{"name": "a.txt", "data": "hello", "local": {"flags": 8}}]})"));
  EXPECT_THROW(Content(reader, 0), Error);
}

}  // namespace
}  // namespace unpackd
