#include "support/lambda_runtime_double_fixture.h"

#include <httplib.h>

#include "support/serve_process.h"

namespace unpackd::testing {

namespace {

std::vector<std::string> DoubleCommand(int timeout_seconds) {
  // Debian's python: botocore (python3-boto3) checks the Invoke API's signatures.
  return {"/usr/bin/python3",
          "-u",
          std::string(UNPACKD_TEST_TOOLS_DIR) + "/lambda_runtime_double.py",
          "--port",
          "0",
          "--timeout-seconds",
          std::to_string(timeout_seconds),
          "--function-name",
          LambdaRuntimeDoubleFixture::kFunctionName,
          "--access-key",
          "S3RVER",
          "--secret-key",
          "S3RVER"};
}

}  // namespace

LambdaRuntimeDoubleFixture::LambdaRuntimeDoubleFixture(int timeout_seconds)
    : tool_(DoubleCommand(timeout_seconds), "lambda-runtime-double") {}

std::string LambdaRuntimeDoubleFixture::address() const {
  return "127.0.0.1:" + std::to_string(tool_.port());
}

std::string LambdaRuntimeDoubleFixture::Invoke(const std::string& event, int timeout_seconds) {
  httplib::Client client("127.0.0.1", tool_.port());
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
  httplib::Client client("127.0.0.1", tool_.port());
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

}  // namespace unpackd::testing
