#include "support/lambda_runtime_double_fixture.h"

#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <regex>
#include <stdexcept>
#include <thread>

#include "support/file_object.h"
#include "support/serve_process.h"
#include "support/spawn_process.h"

namespace unpackd::testing {

LambdaRuntimeDoubleFixture::LambdaRuntimeDoubleFixture(int timeout_seconds) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
      std::string(tmp != nullptr && *tmp ? tmp : "/tmp") + "/unpackd-lambda-api-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  log_path_ = dir_ + "/double.log";
  // Debian's python: botocore (python3-boto3) checks the Invoke API's signatures.
  const std::vector<std::string> args = {
      "/usr/bin/python3", "-u", std::string(UNPACKD_TEST_TOOLS_DIR) + "/lambda_runtime_double.py",
      "--port",           "0",  "--timeout-seconds", std::to_string(timeout_seconds),
      "--function-name",  kFunctionName, "--access-key", "S3RVER", "--secret-key", "S3RVER"};
  pid_ = SpawnProcess(args, log_path_, log_path_);
  const std::regex listening(R"(LISTENING ([0-9]+))");
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
    throw std::runtime_error("the Lambda Runtime API double did not start; its output:\n" +
                             output);
  }
}

LambdaRuntimeDoubleFixture::~LambdaRuntimeDoubleFixture() {
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string LambdaRuntimeDoubleFixture::address() const {
  return "127.0.0.1:" + std::to_string(port_);
}

std::string LambdaRuntimeDoubleFixture::Invoke(const std::string& event, int timeout_seconds) {
  httplib::Client client("127.0.0.1", port_);
  httplib::Headers headers;
  if (timeout_seconds > 0) {
    headers.emplace("X-Test-Timeout-Seconds", std::to_string(timeout_seconds));
  }
  const auto res = client.Post("/_test/invoke", headers, event, "application/json");
  if (!res || res->status != 200) return "";
  const auto answer = nlohmann::json::parse(res->body, nullptr, false);
  return answer.is_object() ? answer.value("request_id", "") : "";
}

nlohmann::json LambdaRuntimeDoubleFixture::State() const {
  httplib::Client client("127.0.0.1", port_);
  const auto res = client.Get("/_test/state");
  if (!res || res->status != 200) return nullptr;
  return nlohmann::json::parse(res->body, nullptr, false);
}

nlohmann::json LambdaRuntimeDoubleFixture::WaitUntilIdle(size_t answered,
                                                          std::chrono::milliseconds timeout) const {
  nlohmann::json state;
  const bool idle = WaitFor(
      [&] {
        state = State();
        if (!state.is_object()) return false;
        size_t ended = 0;
        for (const auto& invocation : state["invocations"]) {
          const std::string status = invocation.value("status", "");
          if (status == "queued" || status == "running") return false;
          ++ended;
        }
        return ended >= answered;
      },
      timeout);
  return idle ? state : nlohmann::json(nullptr);
}

std::string LambdaRuntimeDoubleFixture::log() const { return ReadFileString(log_path_); }

}  // namespace unpackd::testing
