// Values of the service configuration as text (internal to the rules layer, and for serve):
// the one parser of each field kind, shared by the TOML reader (strings) and the environment
// (where every value is a string), so a field means the same wherever it is set.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "extract/limits.h"

namespace unpackd {

// Throws Error(kUsage, "<where>: <what>", "bad-config"). `where` is "<file>:<line>" or the
// environment variable's name.
[[noreturn]] void ThrowBadConfig(const std::string& where, const std::string& what);

// "fail" or "skip".
std::optional<OnErrorPolicy> ParseOnError(std::string_view text);
// "true"/"false", "1"/"0", "yes"/"no".
std::optional<bool> ParseBool(std::string_view text);
// A decimal integer above zero.
std::optional<uint64_t> ParsePositiveInteger(std::string_view text);
// A finite number above zero (ratios).
std::optional<double> ParsePositiveNumber(std::string_view text);
// "512MiB", "1GiB", "2G", "1048576": a positive byte count with an optional binary unit
// (K, M, G, T with or without "iB"/"B", all powers of 1024; "B" alone is bytes).
std::optional<uint64_t> ParseByteSize(std::string_view text);
// "a, b,,c" -> {"a", "b", "c"}: environment lists are comma-separated; blanks are trimmed.
std::vector<std::string> SplitList(std::string_view text);

// The environment prefix of a rule: "UNPACKD_RULE_" + the name upper-cased with every
// character but A-Z and 0-9 as '_' + "_" ("in-bound" -> "UNPACKD_RULE_IN_BOUND_").
std::string RuleEnvPrefix(std::string_view rule_name);

}  // namespace unpackd
