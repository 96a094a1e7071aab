#include "support/sqs_double_fixture.h"

#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <regex>
#include <stdexcept>

#include "support/file_object.h"
#include "support/serve_process.h"
#include "support/spawn_process.h"

namespace unpackd::testing {

SqsDoubleFixture::SqsDoubleFixture(const Options& options) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp != nullptr && *tmp ? tmp : "/tmp") + "/unpackd-sqs-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  log_path_ = dir_ + "/sqs_double.log";
  // Debian's python (tests/tools/README.md); the double needs only the standard library.
  std::vector<std::string> args = {"/usr/bin/python3",
                                   "-u",
                                   std::string(UNPACKD_TEST_TOOLS_DIR) + "/sqs_double.py",
                                   "--region",
                                   kRegion,
                                   "--visibility-timeout",
                                   std::to_string(options.visibility_timeout_seconds)};
  for (const auto& queue : options.queues) {
    args.push_back("--queue");
    args.push_back(queue);
  }
  for (const auto& policy : options.redrive) {
    args.push_back("--redrive");
    args.push_back(policy);
  }
  pid_ = SpawnProcess(args, log_path_, log_path_);
  const std::regex listening(R"(listening on 127\.0\.0\.1:([0-9]+))");
  WaitFor(
      [&] {
        std::smatch m;
        const std::string text = log();
        if (std::regex_search(text, m, listening)) port_ = std::stoi(m[1]);
        return port_ > 0 || waitpid(pid_, nullptr, WNOHANG) == pid_;
      },
      std::chrono::seconds(10));
  if (port_ == 0) {
    const std::string output = log();
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    std::filesystem::remove_all(dir_);
    throw std::runtime_error("the SQS double did not start; its output:\n" + output);
  }
}

SqsDoubleFixture::~SqsDoubleFixture() {
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string SqsDoubleFixture::QueueUrl(const std::string& name) const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/000000000000/" + name;
}

nlohmann::json SqsDoubleFixture::Snapshot() const {
  httplib::Client client("127.0.0.1", port_);
  const auto res = client.Get("/_double/queues");
  if (!res || res->status != 200) return nullptr;
  return nlohmann::json::parse(res->body, nullptr, false);
}

int SqsDoubleFixture::Depth(const std::string& queue) const {
  const nlohmann::json snapshot = Snapshot();
  if (!snapshot.is_object()) return -1;
  return snapshot["queues"][queue]["depth"].get<int>();
}

std::string SqsDoubleFixture::log() const { return ReadFileString(log_path_); }

}  // namespace unpackd::testing
