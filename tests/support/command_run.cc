#include "support/command_run.h"

#include <algorithm>

#include "support/file_object.h"

namespace unpackd::testing {

CommandResult RunCapturing(const std::string& command, const std::filesystem::path& scratch_dir) {
  const auto out = scratch_dir / "stdout", err = scratch_dir / "stderr";
  CommandResult r;
  r.exit_code = RunCommand("(" + command + ") >" + ShellQuote(out.string()) + " 2>" +
                           ShellQuote(err.string()) + " </dev/null");
  r.out = ReadFileString(out);
  r.err = ReadFileString(err);
  return r;
}

size_t CountLines(const std::string& text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

}  // namespace unpackd::testing
