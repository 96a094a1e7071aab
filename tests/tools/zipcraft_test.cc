// Checks tests/tools/zipcraft.py against real ZIP readers (python zipfile, Info-ZIP unzip,
// bsdtar), so the hostile archives other tests build are exactly as hostile as intended and
// the well-formed ones are really well-formed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

struct RunResult {
  int status = -1;
  std::string output;  // stdout and stderr
};

RunResult RunCommand(const std::string& command) {
  RunResult result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.output.append(buffer, n);
  const int raw = pclose(pipe);
  result.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return result;
}

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

class ZipcraftTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tools = std::getenv("UNPACKD_TEST_TOOLS");
#ifdef UNPACKD_TEST_TOOLS_DIR
    if (tools == nullptr) tools = UNPACKD_TEST_TOOLS_DIR;
#endif
    ASSERT_NE(tools, nullptr) << "UNPACKD_TEST_TOOLS not set";
    zipcraft_ = fs::path(tools) / "zipcraft.py";
    char pattern[] = "/tmp/zipcraft_test_XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Builds `spec_json` into dir_/name and returns the path.
  std::string Craft(const std::string& name, const std::string& spec_json) {
    const fs::path spec = dir_ / (name + ".json");
    std::ofstream(spec) << spec_json;
    const std::string out = (dir_ / name).string();
    const RunResult r =
        RunCommand("/usr/bin/python3 " + Quote(zipcraft_.string()) + " --spec " +
                   Quote(spec.string()) + " " + Quote(out) + " --layout " + Quote(out + ".layout"));
    EXPECT_EQ(r.status, 0) << r.output;
    return out;
  }

  std::string Example(const std::string& example) {
    const std::string out = (dir_ / (example + ".zip")).string();
    const RunResult r =
        RunCommand("/usr/bin/python3 " + Quote(zipcraft_.string()) + " --example " + example + " " +
                   Quote(out) + " --layout " + Quote(out + ".layout"));
    EXPECT_EQ(r.status, 0) << r.output;
    return out;
  }

  // Runs a Python snippet with `z` = zipfile.ZipFile(path) (and zipfile, json imported).
  RunResult WithZipfile(const std::string& path, const std::string& code) {
    const fs::path script = dir_ / "check.py";
    std::ofstream(script) << "import zipfile, json, sys\nz = zipfile.ZipFile(sys.argv[1])\n"
                          << code << "\n";
    return RunCommand("/usr/bin/python3 " + Quote(script.string()) + " " + Quote(path));
  }

  fs::path zipcraft_;
  fs::path dir_;
};

TEST_F(ZipcraftTest, PlainArchiveIsReadByEveryRealReader) {
  const std::string zip = Craft("p.zip", R"({"entries": [
      {"name": "a.txt", "data": "hello\n", "method": 8},
      {"name": "dir/b.bin", "data": {"repeat": "xyz", "count": 5000}, "method": 12},
      {"name": "c.lz", "data": {"random": 3000, "seed": 5}, "method": 14},
      {"name": "d.txt", "data": "stored"}], "comment": "note"})");
  // Debian's unzip has no LZMA; 7z reads every method used here.
  EXPECT_EQ(RunCommand("7z t " + Quote(zip)).status, 0);
  EXPECT_EQ(RunCommand("bsdtar -tf " + Quote(zip)).status, 0);
  const RunResult py = WithZipfile(zip,
                                   "assert z.testzip() is None\n"
                                   "assert z.read('a.txt') == b'hello\\n'\n"
                                   "assert z.read('dir/b.bin') == b'xyz' * 5000\n"
                                   "assert z.comment == b'note'\nprint(len(z.infolist()))");
  EXPECT_EQ(py.status, 0) << py.output;
  EXPECT_EQ(py.output, "4\n");
}

TEST_F(ZipcraftTest, ZstdAndXzMembersAreReadByBsdtar) {
  const std::string zip = Craft("zx.zip", R"({"entries": [
      {"name": "z.txt", "data": {"repeat": "zstd!", "count": 1000}, "method": 93},
      {"name": "x.txt", "data": {"repeat": "xz!", "count": 1000}, "method": 95}]})");
  EXPECT_EQ(RunCommand("bsdtar -xOf " + Quote(zip) + " z.txt | wc -c").output, "5000\n");
  EXPECT_EQ(RunCommand("bsdtar -xOf " + Quote(zip) + " x.txt | wc -c").output, "3000\n");
}

