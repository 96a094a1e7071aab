// Environment overrides of a ServiceConfig (internal to the rules layer; docs/serve.md lists
// every variable). A variable that is set and not empty wins over the file.
#pragma once

#include "rules/config_file.h"
#include "rules/service_config.h"

namespace unpackd {

// Applies UNPACKD_* variables read through `env` to `loaded`. Rule variables
// (UNPACKD_RULE_<NAME>_<FIELD>) apply to the rules already there, so a rule is created only
// by the file (or is the default rule). Throws Error(kUsage, "<VARIABLE>: <what>",
// "bad-config") for a value that does not parse.
void ApplyEnvironment(const EnvLookup& env, LoadedConfig& loaded);

}  // namespace unpackd
