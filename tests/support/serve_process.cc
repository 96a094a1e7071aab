#include "support/serve_process.h"

#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>

#include <regex>
#include <stdexcept>
#include <thread>

#include "support/file_object.h"
#include "support/spawn_process.h"

namespace unpackd::testing {

namespace {

int Reap(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

double ServeMetric(int port, const std::string& series) {
  httplib::Client client("127.0.0.1", port);
  const auto res = client.Get("/metrics");
  if (!res || res->status != 200) return -1;
  const size_t at = res->body.find("\n" + series + " ");
  if (at == std::string::npos) return 0;
  return std::stod(res->body.substr(at + series.size() + 2));
}

bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return done();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

ServeProcess::ServeProcess(const std::filesystem::path& root, const std::filesystem::path& state,
                           std::vector<std::string> extra, std::vector<std::string> env) {
  // One log per start: a crash test restarts many times and reads each run's log.
  const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
  log_path_ = state.parent_path() / ("serve-" + std::to_string(stamp) + ".log");
  std::vector<std::string> args = {"env"};
  for (auto& e : env) args.push_back(std::move(e));
  for (std::string a : {std::string(UNPACKD_BIN_PATH), std::string("--root"), root.string(),
                        std::string("serve"), std::string("--state-dir"), state.string(),
                        std::string("--listen"), std::string("127.0.0.1:0")}) {
    args.push_back(a);
  }
  for (auto& e : extra) args.push_back(std::move(e));
  pid_ = SpawnProcess(args, log_path_.string(), log_path_.string());
  const std::regex listening(R"re("address":"127\.0\.0\.1:([0-9]+)")re");
  const bool up = WaitFor(
      [&] {
        std::smatch m;
        const std::string text = log();
        if (std::regex_search(text, m, listening)) port_ = std::stoi(m[1]);
        return port_ > 0 || waitpid(pid_, nullptr, WNOHANG) == pid_;
      },
      std::chrono::seconds(20));
  if (!up || port_ == 0) {
    Kill();
    throw std::runtime_error("unpackd serve did not start; its log:\n" + log());
  }
}

ServeProcess::~ServeProcess() {
  if (pid_ > 0) Kill();
}

std::string ServeProcess::log() const { return ReadFileString(log_path_); }

int ServeProcess::Terminate() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  const int status = Reap(pid_);
  pid_ = -1;
  return status;
}

void ServeProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  Reap(pid_);
  pid_ = -1;
}

}  // namespace unpackd::testing
