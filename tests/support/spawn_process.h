// SpawnProcess: starts a helper process (a server, a proxy) for a test with posix_spawn, not
// fork+exec: the test process has threads, and only exec-safe steps may run in a forked child.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace unpackd::testing {

// Starts `args` (args[0] is looked up on PATH unless it holds a '/') with stdin from
// /dev/null and stdout and stderr appended to the given files (the same file for both is
// fine). Returns its pid; throws std::runtime_error if it cannot be started.
pid_t SpawnProcess(const std::vector<std::string>& args, const std::string& stdout_path,
                   const std::string& stderr_path);

}  // namespace unpackd::testing
