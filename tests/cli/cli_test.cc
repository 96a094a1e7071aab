// The unpackd binary as users run it: exit codes, output, --json, and memory on a big member.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/archive_maker.h"
#include "support/file_object.h"
#include "support/temp_dir.h"

namespace unpackd {
namespace {

struct RunResult {
  int exit_code;
  std::string out, err;
};

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_.path() / "store";
    std::filesystem::create_directories(root_ / "bkt" / "user-1" / "project-1");
  }

  RunResult Unpackd(const std::string& args) {
    return Run(std::string(UNPACKD_BIN_PATH) + " --root " + testing::ShellQuote(root_.string()) +
               " " + args);
  }

  // As a person trying it on a file: in `cwd`, with no --root and no $UNPACKD_ROOT.
  RunResult UnpackdIn(const std::filesystem::path& cwd, const std::string& args) {
    return Run("cd " + testing::ShellQuote(cwd.string()) + " && env -u UNPACKD_ROOT " +
               UNPACKD_BIN_PATH + " " + args);
  }

  RunResult Run(const std::string& command) {
    const auto out = dir_.path() / "stdout", err = dir_.path() / "stderr";
    const std::string cmd = "(" + command + ") >" + testing::ShellQuote(out.string()) + " 2>" +
                            testing::ShellQuote(err.string()) + " </dev/null";
    RunResult r;
    r.exit_code = testing::RunCommand(cmd);
    r.out = testing::ReadFileString(out);
    r.err = testing::ReadFileString(err);
    return r;
  }

  std::string Archive(const std::string& key) { return (root_ / "bkt" / key).string(); }

  testing::TempDir dir_;
  std::filesystem::path root_;
};

TEST_F(CliTest, VersionAndUsageErrors) {
  auto r = Unpackd("--version");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("unpackd "), std::string::npos);
  EXPECT_EQ(Unpackd("").exit_code, 2);
  EXPECT_EQ(Unpackd("extract").exit_code, 2);
  r = Unpackd("extract ftp://x/y.zip");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unsupported URL scheme"), std::string::npos) << r.err;
  r = Unpackd("extract /elsewhere/a.zip");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("not inside the local store root"), std::string::npos) << r.err;
  r = Unpackd("extract --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("Exit codes"), std::string::npos);
}

