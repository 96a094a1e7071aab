#include "rules/config_validation.h"

#include <algorithm>
#include <map>

#include "extract/destination.h"
#include "rules/config_values.h"
#include "rules/destination_shape.h"
#include "util/error.h"

namespace unpackd {
namespace {

std::string Quoted(const std::vector<std::string>& items, const char* empty) {
  if (items.empty()) return empty;
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "'" : ", '") + item + "'";
  return out;
}

// Could a key in a bucket the writer writes be in a bucket the watcher watches?
bool BucketsMeet(const Rule& writer, const Rule& watcher) {
  if (watcher.buckets.empty()) return true;
  if (!writer.destination_bucket.empty()) {
    return std::find(watcher.buckets.begin(), watcher.buckets.end(), writer.destination_bucket) !=
           watcher.buckets.end();
  }
  if (writer.buckets.empty()) return true;
  return std::any_of(writer.buckets.begin(), writer.buckets.end(), [&](const std::string& b) {
    return std::find(watcher.buckets.begin(), watcher.buckets.end(), b) != watcher.buckets.end();
  });
}

// Could a key starting with `lead` start with one of the watcher's prefixes?
bool PrefixesMeet(const std::string& lead, const Rule& watcher) {
  if (watcher.prefixes.empty()) return true;
  return std::any_of(watcher.prefixes.begin(), watcher.prefixes.end(), [&](const std::string& p) {
    return lead.starts_with(p) || p.starts_with(lead);
  });
}

void ValidateRule(const Rule& rule, const std::string& where) {
  const std::string at = where + ": rule '" + rule.name + "'";
  if (rule.name.empty()) ThrowBadConfig(where, "a rule has an empty name");
  if (rule.suffixes.empty()) {
    ThrowBadConfig(at, "suffixes is empty (every object would be taken for an archive)");
  }
  for (const std::string& suffix : rule.suffixes) {
    if (suffix.empty()) ThrowBadConfig(at, "a suffix is empty");
  }
  try {
    ExpandDestination(RuleDestinationTemplate(rule), "bucket", "folder/archive.zip");
  } catch (const Error& e) {
    ThrowBadConfig(at, std::string("destination: ") + e.what());
  }
}

// A template that names no archive writes outputs indistinguishable from uploads: a .zip
// member extracted there would be extracted again. MatchEvent can only skip outputs it can
// trace to an archive, so such a rule must write where no rule watches.
void CheckLoop(const LoadedConfig& loaded, size_t writer_index) {
  const Rule& writer = loaded.config.rules[writer_index];
  const DestinationShape shape = AnalyzeDestination(writer.destination_template);
  if (shape.traceable) return;
  for (const Rule& watcher : loaded.config.rules) {
    if (!BucketsMeet(writer, watcher) || !PrefixesMeet(shape.lead, watcher)) continue;
    const std::string bucket = writer.destination_bucket.empty()
                                   ? "the archive's bucket"
                                   : "bucket '" + writer.destination_bucket + "'";
    const std::string whose =
        &watcher == &writer ? "its own filter" : "the filter of rule '" + watcher.name + "'";
    ThrowBadConfig(
        loaded.rule_origins[writer_index] + ": rule '" + writer.name + "'",
        "destination '" + RuleDestinationTemplate(writer) +
            "' has no folder per archive ({stem} "
            "or {name} in a segment of its own), so its outputs cannot be told from new uploads, "
            "and they land in " +
            bucket + " under '" + shape.lead + "', inside " + whose + " (buckets " +
            Quoted(watcher.buckets, "any") + ", prefixes " + Quoted(watcher.prefixes, "any") +
            "): an archive inside an archive would be extracted "
            "again and again. Use a template such as \"{dir}/{stem}/{path}\", or a "
            "destination_bucket or fixed folder that no rule watches");
  }
}

// Target names are stored with each notification and printed in metrics labels and logs:
// keep them to characters that need no escaping anywhere.
void ValidateTargetName(const std::string& name) {
  const bool plain =
      !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_';
      });
  if (!plain) {
    ThrowBadConfig("targets." + name, "a target name is 1 to 64 letters, digits, '-' or '_'");
  }
}

}  // namespace

void ValidateConfig(const LoadedConfig& loaded) {
  const std::vector<Rule>& rules = loaded.config.rules;
  if (rules.empty()) ThrowBadConfig("configuration", "no rules");
  std::map<std::string, size_t> env_prefixes;
  for (size_t i = 0; i < rules.size(); ++i) {
    ValidateRule(rules[i], loaded.rule_origins[i]);
    const auto [it, added] = env_prefixes.emplace(RuleEnvPrefix(rules[i].name), i);
    if (!added) {
      const Rule& other = rules[it->second];
      ThrowBadConfig(loaded.rule_origins[i],
                     other.name == rules[i].name
                         ? "rule name '" + rules[i].name + "' is used twice"
                         : "rules '" + other.name + "' and '" + rules[i].name +
                               "' share the environment prefix " + it->first);
    }
  }
  for (size_t i = 0; i < rules.size(); ++i) CheckLoop(loaded, i);
  const ServiceConfig& config = loaded.config;
  if (config.fleet.enabled && !config.sqs && !config.amqp) {
    // The queue is what the workers share: without one, fleet mode would be a lone service
    // that keeps no job store.
    ThrowBadConfig("fleet.enabled",
                   "fleet mode needs a queue to share: [sources.sqs] or [sources.amqp]");
  }
  for (const auto& [name, target] : loaded.config.targets) ValidateTargetName(name);
  for (size_t i = 0; i < rules.size(); ++i) {
    for (const std::string& target : rules[i].notify) {
      if (!loaded.config.targets.contains(target)) {
        ThrowBadConfig(loaded.rule_origins[i] + ": rule '" + rules[i].name + "'",
                       "notify names target '" + target + "', which no [targets." + target +
                           "] table defines");
      }
    }
  }
}

}  // namespace unpackd
