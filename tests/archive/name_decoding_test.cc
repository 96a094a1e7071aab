// Tests for member-name decoding.
//
// Every legacy-encoded name is produced at test time by a real encoder: Python's codecs
// (/usr/bin/python3, e.g. "결과.txt".encode("cp949")), and the Unicode Path CRC by Python's
// zlib.crc32. Nothing here is a hand-typed byte string, so a wrong expectation cannot hide in
// the fixture. NFD names are made with unicodedata.normalize("NFD", ...), as macOS writes them.
#include "archive/zip/name_decoding.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unicode/unistr.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "archive/charset_detection.h"
#include "util/error.h"

namespace unpackd {
namespace {

// Runs a Python expression that evaluates to bytes and returns those bytes.
std::string PythonBytes(const std::string& expression) {
  const std::filesystem::path script = std::filesystem::temp_directory_path() /
                                       ("unpackd_names_" + std::to_string(::getpid()) + ".py");
  {
    std::ofstream out(script, std::ios::binary);
    out << "import sys, zlib, unicodedata\n"
        << "sys.stdout.buffer.write(" << expression << ")\n";
  }
  const std::string command = "/usr/bin/python3 " + script.string();
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) throw std::runtime_error("cannot run " + command);
  std::string bytes;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe.get())) > 0) bytes.append(buffer, n);
  const int status = pclose(pipe.release());
  std::filesystem::remove(script);
  if (status != 0) throw std::runtime_error("python failed for: " + expression);
  return bytes;
}

// `text` encoded by Python's codec `codec` (text is given to Python as a UTF-8 literal).
std::string Encode(const std::string& text, const std::string& codec) {
  return PythonBytes("'''" + text + "'''.encode('" + codec + "')");
}

std::string Nfd(const std::string& text) {
  return PythonBytes("unicodedata.normalize('NFD', '''" + text + "''').encode('utf-8')");
}

uint32_t PythonCrc32(const std::string& hex_bytes) {
  return static_cast<uint32_t>(
      std::stoul(PythonBytes("str(zlib.crc32(bytes.fromhex('" + hex_bytes + "'))).encode()")));
}

