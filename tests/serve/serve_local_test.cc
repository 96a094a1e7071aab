// `unpackd serve` on the embedded local store: the README's first command. Real processes,
// real inotify, real archives made by Python's zipfile.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support/archive_maker.h"
#include "support/file_object.h"
#include "support/serve_process.h"
#include "support/temp_dir.h"

namespace unpackd {
namespace {

using std::chrono::seconds;

class ServeLocalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_.path() / "store";
    state_ = dir_.path() / "state";
    std::filesystem::create_directories(root_ / "bkt" / "user-1" / "project-1");
  }

  // Makes the archive outside the store and moves it in: one rename, as `mv` does.
  void Drop(const std::string& key, const testing::MemberMap& members) {
    const auto staging = dir_.path() / "staging.zip";
    testing::MakeZipWithPython(staging, members);
    std::filesystem::create_directories((root_ / "bkt" / key).parent_path());
    std::filesystem::rename(staging, root_ / "bkt" / key);
  }

  std::filesystem::path Manifest(const std::string& folder) {
    return root_ / "bkt" / folder / ".unpackd" / "manifest.json";
  }

  nlohmann::json ReadManifest(const std::string& folder) {
    return nlohmann::json::parse(testing::ReadFileString(Manifest(folder)));
  }

  // Log lines whose "msg" is `msg`.
  static std::vector<nlohmann::json> Lines(const std::string& log, const std::string& msg) {
    std::vector<nlohmann::json> out;
    std::istringstream in(log);
    for (std::string line; std::getline(in, line);) {
      const auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_object() && j.value("msg", "") == msg) out.push_back(j);
    }
    return out;
  }

  testing::TempDir dir_;
  std::filesystem::path root_, state_;
};

TEST_F(ServeLocalTest, ArchiveDroppedInIsExtractedBesideIt) {
  testing::ServeProcess serve(root_, state_);
  Drop("user-1/project-1/result.zip",
       {{"report.txt", "hello"}, {"images/a.json", "{}"}, {"결과/요약.txt", "요약"}});
  ASSERT_TRUE(testing::WaitFor(
      [&] { return std::filesystem::exists(Manifest("user-1/project-1/result")); }, seconds(30)))
      << serve.log();
  EXPECT_EQ(testing::ReadFileString(root_ / "bkt/user-1/project-1/result/report.txt"), "hello");
  EXPECT_EQ(testing::ReadFileString(root_ / "bkt/user-1/project-1/result/결과/요약.txt"), "요약");
  EXPECT_EQ(ReadManifest("user-1/project-1/result")["totals"]["members"], 3);
  // The job's transitions are logged as JSON lines with its id.
  ASSERT_TRUE(
      testing::WaitFor([&] { return !Lines(serve.log(), "job done").empty(); }, seconds(10)));
  const auto done = Lines(serve.log(), "job done");
  ASSERT_EQ(done.size(), 1u) << serve.log();
  EXPECT_EQ(done[0]["key"], "user-1/project-1/result.zip");
  EXPECT_GT(done[0]["job_id"].get<int64_t>(), 0);
  EXPECT_EQ(done[0]["members"], 3);
  // The store writes each object as an unnamed temp file, which the kernel reports closed as
  // "#<inode>": not an object, not worth an "event ignored" line.
  for (const auto& ignored : Lines(serve.log(), "event ignored")) {
    EXPECT_EQ(ignored["key"].get<std::string>().find('#'), std::string::npos) << ignored.dump();
  }
  EXPECT_EQ(serve.Terminate(), 0) << serve.log();
}

TEST_F(ServeLocalTest, FileWrittenInPlaceIsTakenOnlyOnceClosed) {
  testing::ServeProcess serve(root_, state_);
  const auto staging = dir_.path() / "staging.zip";
  testing::MakeZipWithPython(staging, {{"a.txt", testing::TextBytes(200000, 1)}});
  const std::string bytes = testing::ReadFileString(staging);
  {
    std::ofstream out(root_ / "bkt/user-1/project-1/slow.zip", std::ios::binary);
    out.write(bytes.data(), 1000);
    out.flush();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // half-written: not an event
    out.write(bytes.data() + 1000, static_cast<std::streamsize>(bytes.size() - 1000));
  }
  ASSERT_TRUE(testing::WaitFor(
      [&] { return std::filesystem::exists(Manifest("user-1/project-1/slow")); }, seconds(30)))
      << serve.log();
  EXPECT_TRUE(Lines(serve.log(), "job refused").empty()) << serve.log();
  EXPECT_EQ(serve.Terminate(), 0);
}

