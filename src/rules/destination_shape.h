// What a destination template says about where a rule's outputs land (internal to the rules
// layer): the base of loop prevention, at load (config_validation.h) and per event
// (rule_match.h). docs/serve.md, "Loop prevention", explains the reasoning.
#pragma once

#include <string>

#include "rules/service_config.h"

namespace unpackd {

struct DestinationShape {
  // Outputs can be traced back to the one archive that produced them: the template has one
  // segment naming the archive ("{stem}" or "{name}", with fixed text around it at most), only
  // whole-segment {dir} before it and only fixed segments after it. "{dir}/{stem}/{path}" is;
  // "{dir}/{path}", "{path}" and "{stem}-{ext}/{path}" are not.
  bool traceable = false;
  // Fixed text every output key starts with ("out/" for "out/{dir}/{stem}/{path}"; "" for the
  // default), for comparing with the prefixes rules watch.
  std::string lead;
};

// The template must be valid (ExpandDestination accepts it); empty means the default.
DestinationShape AnalyzeDestination(const std::string& dest_template);

// The template `rule` expands (its own, or kDefaultDestinationTemplate).
std::string RuleDestinationTemplate(const Rule& rule);

// True if `key` lies under the destination prefix of an archive `rule` could take: some
// '/'-bounded prefix of `key` is what the template makes of an archive key that passes the
// rule's prefixes and suffixes (a/b/result/x.zip: a/b/result.zip would write to a/b/result/).
// Only for traceable shapes; the caller checks that the key's bucket is one the rule writes.
bool IsUnderRuleDestination(const Rule& rule, const DestinationShape& shape,
                            const std::string& key);

// True if an archive key with this folder and file name passes the rule's suffixes
// (case-insensitive) and prefixes. `dir_known` false: the template does not use {dir}, so any
// folder is possible and only the name is checked against the prefixes' last segments.
bool RuleCouldTake(const Rule& rule, bool dir_known, const std::string& dir,
                   const std::string& name);

}  // namespace unpackd
