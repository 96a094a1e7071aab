// The fields of a [[rules]] table, listed once (internal to the rules layer): the TOML reader
// and the environment overrides both walk this list, so a field added here is readable from
// both, and an unknown key in either is an error rather than a silently ignored filter.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "rules/service_config.h"

namespace unpackd {

using RuleField =
    std::variant<std::string Rule::*, std::vector<std::string> Rule::*, bool Rule::*,
                 OnErrorPolicy Rule::*, uint64_t ExtractionLimits::*, double ExtractionLimits::*>;

struct RuleFieldSpec {
  std::string_view key;  // the TOML key; upper-cased, the environment variable's tail
  RuleField field;       // ExtractionLimits fields live in the rule's [rules.limits] table
};

// Every field but `name`, in docs/serve.md order.
std::span<const RuleFieldSpec> RuleFields();

// True for fields of [rules.limits].
bool IsLimitField(const RuleFieldSpec& spec);

// For std::visit over a RuleField: one lambda per alternative.
template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

}  // namespace unpackd