TEST_F(ServeLocalTest, ArchiveDroppedWhileDownIsExtractedAtStartAndNotTwice) {
  Drop("user-1/project-1/early.zip", {{"x.txt", "x"}});
  {
    testing::ServeProcess serve(root_, state_);
    ASSERT_TRUE(testing::WaitFor(
        [&] { return std::filesystem::exists(Manifest("user-1/project-1/early")); }, seconds(30)))
        << serve.log();
    ASSERT_TRUE(
        testing::WaitFor([&] { return !Lines(serve.log(), "job done").empty(); }, seconds(10)));
    EXPECT_EQ(serve.Terminate(), 0);
  }
  // A restart scans the store again: the same archive version is a duplicate, not a job.
  testing::ServeProcess again(root_, state_);
  Drop("user-1/project-1/later.zip", {{"y.txt", "y"}});
  ASSERT_TRUE(testing::WaitFor(
      [&] { return std::filesystem::exists(Manifest("user-1/project-1/later")); }, seconds(30)))
      << again.log();
  ASSERT_TRUE(
      testing::WaitFor([&] { return !Lines(again.log(), "job done").empty(); }, seconds(10)));
  const auto queued = Lines(again.log(), "job queued");
  ASSERT_EQ(queued.size(), 1u) << again.log();
  EXPECT_EQ(queued[0]["key"], "user-1/project-1/later.zip");
  EXPECT_EQ(again.Terminate(), 0);
}

TEST_F(ServeLocalTest, HostileArchiveIsRefusedWithItsReasonAndTheServiceGoesOn) {
  testing::ServeProcess serve(root_, state_);
  testing::RunPythonZip(dir_.path() / "evil.zip", {{"../../etc/passwd", "x"}},
                        "import zipfile\n"
                        "with zipfile.ZipFile(out, 'w') as z:\n"
                        "    for n, d in members.items(): z.writestr(n, d)\n");
  std::filesystem::rename(dir_.path() / "evil.zip", root_ / "bkt/user-1/project-1/evil.zip");
  ASSERT_TRUE(
      testing::WaitFor([&] { return !Lines(serve.log(), "job refused").empty(); }, seconds(30)))
      << serve.log();
  const auto refused = Lines(serve.log(), "job refused");
  EXPECT_EQ(refused[0]["error_kind"], "archive-refused");
  EXPECT_NE(refused[0]["error"].get<std::string>().find("../../etc/passwd"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(root_ / "bkt/user-1/project-1/evil"));
  // Still serving.
  Drop("user-1/project-1/good.zip", {{"ok.txt", "ok"}});
  EXPECT_TRUE(testing::WaitFor(
      [&] { return std::filesystem::exists(Manifest("user-1/project-1/good")); }, seconds(30)))
      << serve.log();
  EXPECT_EQ(serve.Terminate(), 0);
}

TEST_F(ServeLocalTest, KeysOutsideTheRulesAndOwnOutputAreNotJobs) {
  testing::ServeProcess serve(root_, state_);
  testing::WriteTree(root_ / "bkt", {{"user-1/notes.txt", "not an archive"}});
  Drop("user-1/project-1/outer.zip", {{"inner.zip", "PK not really"}, {"a.txt", "a"}});
  ASSERT_TRUE(testing::WaitFor(
      [&] { return std::filesystem::exists(Manifest("user-1/project-1/outer")); }, seconds(30)))
      << serve.log();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  // outer/inner.zip is our own output: never extracted again (no loop).
  const auto queued = Lines(serve.log(), "job queued");
  ASSERT_EQ(queued.size(), 1u) << serve.log();
  EXPECT_EQ(queued[0]["key"], "user-1/project-1/outer.zip");
  EXPECT_EQ(serve.Terminate(), 0);
}

}  // namespace
}  // namespace unpackd
