// Crash safety of `unpackd serve`: SIGKILL at random moments while archives stream in, then a
// restart, twenty times. At the end every archive is extracted completely, with one manifest,
// and no job was recorded or completed twice.
#include <gtest/gtest.h>
#include <httplib.h>

#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>

#include "support/archive_maker.h"
#include "support/file_object.h"
#include "support/serve_process.h"
#include "support/temp_dir.h"

namespace unpackd {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kArchives = 24;
constexpr int kMembers = 40;
constexpr int kKills = 20;

std::string MemberName(int i) { return "part-" + std::to_string(i) + "/data.txt"; }

std::map<std::string, int> CountByKey(const std::vector<std::string>& logs, const std::string& msg,
                                      bool only_fresh) {
  std::map<std::string, int> counts;
  for (const auto& log : logs) {
    std::istringstream in(log);
    for (std::string line; std::getline(in, line);) {
      const auto j = nlohmann::json::parse(line, nullptr, false);
      if (!j.is_object() || j.value("msg", "") != msg) continue;
      if (only_fresh && j.value("already_complete", false)) continue;
      ++counts[j.value("key", "")];
    }
  }
  return counts;
}

uint64_t JobsInState(int port, const std::string& state) {
  httplib::Client client("127.0.0.1", port);
  const auto res = client.Get("/metrics");
  if (!res || res->status != 200) return 0;
  std::smatch m;
  const std::regex line("unpackd_jobs\\{state=\"" + state + "\"\\} ([0-9]+)");
  return std::regex_search(res->body, m, line) ? std::stoull(m[1]) : 0;
}

TEST(ServeCrashTest, KilledTwentyTimesEveryArchiveEndsExtractedOnce) {
  testing::TempDir dir;
  const auto root = dir.path() / "store", state = dir.path() / "state";
  std::filesystem::create_directories(root / "bkt" / "runs");
  std::vector<std::filesystem::path> staged;
  for (int a = 0; a < kArchives; ++a) {
    testing::MemberMap members;
    for (int i = 0; i < kMembers; ++i) {
      members[MemberName(i)] = testing::TextBytes(30000, static_cast<uint32_t>(a * 1000 + i));
    }
    staged.push_back(dir.path() / ("staged-" + std::to_string(a) + ".zip"));
    testing::MakeZipWithPython(staged.back(), members);
  }
  const auto archive_key = [](int a) { return "runs/run-" + std::to_string(a) + ".zip"; };

  const uint32_t seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 random(seed);
  std::vector<std::string> logs;
  int next = 0;
  for (int kill = 0; kill < kKills; ++kill) {
    testing::ServeProcess serve(root, state, {"--workers", "2"});
    // One or two archives land while the service runs; the kill comes at any moment after.
    for (int n = 0; n < 2 && next < kArchives; ++n, ++next) {
      std::filesystem::rename(staged[next], root / "bkt" / archive_key(next));
    }
    std::this_thread::sleep_for(milliseconds(std::uniform_int_distribution<int>(0, 500)(random)));
    serve.Kill();
    logs.push_back(serve.log());
  }
  for (; next < kArchives; ++next) {
    std::filesystem::rename(staged[next], root / "bkt" / archive_key(next));
  }
  testing::ServeProcess last(root, state, {"--workers", "2"});
  const bool all_done =
      testing::WaitFor([&] { return JobsInState(last.port(), "done") == kArchives; }, seconds(120));
  logs.push_back(last.log());
  ASSERT_TRUE(all_done) << last.log();
  EXPECT_EQ(JobsInState(last.port(), "queued"), 0u);
  EXPECT_EQ(JobsInState(last.port(), "running"), 0u);
  EXPECT_EQ(JobsInState(last.port(), "failed"), 0u);
  EXPECT_EQ(last.Terminate(), 0);
  logs.back() = last.log();

  for (int a = 0; a < kArchives; ++a) {
    const std::string key = archive_key(a);
    SCOPED_TRACE(key);
    const auto out = root / "bkt" / "runs" / ("run-" + std::to_string(a));
    const auto manifest =
        nlohmann::json::parse(testing::ReadFileString(out / ".unpackd" / "manifest.json"));
    EXPECT_EQ(manifest["totals"]["members"], kMembers);
    for (int i = 0; i < kMembers; ++i) {
      EXPECT_EQ(testing::ReadFileString(out / MemberName(i)),
                testing::TextBytes(30000, static_cast<uint32_t>(a * 1000 + i)));
    }
    size_t files = 0;
    for (auto it = std::filesystem::recursive_directory_iterator(out);
         it != std::filesystem::recursive_directory_iterator(); ++it) {
      if (it->path().filename() == ".unpackd") it.disable_recursion_pending();
      if (it->is_regular_file()) ++files;
    }
    EXPECT_EQ(files, static_cast<size_t>(kMembers));
  }
  // Each archive version was recorded as a job once, and extracted to a manifest at most once
  // by a run that lived to log it (a run killed after its manifest leaves the next run to find
  // the manifest: already complete).
  for (const auto& [key, count] : CountByKey(logs, "job queued", false)) {
    EXPECT_EQ(count, 1) << key;
  }
  for (const auto& [key, count] : CountByKey(logs, "job done", true)) {
    EXPECT_LE(count, 1) << key;
  }
}

}  // namespace
}  // namespace unpackd
