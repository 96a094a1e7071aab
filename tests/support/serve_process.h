// ServeProcess: `unpackd serve` as an operator runs it, started and stopped by a test. Its
// JSON log goes to a file the test can read; the HTTP port is read from the "listening" line
// (the test passes --listen 127.0.0.1:0, so parallel tests never collide).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace unpackd::testing {

class ServeProcess {
 public:
  // Starts `unpackd --root <root> serve --state-dir <state> --listen 127.0.0.1:0 <extra...>` and
  // waits (up to 20 s) for it to listen. Throws std::runtime_error with the log if it exits or
  // never listens.
  ServeProcess(const std::filesystem::path& root, const std::filesystem::path& state,
               std::vector<std::string> extra = {}, std::vector<std::string> env = {});
  // SIGKILL if still running.
  ~ServeProcess();
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  std::string log() const;
  const std::filesystem::path& log_path() const { return log_path_; }

  // SIGTERM and wait; returns the exit status (or 128 + signal).
  int Terminate();
  // SIGKILL and reap: a crash.
  void Kill();

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::filesystem::path log_path_;
};

// The value of one series of serve's /metrics on `port` ("unpackd_jobs{state=\"done\"}"): 0 when
// the series is absent, -1 when /metrics does not answer.
double ServeMetric(int port, const std::string& series);

// Polls `done` every 20 ms until it returns true or `timeout` passes; returns its last answer.
bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout);

}  // namespace unpackd::testing
