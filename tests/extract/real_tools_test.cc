// Archives written by the tools people actually use, extracted end to end and compared byte
// for byte with the files they were made from.
#include <gtest/gtest.h>

#include "store/local/local_store.h"
#include "support/archive_maker.h"
#include "support/file_object.h"
#include "support/job_runner.h"
#include "support/temp_dir.h"

namespace unpackd {
namespace {

testing::MemberMap TreeMembers() { return testing::ToolTestTree(); }

class RealToolsTest : public ::testing::TestWithParam<std::string> {};

TEST_P(RealToolsTest, ExtractsEveryMemberByteForByte) {
  testing::TempDir dir;
  const auto tree = dir.path() / "tree";
  const auto root = dir.path() / "store";
  testing::WriteTree(tree, TreeMembers());
  std::filesystem::create_directories(root);
  CreateBucket(root, "bkt");
  const auto archive = (root / "bkt" / "result.zip").string();
  const std::string cd = "cd " + testing::ShellQuote(tree.string()) + " && ";
  ASSERT_EQ(
      testing::RunCommand(cd + GetParam() + " " + testing::ShellQuote(archive) + " * >/dev/null"),
      0)
      << GetParam();

  auto store = MakeLocalStore(root);
  const auto result = testing::RunJob(*store, {"bkt", "result.zip"}, *store, {});
  EXPECT_EQ(result.manifest.member_count, TreeMembers().size());
  for (const auto& [name, content] : TreeMembers()) {
    const auto path = root / "bkt" / "result" / name;
    ASSERT_TRUE(std::filesystem::exists(path)) << name;
    EXPECT_TRUE(testing::ReadFileString(path) == content) << name;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Tools, RealToolsTest,
    ::testing::Values("zip -qr", "zip -qr -0", "bsdtar --format zip -cf",
                      "bsdtar --format zip --options zip:compression=store -cf",
                      "7z a -tzip -mm=Deflate", "7z a -tzip -mm=Deflate64", "7z a -tzip -mm=BZip2",
                      "7z a -tzip -mm=LZMA", "7z a -tzip -mm=Copy"),
    [](const ::testing::TestParamInfo<std::string>& info) {
      std::string name;
      for (char c : info.param) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      return name;
    });

}  // namespace
}  // namespace unpackd
