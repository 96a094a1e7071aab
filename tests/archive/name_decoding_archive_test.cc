// Name decoding end to end: archives made by real tools (Info-ZIP zip over files whose on-disk
// names are legacy bytes, as a Korean or Japanese system would have them) and by zipcraft
// (Unicode Path extras, NFD names, mixed flags), opened with ZipArchive::Open.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "archive/zip/zip_archive.h"
#include "support/file_object.h"
#include "support/temp_dir.h"
#include "util/error.h"

namespace unpackd {
namespace {

using testing::Python;
using testing::RunCommand;
using testing::RunCommandOutput;
using testing::ShellQuote;
using testing::TempDir;
using testing::ToolPath;

class NameDecodingArchiveTest : public ::testing::Test {
 protected:
  // Info-ZIP zip over files whose names, on disk, are `text` encoded by Python's `codec`.
  // zip on Linux stores name bytes as they are, without the UTF-8 flag or a 0x7075 extra.
  std::filesystem::path InfoZip(const std::vector<std::string>& texts, const std::string& codec) {
    const std::filesystem::path src = dir_.path() / ("src-" + codec);
    std::filesystem::create_directories(src);
    std::string script = "import os\nos.chdir(" + PyStr(src.string()) + ")\n";
    for (const std::string& t : texts) {
      script += "p = " + PyStr(t) + ".encode('" + codec + "')\n" +
                "os.makedirs(os.path.dirname(p) or b'.', exist_ok=True)\n" +
                "open(p, 'wb').write(b'content')\n";
    }
    RunPython(script);
    const std::filesystem::path zip = dir_.path() / (codec + ".zip");
    EXPECT_EQ(RunCommand("cd " + ShellQuote(src.string()) + " && LC_ALL=C zip -qr " +
                         ShellQuote(zip.string()) + " ."),
              0);
    return zip;
  }

  std::filesystem::path Zipcraft(const std::string& spec) {
    const std::filesystem::path spec_path = dir_.path() / "spec.json";
    std::ofstream(spec_path) << spec;
    const std::filesystem::path zip = dir_.path() / "crafted.zip";
    EXPECT_EQ(RunCommand(Python() + " " + ShellQuote(ToolPath("zipcraft.py")) + " --spec " +
                         ShellQuote(spec_path.string()) + " " + ShellQuote(zip.string())),
              0);
    return zip;
  }

  // name -> name_encoding of every entry.
  std::map<std::string, std::string> Names(const std::filesystem::path& zip,
                                           const std::string& forced = "") {
    auto object = testing::OpenFileObject(zip);
    ArchiveOpenOptions options;
    options.names.forced_encoding = forced;
    auto archive = ZipArchive::Open(*object, options);
    std::map<std::string, std::string> names;
    for (const ArchiveEntry& e : archive->entries())
      names[std::string(e.name)] = std::string(e.name_encoding);
    return names;
  }

  static std::string PyStr(const std::string& s) { return "'''" + s + "'''"; }
  void RunPython(const std::string& script) {
    const std::filesystem::path path = dir_.path() / "make.py";
    std::ofstream(path) << script;
    ASSERT_EQ(RunCommand(Python() + " " + ShellQuote(path.string())), 0);
  }

