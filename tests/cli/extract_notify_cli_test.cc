// `unpackd extract --notify`: the built binary against real receivers on loopback.
#include <gtest/gtest.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "notify/webhook_signature.h"
#include "support/archive_maker.h"
#include "support/command_run.h"
#include "support/file_object.h"
#include "support/loopback_http_server.h"
#include "support/loopback_port.h"
#include "support/temp_dir.h"

namespace unpackd {
namespace {

constexpr const char* kSecret = "cli-test-secret";

class ExtractNotifyCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_.path() / "store";
    std::filesystem::create_directories(root_ / "bkt" / "u" / "p");
  }

  testing::CommandResult Unpackd(const std::string& args) {
    return testing::RunCapturing(std::string("env UNPACKD_WEBHOOK_SECRET=") + kSecret + " " +
                                     UNPACKD_BIN_PATH + " --root " +
                                     testing::ShellQuote(root_.string()) + " " + args,
                                 dir_.path());
  }

  std::string Archive(const std::string& key, const testing::MemberMap& members) {
    const auto path = root_ / "bkt" / key;
    testing::MakeZipWithPython(path, members);
    return path.string();
  }

  // Starts a receiver that records bodies and answers `status`.
  std::unique_ptr<testing::LoopbackHttpServer> Receiver(int status) {
    return std::make_unique<testing::LoopbackHttpServer>(
        [this, status](const testing::LoopbackRequest& request) {
          std::lock_guard lock(mutex_);
          requests_.push_back(request);
          testing::LoopbackResponse response;
          response.status = status;
          return response;
        });
  }

  std::vector<testing::LoopbackRequest> Requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

  testing::TempDir dir_;
  std::filesystem::path root_;
  std::mutex mutex_;
  std::vector<testing::LoopbackRequest> requests_;
};

TEST_F(ExtractNotifyCliTest, SuccessIsDeliveredSignedAndReported) {
  auto backend = Receiver(204);
  const std::string archive = Archive("u/p/result.zip", {{"a.txt", "hello"}});
  const auto r = Unpackd("extract " + testing::ShellQuote(archive) +
                         " --notify webhook=" + backend->url() + "/hook --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto requests = Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_TRUE(notify::VerifySignatureHeader(kSecret, requests[0].Header("unpackd-signature"),
                                            requests[0].body, std::time(nullptr), 300));
  const auto payload = nlohmann::json::parse(requests[0].body);
  EXPECT_EQ(payload["kind"], "job.succeeded");
  EXPECT_EQ(payload["archive"]["key"], "u/p/result.zip");
  const auto out = nlohmann::json::parse(r.out);
  ASSERT_EQ(out["notifications"].size(), 1u);
  EXPECT_EQ(out["notifications"][0]["delivered"], true);
  // The secret is never printed.
  EXPECT_EQ(r.out.find(kSecret), std::string::npos);
  EXPECT_EQ(r.err.find(kSecret), std::string::npos);
}

TEST_F(ExtractNotifyCliTest, UndeliveredAfterASuccessExitsSeven) {
  const int port = testing::FreeLoopbackPort();  // nothing listens there
  const std::string archive = Archive("u/p/result.zip", {{"a.txt", "hello"}});
  const auto r = Unpackd("extract " + testing::ShellQuote(archive) +
                         " --notify webhook=http://127.0.0.1:" + std::to_string(port) +
                         "/hook --notify-timeout 2");
  EXPECT_EQ(r.exit_code, 7) << r.err;
  EXPECT_NE(r.err.find("not delivered"), std::string::npos) << r.err;
  // The extraction itself is complete.
  EXPECT_TRUE(std::filesystem::exists(root_ / "bkt/u/p/result/.unpackd/manifest.json"));
}

TEST_F(ExtractNotifyCliTest, RefusedArchiveKeepsItsExitCodeAndIsReported) {
  auto backend = Receiver(200);
  const std::string archive = Archive("u/p/evil.zip", {{"../evil.txt", "x"}});
  const auto r = Unpackd("extract " + testing::ShellQuote(archive) +
                         " --notify webhook=" + backend->url() + "/hook");
  EXPECT_EQ(r.exit_code, 3) << r.err;
  const auto requests = Requests();
  ASSERT_EQ(requests.size(), 1u);
  const auto payload = nlohmann::json::parse(requests[0].body);
  EXPECT_EQ(payload["kind"], "archive.refused");
  EXPECT_NE(payload["error"]["message"].get<std::string>().find("../evil.txt"), std::string::npos);
}

TEST_F(ExtractNotifyCliTest, BadSpecsAreUsageErrorsBeforeAnyWork) {
  const std::string archive = Archive("u/p/result.zip", {{"a.txt", "hello"}});
  auto r = Unpackd("extract " + testing::ShellQuote(archive) + " --notify pager=http://x");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  // A webhook to a public host over plain http would send the signed body in clear text.
  r = Unpackd("extract " + testing::ShellQuote(archive) +
              " --notify webhook=http://backend.example.com/hook");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_FALSE(std::filesystem::exists(root_ / "bkt/u/p/result/.unpackd/manifest.json"));
}

}  // namespace
}  // namespace unpackd
