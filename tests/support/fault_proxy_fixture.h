// FaultProxyFixture: tests/tools/fault_proxy.py between a client and a server on loopback,
// for one test. Starts the proxy with the given extra arguments (faults, blackout, lost
// replies: see the script's docstring) and no added delay, waits for its port, and stops it
// when destroyed. Its per-request log is kept so tests can prove the faults really happened.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace unpackd::testing {

class FaultProxyFixture {
 public:
  // `upstream_port`: the server's port on 127.0.0.1. Throws std::runtime_error if the proxy
  // does not start within 10 seconds.
  FaultProxyFixture(int upstream_port, std::vector<std::string> extra_args);
  ~FaultProxyFixture();
  FaultProxyFixture(const FaultProxyFixture&) = delete;
  FaultProxyFixture& operator=(const FaultProxyFixture&) = delete;

  // "http://127.0.0.1:<port>"
  std::string endpoint() const;
  int port() const { return port_; }

  // The proxy's request log so far (one JSON object a line).
  std::string Log() const;
  // Lines of the log that contain every one of `texts` (e.g. "\"fault\": \"blackout\"").
  int CountLogLines(const std::vector<std::string>& texts) const;

 private:
  // Stops the proxy and removes its folder.
  void Stop();

  std::filesystem::path dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace unpackd::testing
