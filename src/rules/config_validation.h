// Checks across fields and rules of a loaded ServiceConfig (internal to the rules layer).
#pragma once

#include "rules/config_file.h"

namespace unpackd {

// Throws Error(kUsage, "<origin>: <what>", "bad-config") for: no rules, a rule with an empty
// name, no suffixes or an empty one, names that repeat or share an environment prefix, an
// invalid destination template, and a rule whose outputs could be taken for new uploads by
// itself or another rule (docs/serve.md, "Loop prevention").
void ValidateConfig(const LoadedConfig& loaded);

}  // namespace unpackd
