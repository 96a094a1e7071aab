#include "rules/rule_fields.h"

#include <array>

namespace unpackd {

namespace {

const std::array<RuleFieldSpec, 14> kRuleFields = {{
    {"buckets", &Rule::buckets},
    {"prefixes", &Rule::prefixes},
    {"suffixes", &Rule::suffixes},
    {"destination", &Rule::destination_template},
    {"destination_bucket", &Rule::destination_bucket},
    {"on_error", &Rule::on_error},
    {"prune", &Rule::prune},
    {"notify", &Rule::notify},
    {"max_members", &ExtractionLimits::max_members},
    {"max_total_bytes", &ExtractionLimits::max_total_bytes},
    {"max_member_bytes", &ExtractionLimits::max_member_bytes},
    {"max_member_ratio", &ExtractionLimits::max_member_ratio},
    {"max_archive_ratio", &ExtractionLimits::max_archive_ratio},
    {"warn_member_ratio", &ExtractionLimits::warn_member_ratio},
}};

}  // namespace

std::span<const RuleFieldSpec> RuleFields() { return kRuleFields; }

bool IsLimitField(const RuleFieldSpec& spec) {
  return std::holds_alternative<uint64_t ExtractionLimits::*>(spec.field) ||
         std::holds_alternative<double ExtractionLimits::*>(spec.field);
}

}  // namespace unpackd
