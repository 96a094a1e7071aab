// Reading the TOML file of a ServiceConfig (internal to the rules layer; docs/serve.md,
// "Configuration", documents the format).
#pragma once

#include <string>
#include <vector>

#include "rules/service_config.h"

namespace unpackd {

// A configuration and where each rule came from, for messages about it.
struct LoadedConfig {
  ServiceConfig config;
  std::vector<std::string> rule_origins;  // "<file>:<line>" per rule, or "the default rule"
};

// Reads `path`. Throws Error(kUsage, "<file>:<line>: <what>", "bad-config") for a file that
// cannot be read, TOML syntax, an unknown key (named in full, "rules[2].sufixes"), a value of
// the wrong type or out of range, and a rule without a name. Cross-field checks are
// ValidateConfig's (config_validation.h).
LoadedConfig ReadConfigFile(const std::string& path);

// The same for TOML `text` that is not in a file (an environment variable's value); messages
// name `origin` where they would name the file ("$UNPACKD_CONFIG_TOML:3: ...").
LoadedConfig ReadConfigText(const std::string& text, const std::string& origin);

}  // namespace unpackd
