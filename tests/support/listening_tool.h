// ListeningTool: a helper server from tests/tools (a test double of a cloud API) run for one
// test: started with its arguments, waited for until it prints "listening on 127.0.0.1:<port>"
// (or "LISTENING <port>"),
// killed and its folder removed when destroyed. Its stdout and stderr go to one log file.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace unpackd::testing {

class ListeningTool {
 public:
  // `args` is the whole command (Debian's /usr/bin/python3 and the script, see
  // tests/tools/README.md); `name` names the tool in the temporary folder and in errors. Throws
  // std::runtime_error with the tool's output if it does not listen within 10 s.
  ListeningTool(const std::vector<std::string>& args, const std::string& name);
  ~ListeningTool();
  ListeningTool(const ListeningTool&) = delete;
  ListeningTool& operator=(const ListeningTool&) = delete;

  int port() const { return port_; }
  // "http://127.0.0.1:<port>"
  std::string endpoint() const;
  // Everything the tool printed so far.
  std::string log() const;

 private:
  std::string dir_;
  std::string log_path_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace unpackd::testing
