// The subcommands. Each returns the process exit code and throws unpackd::Error on failure.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "cli/cli_options.h"

namespace unpackd {

int RunExtract(const std::string& archive_url, const std::string& to, const CliOptions& options);
int RunInspect(const std::string& archive_url, const CliOptions& options);

struct ServeOptions {
  std::string config_path;  // TOML (docs/serve.md); empty: defaults and environment only
  std::string state_dir;    // overrides the configuration's
  std::string listen;       // host:port; overrides the configuration's
  size_t workers = 0;       // 0: the configuration's
  double grace_seconds = 30;
};
// Runs the service until SIGTERM or SIGINT, then stops it gracefully and returns 0.
int RunServe(const ServeOptions& serve, const CliOptions& options);

// A finding as JSON, shared by extract's and inspect's output.
nlohmann::json FindingJson(const Finding& f);

}  // namespace unpackd