  TempDir dir_;
};

TEST_F(NameDecodingArchiveTest, KoreanNamesFromInfoZipAreCp949) {
  const auto names = Names(InfoZip({"결과.txt", "보고서 최종.json", "사진/여행.jpg"}, "cp949"));
  EXPECT_EQ(names.at("결과.txt"), "cp949");
  EXPECT_EQ(names.at("보고서 최종.json"), "cp949");
  EXPECT_EQ(names.at("사진/여행.jpg"), "cp949");
  EXPECT_EQ(names.at("사진/"), "cp949");
}

TEST_F(NameDecodingArchiveTest, JapaneseNamesFromInfoZipAreShiftJis) {
  const auto names = Names(InfoZip({"結果.txt", "テスト.txt"}, "shift_jis"));
  EXPECT_EQ(names.at("結果.txt"), "shift_jis");
  EXPECT_EQ(names.at("テスト.txt"), "shift_jis");
}

TEST_F(NameDecodingArchiveTest, ChineseNamesFromInfoZipAreGbk) {
  const auto names = Names(InfoZip({"测试数据.csv", "会议记录.docx"}, "gbk"));
  EXPECT_EQ(names.at("测试数据.csv"), "gbk");
  EXPECT_EQ(names.at("会议记录.docx"), "gbk");
}

// Russian names as a Russian system stores them: cp1251 (Windows ANSI), koi8-r (old Unix),
// cp866 (DOS and Windows OEM). Each is found over the archive's names and decoded.
class RussianInfoZipTest : public NameDecodingArchiveTest,
                           public ::testing::WithParamInterface<std::string> {};

TEST_P(RussianInfoZipTest, NamesAreDetectedAsTheirCodePage) {
  const std::string codec = GetParam();
  const auto names =
      Names(InfoZip({"Отчёт_2024.txt", "Документы/приказ.docx", "фото/лето.jpg"}, codec));
  for (const char* name :
       {"Отчёт_2024.txt", "Документы/", "Документы/приказ.docx", "фото/", "фото/лето.jpg"}) {
    ASSERT_EQ(names.count(name), 1u) << name;
    EXPECT_EQ(names.at(name), codec) << name;
  }
  EXPECT_EQ(names.size(), 5u);
}

INSTANTIATE_TEST_SUITE_P(CodePages, RussianInfoZipTest,
                         ::testing::Values("cp1251", "koi8-r", "cp866"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param == "koi8-r" ? std::string("koi8r") : info.param;
                         });

TEST_F(NameDecodingArchiveTest, Utf8NamesFromInfoZipWithoutFlagAreDetected) {
  const auto names = Names(InfoZip({"결과.txt", "テスト.txt"}, "utf-8"));
  EXPECT_EQ(names.at("결과.txt"), "utf-8 (unflagged)");
  EXPECT_EQ(names.at("テスト.txt"), "utf-8 (unflagged)");
}

TEST_F(NameDecodingArchiveTest, ForcedEncodingThroughOpenOptions) {
  const std::filesystem::path zip = InfoZip({"결과.txt"}, "cp949");
  const auto names = Names(zip, "euc-kr");
  EXPECT_EQ(names.count("결과.txt"), 1u);
  try {
    Names(zip, "no-such-encoding");
    FAIL() << "expected a usage error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUsage) << e.what();
  }
}

TEST_F(NameDecodingArchiveTest, UnicodePathExtraNfdAndFlagsThroughTheParser) {
  const auto names = Names(Zipcraft(R"({"entries": [
      {"name": {"text": "Bericht.txt", "encoding": "cp437"}, "unicode_path": "Bericht_결과.txt"},
      {"name": {"text": "alt.txt", "encoding": "cp437"}, "unicode_path": "stale.txt",
       "unicode_path_crc": 1},
      {"name": {"nfd": "résumé.txt"}, "utf8": true},
      {"name": {"nfd": "한글.txt"}}]})"));
  EXPECT_EQ(names.at("Bericht_결과.txt"), "unicode-path-extra");
  EXPECT_EQ(names.at("alt.txt"), "ascii");     // the stale extra is ignored
  EXPECT_EQ(names.at("résumé.txt"), "utf-8");  // NFC, from NFD
  EXPECT_EQ(names.at("한글.txt"), "utf-8 (unflagged)");
  EXPECT_EQ(names.size(), 4u);
}

TEST_F(NameDecodingArchiveTest, FlaggedNameWithAControlCharacterTakesItsUnicodePathExtra) {
  // "report\x01.txt" under the UTF-8 flag would be refused; its CRC-checked extra names it.
  const auto names = Names(Zipcraft(R"({"entries": [
      {"name": {"hex": "7265706f7274012e747874"}, "utf8": true, "unicode_path": "report 1.txt"}]})"));
  EXPECT_EQ(names.at("report 1.txt"), "unicode-path-extra");
  EXPECT_EQ(names.size(), 1u);
}

}  // namespace
}  // namespace unpackd