TEST_F(CliTest, ExtractPrintsObjectsAndJsonAndIsIdempotent) {
  testing::MakeZipWithPython(Archive("user-1/project-1/result.zip"),
                             {{"a.txt", "안녕하세요"}, {"b/c.json", "{}"}});
  auto r = Unpackd("extract " + Archive("user-1/project-1/result.zip"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("user-1/project-1/result/a.txt\t15\ttext/plain; charset=utf-8"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("user-1/project-1/result/b/c.json\t2\tapplication/json"), std::string::npos);
  EXPECT_EQ(r.err.find('\r'), std::string::npos) << "progress bar drawn without a terminal";
  EXPECT_TRUE(std::filesystem::exists(root_ / "bkt/user-1/project-1/result/a.txt"));

  r = Unpackd("extract --json file://" + Archive("user-1/project-1/result.zip"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["status"], "already-complete");
  EXPECT_EQ(json["manifest_key"], "user-1/project-1/result/.unpackd/manifest.json");
  EXPECT_EQ(json["manifest"]["totals"]["members"], 2);
}

TEST_F(CliTest, ExtractToTemplateAndOtherBucket) {
  std::filesystem::create_directories(root_ / "out");
  testing::MakeZipWithPython(Archive("r.zip"), {{"x.txt", "x"}});
  auto r = Unpackd("extract " + Archive("r.zip") + " --to '{stem}-files/{path}' --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(root_ / "bkt/r-files/x.txt"));
  r = Unpackd("extract " + Archive("r.zip") + " --to " + (root_ / "out" / "here").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(root_ / "out/here/x.txt"));
}

TEST_F(CliTest, RefusedArchiveExitCodeAndInspectFindings) {
  testing::MakeZipWithPython(Archive("evil.zip"), {{"../evil.txt", "x"}, {"ok.txt", "ok"}});
  auto r = Unpackd("extract " + Archive("evil.zip"));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("../evil.txt"), std::string::npos) << r.err;
  r = Unpackd("inspect --json " + Archive("evil.zip"));
  EXPECT_EQ(r.exit_code, 3);
  const auto json = nlohmann::json::parse(r.out);
  EXPECT_FALSE(json["safe"].get<bool>());
  ASSERT_EQ(json["findings"].size(), 1u);
  EXPECT_EQ(json["findings"][0]["code"], "unsafe-path");
  EXPECT_EQ(json["members"].size(), 2u);
  r = Unpackd("inspect " + Archive("evil.zip"));
  EXPECT_NE(r.out.find("refuse: unsafe-path in member '../evil.txt'"), std::string::npos) << r.out;
}

// Every job is a thread: --jobs is bounded, and a value outside the bound is a usage error.
TEST_F(CliTest, JobsAreBounded) {
  EXPECT_EQ(Unpackd("extract --jobs 100000 " + Archive("any.zip")).exit_code, 2);
  EXPECT_EQ(Unpackd("extract --jobs 0 " + Archive("any.zip")).exit_code, 2);
}

TEST_F(CliTest, MissingArchiveAndNotAZip) {
  auto r = Unpackd("extract " + Archive("nope.zip"));
  EXPECT_EQ(r.exit_code, 4) << r.err;
  // With --json, what failed is on stdout for programs: kind, code, message, exit code.
  r = Unpackd("extract --json " + Archive("nope.zip"));
  EXPECT_EQ(r.exit_code, 4) << r.err;
  const auto error = nlohmann::json::parse(r.out);
  EXPECT_EQ(error["status"], "error");
  EXPECT_EQ(error["kind"], "not-found");
  EXPECT_EQ(error["exit_code"], 4);
  EXPECT_NE(error["message"].get<std::string>().find("nope.zip"), std::string::npos);
  std::ofstream(Archive("junk.zip")) << "this is not a zip file at all, just text";
  r = Unpackd("extract " + Archive("junk.zip"));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("not a ZIP archive"), std::string::npos) << r.err;
}

// A local header whose name is not UTF-8 is refused with a printable reason, in JSON too.
TEST_F(CliTest, InvalidUtf8InALocalHeaderIsReportedNotACrash) {
  const std::string spec = dir_.path() / "spec.json";
  std::ofstream(spec)
      << R"({"entries":[{"name":"ok.txt","data":"fine"},)"
      << R"({"name":"bad.txt","data":"x","local":{"name":{"hex":"b0e1b0fa2e747874ff"}}}]})";
  ASSERT_EQ(testing::RunCommand(testing::Python() + " " + testing::ToolPath("zipcraft.py") +
                                " --spec " + spec + " " + Archive("x.zip")),
            0);
  auto r = Unpackd("--on-error skip --json extract " + Archive("x.zip"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto json = nlohmann::json::parse(r.out);
  ASSERT_EQ(json["manifest"]["skipped"].size(), 1u);
  EXPECT_NE(json["manifest"]["skipped"][0]["reason"].get<std::string>().find("\\xb0"),
            std::string::npos)
      << json["manifest"]["skipped"][0]["reason"];
  r = Unpackd("inspect --json " + Archive("x.zip"));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NO_THROW(nlohmann::json::parse(r.out));
}

// The split a fan-out makes (a fleet, a Step Functions map): consecutive members, every one
// in exactly one shard, as many shards as keep each within the bounds.
TEST_F(CliTest, InspectShardsShowsTheFanOutSplit) {
  testing::MemberMap members;
  for (int i = 0; i < 10; ++i) members["m-" + std::to_string(i) + ".txt"] = std::string(100, 'x');
  testing::MakeZipWithPython(Archive("many.zip"), members);
  auto r = Unpackd("inspect --json --shards --max-shard-members 4 " + Archive("many.zip"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto shards = nlohmann::json::parse(r.out)["shards"];
  ASSERT_EQ(shards.size(), 3u) << r.out;
  uint32_t next = 0;
  for (size_t i = 0; i < shards.size(); ++i) {
    EXPECT_EQ(shards[i]["shard"], std::to_string(i) + "/3");
    EXPECT_EQ(shards[i]["members"][0], next) << r.out;
    next = shards[i]["members"][1];
    EXPECT_LE(next - shards[i]["members"][0].get<uint32_t>(), 4u) << r.out;
  }
  EXPECT_EQ(next, 10u);
  r = Unpackd("inspect --shards " + Archive("many.zip"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("shards: 1\nshard 0/1: members 0-10, 1000 bytes"), std::string::npos)
      << r.out;
}

TEST_F(CliTest, InspectShowsTheDetectedOrForcedNameEncoding) {
  ASSERT_EQ(testing::RunCommand(testing::Python() + " " + testing::ToolPath("zipcraft.py") +
                                " --example cp949-names " + Archive("kr.zip")),
            0);
  auto r = Unpackd("inspect " + Archive("kr.zip"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("names: cp949"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("결과.txt"), std::string::npos) << r.out;
  r = Unpackd("inspect --json --name-encoding cp437 " + Archive("kr.zip"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["name_encoding"]["legacy"], "cp437");
  EXPECT_TRUE(json["name_encoding"]["forced"].get<bool>());
  EXPECT_EQ(json["members"][0]["name_encoding"], "cp437");
  r = Unpackd("inspect --name-encoding klingon " + Archive("kr.zip"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("klingon"), std::string::npos) << r.err;
}

// Russian names written as raw code-page bytes without the UTF-8 flag, as Russian Windows
// (cp866 for OEM, cp1251 for ANSI) and old Unix systems (koi8-r) leave them: inspect names
// the code page, extract writes the objects under the decoded names.
class CyrillicNamesCliTest : public CliTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(CyrillicNamesCliTest, InspectAndExtractUseTheDetectedCodePage) {
  const std::string codec = GetParam();
  const std::string spec = dir_.path() / "spec.json";
  std::ofstream out(spec);
  out << R"({"entries":[)";
  const char* const kNames[] = {"Отчёт_2024.txt", "Документы/приказ.docx", "фото/лето.jpg"};
  for (const char* name : kNames) {
    out << (name == kNames[0] ? "" : ",") << R"({"name":{"text":")" << name << R"(","encoding":")"
        << codec << R"("},"data":"x"})";
  }
  out << "]}";
  out.close();
  ASSERT_EQ(testing::RunCommand(testing::Python() + " " + testing::ToolPath("zipcraft.py") +
                                " --spec " + spec + " " + Archive("ru.zip")),
            0);
  auto r = Unpackd("inspect " + Archive("ru.zip"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("names: " + codec), std::string::npos) << r.out;
  r = Unpackd("extract " + Archive("ru.zip"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* name : kNames) {
    EXPECT_EQ(testing::ReadFileString(root_ / "bkt" / "ru" / name), "x") << name << "\n" << r.out;
  }
}

INSTANTIATE_TEST_SUITE_P(CodePages, CyrillicNamesCliTest,
                         ::testing::Values("cp1251", "koi8-r", "cp866"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param == "koi8-r" ? std::string("koi8r") : info.param;
                         });

// --max-ratio 0, -1, nan and inf used to turn the bomb check off without a word; "off" says so.
TEST_F(CliTest, MaxRatioRefusesValuesThatWouldDisableTheCheckAndTakesOff) {
  // 2 MiB of zeros deflate about 1000:1: over a limit of 10, within the default of 2000.
  testing::MakeZipWithPython(Archive("dense.zip"), {{"zeros.bin", std::string(2 << 20, '\0')}});
  for (const char* value : {"0", "-1", "nan", "inf", "-inf", "0.5", "ten", "5x"}) {
    const auto r =
        Unpackd(std::string("--max-ratio ") + value + " inspect " + Archive("dense.zip"));
    EXPECT_EQ(r.exit_code, 2) << value << ": " << r.err;
    EXPECT_NE(r.err.find("'off' to disable the check"), std::string::npos) << r.err;
  }
  EXPECT_EQ(Unpackd("--max-ratio 10 extract " + Archive("dense.zip")).exit_code, 3);
  const auto r = Unpackd("--max-ratio off extract " + Archive("dense.zip"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(std::filesystem::file_size(root_ / "bkt/dense/zeros.bin"), 2u << 20);
}

// A 300-byte segment is a valid S3 key but no local file name: inspect finds it, and extract
// refuses that member (exit 3, skippable) instead of stopping with a usage error.
TEST_F(CliTest, ASegmentTooLongForTheLocalStoreIsARefusalOfThatMember) {
  const std::string long_name = "dir/" + std::string(300, 'n') + ".txt";
  testing::MakeZipWithPython(Archive("long.zip"), {{long_name, "long"}, {"ok.txt", "ok"}});
  auto r = Unpackd("inspect --json " + Archive("long.zip"));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  const auto inspected = nlohmann::json::parse(r.out);
  ASSERT_EQ(inspected["findings"].size(), 1u) << r.out;
  EXPECT_EQ(inspected["findings"][0]["code"], "unstorable-name");
  EXPECT_EQ(inspected["findings"][0]["member"], long_name);

  r = Unpackd("extract " + Archive("long.zip"));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("unstorable-name"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("segment longer than 255 bytes"), std::string::npos) << r.err;

  r = Unpackd("extract --on-error skip --json " + Archive("long.zip"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto extracted = nlohmann::json::parse(r.out);
  ASSERT_EQ(extracted["manifest"]["skipped"].size(), 1u);
  EXPECT_EQ(extracted["manifest"]["skipped"][0]["code"], "unstorable-name");
  EXPECT_EQ(testing::ReadFileString(root_ / "bkt/long/ok.txt"), "ok");
}

// Names are data: a newline must not split an error or forge a line of ours, an escape sequence
// must not reach the terminal. JSON keeps them exactly.
TEST_F(CliTest, ControlCharactersInNamesCannotForgeLinesOrReachTheTerminal) {
  const std::string forged = "x\nmanifest: file:///forged";
  testing::MakeZipWithPython(
      Archive("forge.zip"),
      {{forged, "1"}, {"\x1b[2Jclear.txt", "2"}, {"next\u0085line.txt", "3"}, {"ok.txt", "ok"}});
  const RunResult runs[] = {Unpackd("inspect " + Archive("forge.zip")),
                            Unpackd("extract " + Archive("forge.zip")),
                            Unpackd("extract --on-error skip " + Archive("forge.zip"))};
  for (const RunResult& r : runs) {
    const std::string all = r.out + r.err;
    EXPECT_EQ(all.find("\nmanifest: file:///forged"), std::string::npos) << all;
    EXPECT_EQ(all.find('\x1b'), std::string::npos) << all;
    EXPECT_EQ(all.find("\u0085"), std::string::npos) << all;
    EXPECT_NE(all.find("x\\nmanifest: file:///forged"), std::string::npos) << all;
    EXPECT_NE(all.find("\\x1b[2Jclear.txt"), std::string::npos) << all;
    EXPECT_NE(all.find("next\\u0085line.txt"), std::string::npos) << all;
  }
  EXPECT_EQ(runs[1].exit_code, 3);
  EXPECT_EQ(std::count(runs[1].err.begin(), runs[1].err.end(), '\n'), 1) << runs[1].err;
  EXPECT_EQ(runs[2].exit_code, 0) << runs[2].err;

  const auto r = Unpackd("inspect --json " + Archive("forge.zip"));
  const auto members = nlohmann::json::parse(r.out)["members"];
  EXPECT_TRUE(std::any_of(members.begin(), members.end(), [&](const nlohmann::json& m) {
    return m["name"] == forged;
  })) << members;
}

TEST_F(CliTest, EndpointIsCheckedWhenParsedAndItsPasswordNeverPrinted) {
  testing::MakeZipWithPython(Archive("r.zip"), {{"a.txt", "a"}});
  auto r = Unpackd("--endpoint http://user:secret@127.0.0.1:99999 extract s3://b/k.zip");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("'http://user:***@127.0.0.1:99999'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("a port is 1 to 65535"), std::string::npos) << r.err;
  EXPECT_EQ((r.out + r.err).find("secret"), std::string::npos) << r.err;
  for (const char* url : {"ftp://host", "http://", "http://host:0", "host:9000"}) {
    EXPECT_EQ(Unpackd(std::string("--endpoint ") + url + " extract s3://b/k.zip").exit_code, 2)
        << url;
  }
  // awscli's spelling is the same option.
  EXPECT_EQ(Unpackd("--endpoint-url http://127.0.0.1:99999 inspect " + Archive("r.zip")).exit_code,
            2);
  r = Unpackd("inspect --endpoint-url http://127.0.0.1:4568 " + Archive("r.zip"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // From the environment, past the option parser: checked when the S3 store is made.
  r =
      Run("env -u AWS_ENDPOINT_URL_S3 AWS_ENDPOINT_URL=http://u:secret@127.0.0.1:99999 "
          "AWS_ACCESS_KEY_ID=k AWS_SECRET_ACCESS_KEY=s AWS_EC2_METADATA_DISABLED=true " +
          std::string(UNPACKD_BIN_PATH) + " --root " + testing::ShellQuote(root_.string()) +
          " extract s3://b/k.zip");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("http://u:***@127.0.0.1:99999"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("secret"), std::string::npos) << r.err;
}

// A scheme without its "//" used to be taken for a path of the local store.
TEST_F(CliTest, MalformedS3UrlsAreRefusedAsSuch) {
  for (const char* url : {"s3:/b/k.zip", "s3:b/k", "s3:///k"}) {
    const auto r = Unpackd(std::string("extract ") + url);
    EXPECT_EQ(r.exit_code, 2) << url;
    EXPECT_NE(r.err.find("malformed URL"), std::string::npos) << url << ": " << r.err;
  }
}

// CLI11's own report was two lines without our prefix.
TEST_F(CliTest, ParseErrorsAreOneLineWithThePrefix) {
  for (const char* args : {"extract --bogus x.zip", "extract", "--jobs abc extract x.zip",
                           "frobnicate", "--on-error sometimes extract x.zip"}) {
    const auto r = Unpackd(args);
    EXPECT_EQ(r.exit_code, 2) << args;
    EXPECT_TRUE(r.err.starts_with("unpackd: error: ")) << args << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << args << ": " << r.err;
  }
  const auto r = Unpackd("--json extract --bogus " + Archive("x.zip"));
  const auto error = nlohmann::json::parse(r.out);
  EXPECT_EQ(error["kind"], "usage");
  EXPECT_EQ(error["code"], "invalid-arguments");
  EXPECT_EQ(error["exit_code"], 2);
}

TEST_F(CliTest, JsonErrorsNameTheArchive) {
  auto r = Unpackd("extract --json " + Archive("nope.zip"));
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_EQ(nlohmann::json::parse(r.out)["archive"], "file://" + Archive("nope.zip"));
  r = Unpackd("inspect --json s3:/b/k.zip");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(nlohmann::json::parse(r.out)["archive"], "s3:/b/k.zip") << "as given when malformed";
  r = Unpackd("--json extract");
  EXPECT_FALSE(nlohmann::json::parse(r.out).contains("archive")) << "none was named";
}

// `unpackd extract result.zip`, as with unzip: result/ appears beside the zip, whatever the
// directory it is run from and however the path is spelled.
TEST_F(CliTest, AZipOutsideAnyStoreIsExtractedBesideIt) {
  const auto downloads = dir_.path() / "home" / "downloads";
  std::filesystem::create_directories(downloads);
  testing::MakeZipWithPython(downloads / "result.zip", {{"a.txt", "a"}, {"b/c.txt", "c"}});
  auto r = UnpackdIn(downloads, "extract result.zip");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(testing::ReadFileString(downloads / "result/a.txt"), "a");
  EXPECT_EQ(testing::ReadFileString(downloads / "result/b/c.txt"), "c");
  EXPECT_NE(
      r.out.find("manifest: file://" + (downloads / "result/.unpackd/manifest.json").string()),
      std::string::npos)
      << r.out;
  EXPECT_EQ(UnpackdIn(downloads, "inspect ./result.zip").exit_code, 0);
  r = UnpackdIn("/", "extract --json " + (downloads / "result.zip").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["status"], "already-complete") << "the same job";

  testing::MakeZipWithPython(downloads / "other.zip", {{"x.txt", "x"}});
  r = UnpackdIn(dir_.path(), "extract " + (downloads / "other.zip").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(testing::ReadFileString(downloads / "other/x.txt"), "x");

  // A folder that cannot be a bucket: the message says what to type instead.
  const auto hidden = dir_.path() / ".hidden";
  std::filesystem::create_directories(hidden);
  std::filesystem::copy_file(downloads / "other.zip", hidden / "other.zip");
  r = UnpackdIn(hidden, "extract other.zip");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("mkdir d && mv other.zip d/ && unpackd extract d/other.zip"),
            std::string::npos)
      << r.err;
  r = UnpackdIn(downloads, "extract missing.zip");
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("'missing.zip': no such file"), std::string::npos) << r.err;
}

// A member of 1 GiB, made on the fly, streams through in bounded memory: peak RSS of the
// extracting process (measured by GNU time) stays under the 256 MiB default budget.
TEST_F(CliTest, GigabyteMemberStreamsInBoundedMemory) {
#ifdef UNPACKD_SANITIZED
  GTEST_SKIP() << "AddressSanitizer's shadow memory and quarantine distort RSS; measured in the "
                  "normal build";
#endif
  const auto archive = Archive("big/result.zip");
  std::filesystem::create_directories(root_ / "bkt" / "big");
  testing::RunPythonZip(
      archive, {},
      "import random\n"
      "rng = random.Random(1)\n"
      "block = ''.join(rng.choice('abcdefgh \\n') for _ in range(1 << 16)).encode()\n"
      "with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED, compresslevel=1) as z:\n"
      "    with z.open('huge.txt', 'w', force_zip64=True) as f:\n"
      "        for _ in range((1 << 30) // len(block)):\n"
      "            f.write(block)\n");
  const auto rss_file = dir_.path() / "rss";
  const std::string cmd = "/usr/bin/time -f %M -o " + testing::ShellQuote(rss_file.string()) + " " +
                          UNPACKD_BIN_PATH + " --root " + testing::ShellQuote(root_.string()) +
                          " extract --json " + testing::ShellQuote(archive) + " >/dev/null";
  ASSERT_EQ(testing::RunCommand(cmd), 0);
  EXPECT_EQ(std::filesystem::file_size(root_ / "bkt/big/result/huge.txt"), uint64_t{1} << 30);
  const long rss_kib = std::stol(testing::ReadFileString(rss_file));
  RecordProperty("peak_rss_kib", std::to_string(rss_kib));
  std::printf("peak RSS extracting a 1 GiB member: %ld KiB\n", rss_kib);
  EXPECT_LT(rss_kib, 256 * 1024) << "peak RSS " << rss_kib << " KiB";
}

// A tar.xz whose header claims a 1.5 GiB dictionary, over 384 MiB of zeros: libarchive's xz
// filter (no memory limit) would allocate it and fill it as the zeros decode; unpackd refuses
// the header (exit 3) before the dictionary exists.
TEST_F(CliTest, HugeXzDictionaryIsRefusedWithoutAllocatingIt) {
#ifdef UNPACKD_SANITIZED
  GTEST_SKIP() << "AddressSanitizer's shadow memory and quarantine distort RSS; measured in the "
                  "normal build";
#endif
  const auto archive = Archive("dict.tar.xz");
  ASSERT_EQ(testing::RunCommand(testing::Python() + " " + testing::ToolPath("tarcraft.py") +
                                " big-dict " + testing::ShellQuote(archive) + " xz 384 1536"),
            0);
  const auto rss_file = dir_.path() / "rss";
  // The ratio check is off, so only the dictionary limit can stop the stream.
  const auto r = Run("/usr/bin/time -f %M -o " + testing::ShellQuote(rss_file.string()) + " " +
                     UNPACKD_BIN_PATH + " --root " + testing::ShellQuote(root_.string()) +
                     " extract --max-ratio off " + testing::ShellQuote(archive));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("decoder-memory-limit"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("needs 1537 MiB to decode, over the limit of 65 MiB"), std::string::npos)
      << r.err;
  EXPECT_FALSE(std::filesystem::exists(root_ / "bkt" / "dict" / "zeros.bin"));
  // GNU time writes "Command exited with non-zero status 3" first; the figure is last.
  std::string rss_text = testing::ReadFileString(rss_file);
  while (!rss_text.empty() && rss_text.back() == '\n') rss_text.pop_back();
  const long rss_kib = std::stol(rss_text.substr(rss_text.rfind('\n') + 1));
  std::printf("peak RSS refusing a 1.5 GiB xz dictionary: %ld KiB\n", rss_kib);
  EXPECT_LT(rss_kib, 128 * 1024) << "peak RSS " << rss_kib << " KiB";
}

}  // namespace
}  // namespace unpackd
