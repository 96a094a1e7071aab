// RunCapturing: a shell command run to its end, with its exit status, stdout and stderr, for
// tests of the built CLI.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

namespace unpackd::testing {

struct CommandResult {
  int exit_code = 0;
  std::string out, err;
};

// Runs `command` in a shell with stdin from /dev/null, its stdout and stderr captured through
// files in `scratch_dir` (overwritten at each call, so one test runs one command at a time).
CommandResult RunCapturing(const std::string& command, const std::filesystem::path& scratch_dir);

// How many lines `text` holds (newline characters).
size_t CountLines(const std::string& text);

}  // namespace unpackd::testing