TEST_F(ZipcraftTest, WrongCrcIsReportedByUnzipAndZipfile) {
  const std::string zip = Example("bad-crc");
  EXPECT_NE(RunCommand("unzip -tq " + Quote(zip)).status, 0);
  const RunResult py = WithZipfile(zip, "print(z.testzip())");
  EXPECT_EQ(py.output, "hello.txt\n");
}

TEST_F(ZipcraftTest, DataDescriptorsInEveryFormAreReadable) {
  for (const char* descriptor :
       {R"({"signature": true})", R"({"signature": false})",
        R"({"signature": true, "zip64": true})", R"({"signature": false, "zip64": true})"}) {
    const std::string zip =
        Craft("dd.zip", std::string(R"({"entries": [{"name": "a.txt", "data": "payload",
            "method": 8, "data_descriptor": )") +
                            descriptor + "}]}");
    const RunResult py = WithZipfile(
        zip, "i = z.infolist()[0]\nassert i.flag_bits & 8\nprint(z.read('a.txt').decode())");
    EXPECT_EQ(py.output, "payload\n") << descriptor;
  }
}

TEST_F(ZipcraftTest, ForcedZip64IsRecognised) {
  const std::string zip = Example("zip64");
  const RunResult py =
      WithZipfile(zip,
                  "print(z.read('hello.txt').decode(), end='')\n"
                  "l = json.load(open(sys.argv[1] + '.layout'))\nprint('zip64_eocd' in l)");
  EXPECT_EQ(py.output, "hello, world\nTrue\n");
  EXPECT_EQ(RunCommand("unzip -tq " + Quote(zip)).status, 0);
}

TEST_F(ZipcraftTest, OverlapPointsEveryCentralRecordAtOneLocalHeader) {
  const std::string zip = Craft("o.zip", R"({"entries": [
      {"name": "k", "data": {"repeat": "A", "count": 100000}, "method": 8},
      {"name": "c1", "same_data_as": 0}, {"name": "c2", "same_data_as": 0}]})");
  const RunResult py =
      WithZipfile(zip,
                  "print(sorted({i.header_offset for i in z.infolist()}), len(z.infolist()),"
                  " z.infolist()[2].file_size)");
  EXPECT_EQ(py.output, "[0] 3 100000\n");
  EXPECT_THAT(RunCommand("unzip -tq " + Quote(zip)).output, HasSubstr("overlap"));
}

TEST_F(ZipcraftTest, LegacyNamesAndUnicodePathExtraAreWhatRealToolsSee) {
  const std::string zip = Craft("n.zip", R"({"entries": [
      {"name": {"text": "결과.txt", "encoding": "cp949"}, "data": "x"},
      {"name": {"text": "Bericht.txt", "encoding": "cp437"}, "unicode_path": "Bericht_결과.txt"},
      {"name": {"nfd": "résumé.txt"}, "utf8": true}]})");
  const RunResult py = WithZipfile(
      zip,
      "n = z.infolist()\n"
      "print(n[0].filename.encode('cp437').decode('cp949'))\n"
      "print(n[2].filename == __import__('unicodedata').normalize('NFD', 'résumé.txt'))");
  EXPECT_EQ(py.output, "결과.txt\nTrue\n");
  EXPECT_THAT(RunCommand("unzip -l " + Quote(zip)).output, HasSubstr("Bericht_결과.txt"));
}

TEST_F(ZipcraftTest, SymlinkAndTraversalNamesReachTheReaders) {
  EXPECT_THAT(RunCommand("bsdtar -tvf " + Quote(Example("symlink"))).output,
              HasSubstr("link -> ../../etc/passwd"));
  const RunResult py =
      WithZipfile(Example("traversal"),
                  "names = [i.orig_filename for i in z.infolist()]\n"
                  "print(len(names), '../evil.txt' in names, 'C:\\\\evil.txt' in names,"
                  " '\\\\\\\\host\\\\share\\\\evil.txt' in names, 'a//b.txt' in names)");
  EXPECT_EQ(py.output, "19 True True True True\n");
}

