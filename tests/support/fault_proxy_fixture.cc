#include "support/fault_proxy_fixture.h"

#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/file_object.h"
#include "support/spawn_process.h"

namespace unpackd::testing {

namespace fs = std::filesystem;

FaultProxyFixture::FaultProxyFixture(int upstream_port, std::vector<std::string> extra_args) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
      std::string(tmp != nullptr && *tmp ? tmp : "/tmp") + "/unpackd-proxy-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  const fs::path port_file = dir_ / "port";
  std::vector<std::string> args = {Python(),        ToolPath("fault_proxy.py"),
                                   "--listen-port", "0",
                                   "--upstream",    "127.0.0.1:" + std::to_string(upstream_port),
                                   "--delay-ms",    "0",
                                   "--max-seconds", "600",
                                   "--log-file",    (dir_ / "log.jsonl").string()};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  pid_ = SpawnProcess(args, port_file.string(), (dir_ / "stderr").string());
  // The first line of its stdout is the port it listens on.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    const std::string out = fs::exists(port_file) ? ReadFileString(port_file) : std::string();
    if (out.find('\n') != std::string::npos) {
      port_ = std::stoi(out);
      return;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_ || std::chrono::steady_clock::now() > deadline) {
      const std::string why = ReadFileString(dir_ / "stderr");
      Stop();
      throw std::runtime_error("fault_proxy.py did not start: " + why);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

FaultProxyFixture::~FaultProxyFixture() { Stop(); }

void FaultProxyFixture::Stop() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  std::error_code ignored;
  fs::remove_all(dir_, ignored);
}

std::string FaultProxyFixture::endpoint() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

std::string FaultProxyFixture::Log() const {
  return fs::exists(dir_ / "log.jsonl") ? ReadFileString(dir_ / "log.jsonl") : std::string();
}

int FaultProxyFixture::CountLogLines(const std::vector<std::string>& texts) const {
  std::istringstream lines(Log());
  int count = 0;
  for (std::string line; std::getline(lines, line);) {
    bool all = true;
    for (const std::string& text : texts) all = all && line.find(text) != std::string::npos;
    count += all;
  }
  return count;
}

}  // namespace unpackd::testing
