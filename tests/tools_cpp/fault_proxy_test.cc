// Runs the fault proxy's own smoke tests (tests/tools/test_fault_proxy.py) under CTest, so CI
// proves the proxy that benchmarks and reliability tests rely on still delays, injects 503
// SlowDown, resets, stalls, blackouts and lost replies. Each case runs the real proxy process
// against a real HTTP server on loopback; a failing Python assertion fails the matching test here
// with its output.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

namespace {

struct PipeCloser {
  void operator()(FILE* f) const { pclose(f); }
};

// Runs one unittest case of test_fault_proxy.py; returns its exit status and combined output.
std::pair<int, std::string> RunPythonCase(const std::string& test_case) {
  // UNPACKD_TEST_TOOLS normally; the build's tests/tools when CTest did not pass it on.
  const char* env_tools = std::getenv("UNPACKD_TEST_TOOLS");
  const std::string tools = env_tools != nullptr ? std::string(env_tools) : UNPACKD_TEST_TOOLS_DIR;
  const std::string command =
      "/usr/bin/python3 '" + tools + "/test_fault_proxy.py' -v " + test_case + " 2>&1";
  FILE* raw = popen(command.c_str(), "r");
  if (raw == nullptr) return {-1, "popen failed for: " + command};
  std::unique_ptr<FILE, PipeCloser> pipe(raw);
  std::string output;
  std::array<char, 4096> buffer{};
  while (size_t n = fread(buffer.data(), 1, buffer.size(), pipe.get()))
    output.append(buffer.data(), n);
  const int status = pclose(pipe.release());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

class FaultProxyTest : public testing::TestWithParam<const char*> {};

TEST_P(FaultProxyTest, PythonCasePasses) {
  const auto [code, output] = RunPythonCase(GetParam());
  EXPECT_EQ(code, 0) << output;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, FaultProxyTest,
    testing::Values("PassThroughTest.test_streams_bodies_both_ways_on_one_kept_alive_connection",
                    "PassThroughTest.test_delay_is_added_to_every_request",
                    "FaultTest.test_error_rate_one_answers_503_slowdown_and_keeps_alive",
                    "FaultTest.test_reset_before_forwarding",
                    "FaultTest.test_reset_mid_response_truncates_the_body",
                    "FaultTest.test_stall_pauses_mid_response_then_completes",
                    "FaultTest.test_faults_are_deterministic_for_a_seed",
                    "OutageTest.test_blackout_resets_every_connection_for_its_duration",
                    "OutageTest.test_lost_reply_reaches_the_server_but_not_the_client"),
    [](const testing::TestParamInfo<const char*>& info) {
      std::string name = std::string(info.param).substr(std::string(info.param).find('.') + 1);
      return name.substr(5);  // drop "test_"
    });

}  // namespace