TEST_F(ZipcraftTest, PrependedDataWithAdjustedAndUnadjustedOffsets) {
  for (const char* example : {"sfx", "sfx-unadjusted"}) {
    const RunResult py =
        WithZipfile(Example(example), "print(z.read('hello.txt').decode(), end='')");
    EXPECT_EQ(py.output, "hello, world\n") << example;
  }
}

TEST_F(ZipcraftTest, EndRecordOverridesAndTruncation) {
  const std::string multi = Example("multi-disk");
  EXPECT_NE(RunCommand("unzip -tq " + Quote(multi)).status, 0);
  const std::string outside = Example("cd-outside-file");
  EXPECT_NE(WithZipfile(outside, "z.testzip()").status, 0);
  const std::string truncated = Craft("t.zip", R"({"entries": [{"name": "a", "data": "b"}],
                                                  "truncate": 40})");
  EXPECT_EQ(fs::file_size(truncated), 40u);
  const std::string fake = Example("fake-eocd-in-comment");
  // The fake record inside the comment is what a backwards scan meets first.
  const RunResult py = RunCommand(
      "/usr/bin/python3 -c \"import sys, json; d = open(sys.argv[1], 'rb').read(); "
      "l = json.load(open(sys.argv[1] + '.layout')); sig = bytes.fromhex('504b0506'); "
      "print(d.rfind(sig) - l['eocd'], d.count(sig), len(d) - l['eocd'])\" " +
      Quote(fake));
  EXPECT_EQ(py.output, "22 2 44\n");
}

// The layouts of issue 15: what the readers unpackd is compared with make of them.
TEST_F(ZipcraftTest, DecoyDirectoryGapAndWrappedCounts) {
  // Python and unzip take the decoy's directory: it is the record they meet first.
  const std::string decoy = Example("decoy-eocd-in-comment");
  EXPECT_EQ(WithZipfile(decoy, "print(z.namelist())").output, "['evil.txt']\n");
  const RunResult layout = RunCommand(
      "/usr/bin/python3 -c \"import sys, json; l = json.load(open(sys.argv[1] + '.layout')); "
      "print(l['comment_directory'] - l['eocd'], l['size'] - l['comment_eocd'])\" " +
      Quote(decoy));
  EXPECT_EQ(layout.output, "22 22\n");
  // unzip reads past a gap between the directory and the end record, and says so.
  EXPECT_THAT(RunCommand("unzip -t " + Quote(Example("gap-before-eocd"))).output,
              HasSubstr("10 extra bytes"));
  // Without ZIP64 the 16-bit counts wrap, as writers without ZIP64 do.
  const std::string wrapped = Craft(
      "w.zip", R"({"entries": [)" + [] {
        std::string entries;
        for (int i = 0; i < 65537; ++i) entries += std::string(i ? "," : "") + R"({"name": "f"})";
        return entries;
      }() + "]}");
  const RunResult counts = RunCommand(
      "/usr/bin/python3 -c \"import sys, struct; d = open(sys.argv[1], 'rb').read(); "
      "print(struct.unpack('<HH', d[-14:-10]))\" " +
      Quote(wrapped));
  EXPECT_EQ(counts.output, "(1, 1)\n");
}

TEST_F(ZipcraftTest, AesExtraAndMethodAreWritten) {
  const RunResult py =
      WithZipfile(Example("aes"),
                  "i = z.infolist()[0]\n"
                  "print(i.compress_type, i.flag_bits & 1, i.extra[:4].hex(), i.extra[4:6])");
  EXPECT_EQ(py.output, "99 1 01990700 b'\\x02\\x00'\n");
}

TEST_F(ZipcraftTest, SpecFromStdinAndBadSpecs) {
  const std::string out = (dir_ / "stdin.zip").string();
  EXPECT_EQ(RunCommand("echo '{\"entries\": [{\"name\": \"a\"}]}' | /usr/bin/python3 " +
                       Quote(zipcraft_.string()) + " --spec - " + Quote(out))
                .status,
            0);
  EXPECT_TRUE(fs::exists(out));
  const RunResult bad = RunCommand(
      "echo '{\"entries\": [{\"name\": {\"bogus\": 1}}]}' | "
      "/usr/bin/python3 " +
      Quote(zipcraft_.string()) + " --spec - " + Quote(out));
  EXPECT_EQ(bad.status, 2);
  EXPECT_THAT(bad.output, HasSubstr("bad spec"));
}

}  // namespace
