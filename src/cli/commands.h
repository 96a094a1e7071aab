// The subcommands. Each returns the process exit code and throws unpackd::Error on failure.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "cli/cli_options.h"

namespace unpackd {

int RunExtract(const std::string& archive_url, const std::string& to, const CliOptions& options);
int RunInspect(const std::string& archive_url, const CliOptions& options);

// A finding as JSON, shared by extract's and inspect's output.
nlohmann::json FindingJson(const Finding& f);

}  // namespace unpackd