std::string Hex(const std::string& bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

// One central record's name fields as the test sets them, and what decoding made of them.
struct RawEntry {
  uint32_t index = 0;
  std::string raw_name;
  bool utf8_flag = false;
  std::optional<std::string> unicode_path;
  uint32_t unicode_path_name_crc = 0;
  std::string name;           // decoded
  std::string name_encoding;  // decoded
};

RawEntry Entry(uint32_t index, std::string raw, bool utf8_flag = false) {
  RawEntry e;
  e.index = index;
  e.raw_name = std::move(raw);
  e.utf8_flag = utf8_flag;
  return e;
}

// DecodeEntryNames over records, extras and entries made from `raw`; the results are copied
// back into `raw`.
NameDecodingReport DecodeNames(std::vector<RawEntry>& raw, const NameDecodingOptions& options) {
  std::vector<ZipEntry> records(raw.size());
  std::vector<UnicodePathExtra> extras;
  std::vector<ArchiveEntry> entries(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    records[i].set_raw_name(raw[i].raw_name);
    records[i].flags = raw[i].utf8_flag ? 0x0800 : 0;
    entries[i].index = raw[i].index;
    if (raw[i].unicode_path) {
      extras.push_back(UnicodePathExtra{static_cast<uint32_t>(i), raw[i].unicode_path_name_crc,
                                        *raw[i].unicode_path});
    }
  }
  StringArena strings;
  NameDecodingReport report = DecodeEntryNames(records, extras, entries, options, strings);
  for (size_t i = 0; i < raw.size(); ++i) {
    raw[i].name = std::string(entries[i].name);
    raw[i].name_encoding = std::string(entries[i].name_encoding);
  }
  return report;
}

bool IsValidUtf8(const std::string& s) {
  // Round-trip through ICU: invalid input would come back with U+FFFD and differ.
  const icu::UnicodeString text = icu::UnicodeString::fromUTF8(s);
  std::string back;
  text.toUTF8String(back);
  return back == s;
}

std::string DecodeOne(const std::string& raw, const NameDecodingOptions& options = {}) {
  std::vector<RawEntry> entries{Entry(0, raw)};
  DecodeNames(entries, options);
  return entries[0].name;
}

// ---- UTF-8 flag -------------------------------------------------------------------------

TEST(NameDecodingTest, Utf8FlagNameIsTakenAsUtf8) {
  std::vector<RawEntry> entries{Entry(0, Encode("보고서 최종.json", "utf-8"), true)};
  const NameDecodingReport report = DecodeNames(entries, {});
  EXPECT_EQ(entries[0].name, "보고서 최종.json");
  EXPECT_EQ(entries[0].name_encoding, "utf-8");
  EXPECT_TRUE(report.lossy_entries.empty());
  EXPECT_EQ(report.legacy_encoding, "");
}

TEST(NameDecodingTest, NfdNameFromMacosIsNormalizedToNfc) {
  const std::string nfd = Nfd("결과 résumé.txt");
  const std::string nfc = Encode("결과 résumé.txt", "utf-8");
  ASSERT_NE(nfd, nfc);  // the fixture really is decomposed
  std::vector<RawEntry> entries{Entry(0, nfd, /*utf8_flag=*/true)};
  DecodeNames(entries, {});
  EXPECT_EQ(entries[0].name, nfc);
}

TEST(NameDecodingTest, InvalidUtf8UnderFlagBecomesReplacementCharacterAndIsReported) {
  // A CP949 name stored with the UTF-8 flag set (a buggy tool): not valid UTF-8.
  const std::string raw = Encode("결과.txt", "cp949");
  std::vector<RawEntry> entries{Entry(7, raw, true), Entry(8, "ok.txt", true)};
  const NameDecodingReport report = DecodeNames(entries, {});
  EXPECT_TRUE(IsValidUtf8(entries[0].name));
  EXPECT_NE(entries[0].name.find("\xEF\xBF\xBD"), std::string::npos);  // U+FFFD
  EXPECT_THAT(entries[0].name, ::testing::EndsWith(".txt"));
  EXPECT_EQ(entries[0].name_encoding, "utf-8 (lossy)");
  EXPECT_THAT(report.lossy_entries, ::testing::ElementsAre(7u));
  EXPECT_EQ(entries[1].name_encoding, "utf-8");
}

TEST(NameDecodingTest, OverlongAndSurrogateUtf8AreRejected) {
  // Overlong "/" (C0 AF) and an encoded surrogate (ED A0 80) must never reach a key.
  std::vector<RawEntry> entries{Entry(0, PythonBytes("b'a\\xc0\\xafb'"), true),
                                Entry(1, PythonBytes("b'x\\xed\\xa0\\x80y'"), true)};
  const NameDecodingReport report = DecodeNames(entries, {});
  EXPECT_EQ(entries[0].name.find('/'), std::string::npos);
  EXPECT_TRUE(IsValidUtf8(entries[0].name));
  EXPECT_TRUE(IsValidUtf8(entries[1].name));
  EXPECT_EQ(report.lossy_entries.size(), 2u);
}

// ---- Info-ZIP Unicode Path extra (0x7075) -----------------------------------------------

TEST(NameDecodingTest, UnicodePathExtraWithMatchingCrcWins) {
  // What Info-ZIP zip writes on a CP437 system: a legacy name plus the real name in 0x7075.
  const std::string raw = Encode("Bericht_", "cp437") + PythonBytes("b'\\x81'");
  RawEntry e = Entry(3, raw);
  e.unicode_path = Encode("Bericht_결과.txt", "utf-8");
  e.unicode_path_name_crc = PythonCrc32(Hex(raw));
  std::vector<RawEntry> entries{e};
  const NameDecodingReport report = DecodeNames(entries, {});
  EXPECT_EQ(entries[0].name, "Bericht_결과.txt");
  EXPECT_EQ(entries[0].name_encoding, "unicode-path-extra");
  EXPECT_TRUE(report.stale_unicode_path_entries.empty());
}

TEST(NameDecodingTest, UnicodePathExtraWithMismatchedCrcIsIgnored) {
  // The entry was renamed by a tool that did not update the extra: the CRC is of another name.
  const std::string raw = Encode("결과.txt", "cp949");
  RawEntry e = Entry(4, raw);
  e.unicode_path = Encode("old-name.txt", "utf-8");
  e.unicode_path_name_crc = PythonCrc32(Hex(Encode("old-name.txt", "cp949")));
  std::vector<RawEntry> entries{e};
  const NameDecodingReport report = DecodeNames(entries, {});
  EXPECT_EQ(entries[0].name, "결과.txt");
  EXPECT_EQ(entries[0].name_encoding, "cp949");
  EXPECT_THAT(report.stale_unicode_path_entries, ::testing::ElementsAre(4u));
}

TEST(NameDecodingTest, UnicodePathExtraReplacesAFlaggedNameWithControlCharacters) {
  // The UTF-8 flag on a name holding a control character (refused as a name) and the real
  // name, CRC-checked, in 0x7075: the extra is used, as yauzl does.
  const std::string raw = std::string("report\x01.txt");
  RawEntry e = Entry(0, raw, /*utf8_flag=*/true);
  e.unicode_path = Encode("report 보고서.txt", "utf-8");
  e.unicode_path_name_crc = PythonCrc32(Hex(raw));
  // A clean flagged name keeps its own bytes even with a valid extra beside it.
  RawEntry clean = Entry(1, "clean.txt", /*utf8_flag=*/true);
  clean.unicode_path = Encode("other.txt", "utf-8");
  clean.unicode_path_name_crc = PythonCrc32(Hex("clean.txt"));
  // A stale extra (wrong CRC) never replaces anything.
  RawEntry stale = Entry(2, raw, /*utf8_flag=*/true);
  stale.unicode_path = Encode("stale.txt", "utf-8");
  stale.unicode_path_name_crc = 1;
  std::vector<RawEntry> entries{e, clean, stale};
  DecodeNames(entries, {});
  EXPECT_EQ(entries[0].name, "report 보고서.txt");
  EXPECT_EQ(entries[0].name_encoding, "unicode-path-extra");
  EXPECT_EQ(entries[1].name, "clean.txt");
  EXPECT_EQ(entries[1].name_encoding, "utf-8");
  EXPECT_EQ(entries[2].name, raw);
}

TEST(NameDecodingTest, UnicodePathExtraIsNormalizedAndValidated) {
  const std::string raw = "x.txt";
  RawEntry e = Entry(0, raw);
  e.unicode_path = Nfd("café.txt");
  e.unicode_path_name_crc = PythonCrc32(Hex(raw));
  std::vector<RawEntry> entries{e};
  DecodeNames(entries, {});
  EXPECT_EQ(entries[0].name, Encode("café.txt", "utf-8"));
}

// ---- Legacy detection -------------------------------------------------------------------

struct DetectionCase {
  std::string text;
  std::string codec;     // Python codec that writes the bytes
  std::string expected;  // our canonical name
};

class SingleNameDetectionTest : public ::testing::TestWithParam<DetectionCase> {};

TEST_P(SingleNameDetectionTest, ShortNameAloneIsDetected) {
  const DetectionCase& c = GetParam();
  std::vector<RawEntry> entries{Entry(0, Encode(c.text, c.codec))};
  const NameDecodingReport report = DecodeNames(entries, {});
  EXPECT_EQ(entries[0].name_encoding, c.expected) << report.reason;
  EXPECT_EQ(entries[0].name, c.text) << report.reason;
  EXPECT_FALSE(report.forced);
}

INSTANTIATE_TEST_SUITE_P(Names, SingleNameDetectionTest,
                         ::testing::Values(DetectionCase{"결과.txt", "cp949", "cp949"},
                                           DetectionCase{"보고서 최종.json", "cp949", "cp949"},
                                           DetectionCase{"사진.jpg", "cp949", "cp949"},
                                           DetectionCase{"회의록_2024.docx", "cp949", "cp949"},
                                           DetectionCase{"새 폴더/문서.hwp", "cp949", "cp949"},
                                           DetectionCase{"똠방각하.txt", "cp949",
                                                         "cp949"},  // 똠: UHC-only, outside EUC-KR
                                           DetectionCase{"견적서.xlsx", "euc-kr", "cp949"},
                                           DetectionCase{"結果.txt", "shift_jis", "shift_jis"},
                                           DetectionCase{"テスト.txt", "shift_jis", "shift_jis"},
                                           DetectionCase{"議事録.docx", "cp932", "shift_jis"},
                                           DetectionCase{"写真/旅行.jpg", "cp932", "shift_jis"},
                                           DetectionCase{"结果.txt", "gbk", "gbk"},
                                           DetectionCase{"测试数据.csv", "gbk", "gbk"},
                                           DetectionCase{"会议记录.docx", "gbk", "gbk"},
                                           DetectionCase{"Müller.txt", "cp437", "cp437"},
                                           DetectionCase{"Café.txt", "cp437", "cp437"},
                                           DetectionCase{"Größe.txt", "cp437", "cp437"},
                                           DetectionCase{"Año Niño.pdf", "cp437", "cp437"}));

// Russian names alone in an archive, in the three code pages Russian Windows (cp1251 for ANSI,
// cp866 for OEM, which Explorer's zip writes) and old Unix tools (koi8-r) used. One name is
// enough from about three letters on; a lone one- or two-letter name, or one made only of
// capitals ("СНИЛС"), can be taken for another reading (charset_detection.h).
std::vector<DetectionCase> RussianSingleNames() {
  std::vector<DetectionCase> cases;
  for (const auto& [codec, expected] : {std::pair<std::string, std::string>{"cp1251", "cp1251"},
                                        {"koi8_r", "koi8-r"},
                                        {"cp866", "cp866"}}) {
    for (const char* text :
         {"Отчёт_2024.txt", "Документы/приказ.docx", "фото/лето.jpg", "лето.jpg"}) {
      cases.push_back({text, codec, expected});
    }
  }
  // These bytes are valid UTF-8 too, for a Mongolian letter and an Extension B ideograph.
  cases.push_back({"сад.txt", "cp866", "cp866"});
  cases.push_back({"Ёлка.jpg", "cp866", "cp866"});
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Cyrillic, SingleNameDetectionTest,
                         ::testing::ValuesIn(RussianSingleNames()));

TEST(NameDecodingTest, KoreanArchiveIsDetectedOverAllNamesTogether) {
  // A typical ALZip/Bandizip archive: directories, ASCII files, Korean files.
  std::vector<RawEntry> entries;
  const std::vector<std::string> texts = {"프로젝트/", "프로젝트/결과.txt", "프로젝트/README.md",
                                          "프로젝트/데이터/보고서 최종.json",
                                          "프로젝트/사진/여행 1.jpg"};
  for (size_t i = 0; i < texts.size(); ++i) {
    entries.push_back(Entry(static_cast<uint32_t>(i), Encode(texts[i], "cp949")));
  }
  const NameDecodingReport report = DecodeNames(entries, {});
  EXPECT_EQ(report.legacy_encoding, "cp949") << report.reason;
  for (size_t i = 0; i < texts.size(); ++i) EXPECT_EQ(entries[i].name, texts[i]);
  EXPECT_EQ(entries[2].name_encoding, "cp949");  // legacy path segment, not pure ASCII
}

class CyrillicArchiveTest : public ::testing::TestWithParam<DetectionCase> {};

TEST_P(CyrillicArchiveTest, RussianArchiveIsDetectedOverAllNamesTogether) {
  const std::vector<std::string> texts = {"Документы/",
                                          "Документы/приказ.docx",
                                          "Документы/README.md",
                                          "Документы/Договор аренды.pdf",
                                          "Отчёт_2024.txt",
                                          "фото/лето.jpg",
                                          "фото/Море 2019/IMG_001.jpg",
                                          "СНИЛС.pdf"};
  std::vector<RawEntry> entries;
  for (size_t i = 0; i < texts.size(); ++i) {
    entries.push_back(Entry(static_cast<uint32_t>(i), Encode(texts[i], GetParam().codec)));
  }
  const NameDecodingReport report = DecodeNames(entries, {});
  EXPECT_EQ(report.legacy_encoding, GetParam().expected) << report.reason;
  for (size_t i = 0; i < texts.size(); ++i) EXPECT_EQ(entries[i].name, texts[i]);
  EXPECT_EQ(entries[2].name_encoding, GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(CodePages, CyrillicArchiveTest,
                         ::testing::Values(DetectionCase{"", "cp1251", "cp1251"},
                                           DetectionCase{"", "koi8_r", "koi8-r"},
                                           DetectionCase{"", "cp866", "cp866"}));

TEST(NameDecodingTest, CjkNamesThatAlsoReadAsShortRussianWordsStayCjk) {
  // One double-byte character is two Cyrillic letters in every Cyrillic code page; these read
  // as plausible words there ("Па", "По", "го", "юс", "гогр") and must still go to CJK.
  const std::vector<DetectionCase> cases = {{"相.docx", "gbk", "gbk"},
                                            {"项.docx", "gbk", "gbk"},
                                            {"하_356.txt", "cp949", "cp949"},
                                            {"임.jpg", "cp949", "cp949"},
                                            {"하한.txt", "cp949", "cp949"},
                                            {"이자.txt", "cp949", "cp949"},
                                            {"結果.txt", "shift_jis", "shift_jis"}};
  for (const DetectionCase& c : cases) {
    std::vector<RawEntry> entries{Entry(0, Encode(c.text, c.codec))};
    const NameDecodingReport report = DecodeNames(entries, {});
    EXPECT_EQ(entries[0].name_encoding, c.expected) << c.text << ": " << report.reason;
    EXPECT_EQ(entries[0].name, c.text);
  }
}

TEST(NameDecodingTest, UnflaggedUtf8ThatCp866CouldSpellStaysUtf8) {
  // An en dash is "тАУ" in CP866 and an emoji "ЁЯША": bytes CP866 Russian could have, but
  // no Russian reading, so the UTF-8 proof stands.
  std::vector<RawEntry> entries{Entry(0, Encode("Report – final.txt", "utf-8")),
                                Entry(1, Encode("😀.png", "utf-8"))};
  const NameDecodingReport report = DecodeNames(entries, {});
  EXPECT_EQ(report.legacy_encoding, "utf-8") << report.reason;
  EXPECT_EQ(entries[0].name, "Report – final.txt");
  EXPECT_EQ(entries[1].name, "😀.png");
}

TEST(NameDecodingTest, LargeArchiveIsJudgedOnASampleAndFullyDecoded) {
  // More legacy names than the detector samples (8192); a lone Shift-JIS name in the middle is
  // outvoted, and every Korean name is decoded.
  const std::string korean = Encode("결과_", "cp949");
  const std::string japanese = Encode("テスト.txt", "shift_jis");
  std::vector<RawEntry> entries;
  for (uint32_t i = 0; i < 10000; ++i) {
    entries.push_back(Entry(i, i == 5000 ? japanese : korean + std::to_string(i) + ".txt"));
  }
  const NameDecodingReport report = DecodeNames(entries, {});
  EXPECT_EQ(report.legacy_encoding, "cp949") << report.reason;
  EXPECT_EQ(entries[9999].name, "결과_9999.txt");
  EXPECT_EQ(entries[0].name_encoding, "cp949");
  EXPECT_TRUE(IsValidUtf8(entries[5000].name));
}

TEST(NameDecodingTest, AsciiNamesStayAsciiAndDoNotVote) {
  std::vector<RawEntry> entries{Entry(0, "readme.txt"), Entry(1, Encode("결과.txt", "cp949"))};
  const NameDecodingReport report = DecodeNames(entries, {});
  EXPECT_EQ(entries[0].name, "readme.txt");
  EXPECT_EQ(entries[0].name_encoding, "ascii");
  EXPECT_EQ(entries[1].name_encoding, "cp949");
}

TEST(NameDecodingTest, UnflaggedUtf8FromMacosIsDetectedAndNormalized) {
  // macOS Archive Utility writes decomposed UTF-8 without the flag.
  std::vector<RawEntry> entries{Entry(0, Nfd("결과.txt")), Entry(1, Nfd("Überblick.pdf"))};
  const NameDecodingReport report = DecodeNames(entries, {});
  EXPECT_EQ(report.legacy_encoding, "utf-8") << report.reason;
  EXPECT_EQ(entries[0].name_encoding, "utf-8 (unflagged)");
  EXPECT_EQ(entries[0].name, Encode("결과.txt", "utf-8"));
  EXPECT_EQ(entries[1].name, Encode("Überblick.pdf", "utf-8"));
}

TEST(NameDecodingTest, UnflaggedUtf8JapaneseIsDetected) {
  std::vector<RawEntry> entries{Entry(0, Encode("テスト.txt", "utf-8"))};
  const NameDecodingReport report = DecodeNames(entries, {});
  EXPECT_EQ(report.legacy_encoding, "utf-8") << report.reason;
  EXPECT_EQ(entries[0].name, "テスト.txt");
}

TEST(NameDecodingTest, MixedFlaggedAndLegacyNamesEachUseTheirOwnRule) {
  std::vector<RawEntry> entries{Entry(0, Encode("結果.txt", "utf-8"), true),
                                Entry(1, Encode("テスト.txt", "shift_jis")),
                                Entry(2, Encode("結果.txt", "shift_jis"))};
  const NameDecodingReport report = DecodeNames(entries, {});
  EXPECT_EQ(entries[0].name_encoding, "utf-8");
  EXPECT_EQ(report.legacy_encoding, "shift_jis") << report.reason;
  EXPECT_EQ(entries[1].name, "テスト.txt");
  EXPECT_EQ(entries[2].name, "結果.txt");
}

TEST(NameDecodingTest, UndecodableBytesFallBackToCp437WhichNeverLoses) {
  // Bytes invalid in every double-byte candidate and in UTF-8: CP437 maps all 256 bytes.
  const std::string raw = PythonBytes("bytes([0x41, 0x82, 0x2e, 0xff, 0x80])");
  std::vector<RawEntry> entries{Entry(0, raw)};
  const NameDecodingReport report = DecodeNames(entries, {});
  EXPECT_EQ(entries[0].name_encoding, "cp437") << report.reason;
  EXPECT_EQ(entries[0].name, PythonBytes("bytes([0x41, 0x82, 0x2e, 0xff, 0x80]).decode('cp437')"
                                         ".encode('utf-8')"));
  EXPECT_TRUE(report.lossy_entries.empty());
}

// ---- Forced encodings -------------------------------------------------------------------

TEST(NameDecodingTest, ForcedEncodingOverridesDetection) {
  // The same bytes read as Korean by default, forced to GBK they are Chinese.
  const std::string raw = Encode("결과.txt", "cp949");
  NameDecodingOptions options;
  options.forced_encoding = "gbk";
  std::vector<RawEntry> entries{Entry(0, raw)};
  const NameDecodingReport report = DecodeNames(entries, options);
  EXPECT_TRUE(report.forced);
  EXPECT_EQ(entries[0].name_encoding, "gbk");
  EXPECT_EQ(entries[0].name,
            PythonBytes("bytes.fromhex('" + Hex(raw) + "').decode('gbk').encode('utf-8')"));
}

TEST(NameDecodingTest, ForcedEncodingAcceptsCommonSpellings) {
  NameDecodingOptions options;
  for (const char* spelling : {"CP949", "euc-kr", "UHC", "ms949"}) {
    options.forced_encoding = spelling;
    EXPECT_EQ(DecodeOne(Encode("최종.txt", "cp949"), options), "최종.txt") << spelling;
  }
  for (const char* spelling : {"Shift_JIS", "sjis", "cp932", "windows-31j"}) {
    options.forced_encoding = spelling;
    EXPECT_EQ(DecodeOne(Encode("テスト.txt", "cp932"), options), "テスト.txt") << spelling;
  }
  for (const char* spelling : {"GBK", "cp936", "gb2312"}) {
    options.forced_encoding = spelling;
    EXPECT_EQ(DecodeOne(Encode("结果.txt", "gbk"), options), "结果.txt") << spelling;
  }
  options.forced_encoding = "big5";
  EXPECT_EQ(DecodeOne(Encode("報告.txt", "big5"), options), "報告.txt");
  options.forced_encoding = "cp866";
  EXPECT_EQ(DecodeOne(Encode("Отчёт.txt", "cp866"), options), "Отчёт.txt");
  for (const char* spelling : {"cp1251", "windows-1251", "WINDOWS-1251"}) {
    options.forced_encoding = spelling;
    EXPECT_EQ(DecodeOne(Encode("Отчёт.txt", "cp1251"), options), "Отчёт.txt") << spelling;
  }
  for (const char* spelling : {"koi8-r", "KOI8-R", "koi8"}) {
    options.forced_encoding = spelling;
    EXPECT_EQ(DecodeOne(Encode("Отчёт.txt", "koi8_r"), options), "Отчёт.txt") << spelling;
  }
}

TEST(NameDecodingTest, ForcedCp437ReadsKoreanBytesAsBoxDrawing) {
  NameDecodingOptions options;
  options.forced_encoding = "cp437";
  const std::string raw = Encode("결과.txt", "cp949");
  EXPECT_EQ(DecodeOne(raw, options),
            PythonBytes("bytes.fromhex('" + Hex(raw) + "').decode('cp437').encode('utf-8')"));
}

TEST(NameDecodingTest, WrongForcedEncodingIsLossyAndReported) {
  NameDecodingOptions options;
  options.forced_encoding = "shift_jis";
  // CP949 bytes B0 E1 B0 FA: E1 B0 is a Shift-JIS pair, then FA 2E is not.
  std::vector<RawEntry> entries{Entry(5, Encode("결과.txt", "cp949"))};
  const NameDecodingReport report = DecodeNames(entries, options);
  EXPECT_TRUE(IsValidUtf8(entries[0].name));
  EXPECT_EQ(entries[0].name_encoding, "shift_jis (lossy)");
  EXPECT_THAT(report.lossy_entries, ::testing::ElementsAre(5u));
}

TEST(NameDecodingTest, UnknownForcedEncodingIsAUsageError) {
  NameDecodingOptions options;
  options.forced_encoding = "klingon-8";
  std::vector<RawEntry> entries{Entry(0, "a.txt")};
  try {
    DecodeNames(entries, options);
    FAIL() << "expected Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUsage);
    EXPECT_THAT(e.what(), ::testing::HasSubstr("klingon-8"));
    EXPECT_THAT(e.what(), ::testing::HasSubstr("cp949"));
  }
  EXPECT_EQ(entries[0].name, "");  // nothing touched
  EXPECT_THROW(ValidateNameDecodingOptions(options), Error);
}

TEST(NameDecodingTest, ForcedEncodingDoesNotOverrideUtf8Flag) {
  NameDecodingOptions options;
  options.forced_encoding = "cp949";
  std::vector<RawEntry> entries{Entry(0, Encode("テスト.txt", "utf-8"), true)};
  DecodeNames(entries, options);
  EXPECT_EQ(entries[0].name, "テスト.txt");
  EXPECT_EQ(entries[0].name_encoding, "utf-8");
}

// ---- Robustness -------------------------------------------------------------------------

TEST(NameDecodingTest, ArbitraryBytesAlwaysGiveValidUtf8) {
  // Random bytes (fixed seed, made by Python) in every mode: results are valid UTF-8.
  const std::string blob =
      PythonBytes("bytes(__import__('random').Random(1234).randrange(256) for _ in range(4096))");
  ASSERT_EQ(blob.size(), 4096u);
  for (const char* forced : {"", "cp949", "shift_jis", "gbk", "big5", "utf-8", "gb18030"}) {
    std::vector<RawEntry> entries;
    for (size_t i = 0; i + 16 <= blob.size(); i += 16) {
      entries.push_back(
          Entry(static_cast<uint32_t>(i), blob.substr(i, 1 + (i / 16) % 15), (i / 16) % 5 == 0));
    }
    NameDecodingOptions options;
    options.forced_encoding = forced;
    DecodeNames(entries, options);
    for (const RawEntry& e : entries) {
      ASSERT_TRUE(IsValidUtf8(e.name)) << forced << " entry " << e.index;
    }
  }
}

TEST(PrintableRawNameTest, KeepsUtf8AndEscapesEverythingElse) {
  EXPECT_EQ(PrintableRawName("보고서.txt"), "보고서.txt");
  EXPECT_EQ(PrintableRawName(Encode("결과.txt", "cp949")), "\\xb0\\xe1\\xb0\\xfa.txt");
  EXPECT_EQ(PrintableRawName(std::string("a\nb\0c\x7f", 6)), "a\\x0ab\\x00c\\x7f");
  EXPECT_EQ(PrintableRawName(PythonBytes("b'\\xc2\\x85'")), "\\xc2\\x85");  // C1 control NEL
  EXPECT_EQ(PrintableRawName("abcdef", 3), "abc...");
  // Whatever the bytes, the result is valid UTF-8 (so JSON output cannot fail on it).
  const std::string blob =
      PythonBytes("bytes(__import__('random').Random(99).randrange(256) for _ in range(2000))");
  EXPECT_TRUE(IsValidUtf8(PrintableRawName(blob, blob.size())));
}

TEST(CharsetDetectionTest, ReasonNamesScoresForLogs) {
  const CharsetGuess guess = DetectNameCharset({Encode("결과.txt", "cp949")});
  EXPECT_EQ(guess.charset, "cp949");
  EXPECT_THAT(guess.reason, ::testing::HasSubstr("cp949="));
  EXPECT_THAT(guess.reason, ::testing::HasSubstr("utf-8=invalid"));
}

TEST(CharsetDetectionTest, CyrillicCodePagesAreScoredAndNamedInTheReason) {
  const CharsetGuess guess = DetectNameCharset({Encode("Отчёт_2024.txt", "koi8_r")});
  EXPECT_EQ(guess.charset, "koi8-r");
  EXPECT_THAT(guess.reason, ::testing::HasSubstr("cp1251="));
  EXPECT_THAT(guess.reason, ::testing::HasSubstr("koi8-r="));
  EXPECT_THAT(guess.reason, ::testing::HasSubstr("cp866="));
}

TEST(CharsetDetectionTest, NoNamesMeansCp437) { EXPECT_EQ(DetectNameCharset({}).charset, "cp437"); }

}  // namespace
}  // namespace unpackd
