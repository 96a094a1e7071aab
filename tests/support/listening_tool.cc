#include "support/listening_tool.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <stdexcept>

#include "support/file_object.h"
#include "support/serve_process.h"
#include "support/spawn_process.h"

namespace unpackd::testing {

ListeningTool::ListeningTool(const std::vector<std::string>& args, const std::string& name) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
      std::string(tmp != nullptr && *tmp ? tmp : "/tmp") + "/unpackd-" + name + "-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  log_path_ = dir_ + "/" + name + ".log";
  pid_ = SpawnProcess(args, log_path_, log_path_);
  // The doubles announce themselves one of two ways: "listening on 127.0.0.1:<port>", or
  // "LISTENING <port>" (the Lambda Runtime API double).
  const std::regex listening(R"((?:listening on 127\.0\.0\.1:|LISTENING )([0-9]+))");
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
    throw std::runtime_error(name + " did not start; its output:\n" + output);
  }
}

ListeningTool::~ListeningTool() {
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string ListeningTool::endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::string ListeningTool::log() const { return ReadFileString(log_path_); }

}  // namespace unpackd::testing
