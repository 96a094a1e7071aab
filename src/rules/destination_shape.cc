#include "rules/destination_shape.h"

#include <algorithm>
#include <optional>
#include <string_view>
#include <vector>

#include "extract/destination.h"
#include "util/ascii.h"

namespace unpackd {
namespace {

constexpr std::string_view kPathPlaceholder = "{path}";

std::vector<std::string> Segments(std::string_view text) {
  std::vector<std::string> segments;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('/', start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start) segments.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

std::string Join(const std::vector<std::string>& segments, size_t begin, size_t end) {
  std::string out;
  for (size_t i = begin; i < end; ++i) out += (out.empty() ? "" : "/") + segments[i];
  return out;
}

// The parts of a traceable template, in segments of its head (the text before {path}).
struct TemplateParts {
  bool traceable = false;
  bool has_dir = false;
  std::vector<std::string> before_dir, after_dir;  // fixed segments around {dir}
  std::string archive_lead, archive_tail;          // fixed text around {stem} or {name}
  bool uses_name = false;
  size_t fixed_after = 0;  // fixed segments after the archive's
};

TemplateParts Parse(const std::string& dest_template) {
  TemplateParts parts;
  const std::string head = dest_template.substr(0, dest_template.size() - kPathPlaceholder.size());
  bool seen_archive = false;
  for (const std::string& segment : Segments(head)) {
    const size_t braces = std::count(segment.begin(), segment.end(), '{');
    if (braces == 0) {
      if (seen_archive) {
        ++parts.fixed_after;
      } else {
        (parts.has_dir ? parts.after_dir : parts.before_dir).push_back(segment);
      }
      continue;
    }
    if (segment == "{dir}" && !parts.has_dir && !seen_archive) {
      parts.has_dir = true;
      continue;
    }
    const size_t stem = segment.find("{stem}");
    const size_t name = segment.find("{name}");
    if (braces != 1 || seen_archive || (stem == std::string::npos && name == std::string::npos)) {
      return TemplateParts{};
    }
    seen_archive = true;
    parts.uses_name = name != std::string::npos;
    const size_t at = parts.uses_name ? name : stem;
    parts.archive_lead = segment.substr(0, at);
    parts.archive_tail = segment.substr(at + 6);
  }
  parts.traceable = seen_archive;
  return parts;
}

bool EndsWithIgnoringCase(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         AsciiLower(text.substr(text.size() - suffix.size())) == AsciiLower(suffix);
}

// Strips `fixed` (whole segments) from the front of `segments`; nullopt if they differ.
std::optional<std::vector<std::string>> StripFront(std::vector<std::string> segments,
                                                   const std::vector<std::string>& fixed) {
  if (segments.size() < fixed.size()) return std::nullopt;
  for (size_t i = 0; i < fixed.size(); ++i) {
    if (segments[i] != fixed[i]) return std::nullopt;
  }
  segments.erase(segments.begin(), segments.begin() + static_cast<ptrdiff_t>(fixed.size()));
  return segments;
}

// The archive's folder from the segments before the archive's own segment, if the template's
// fixed parts fit them. Without {dir} the folder is unknown (and does not matter to the key).
std::optional<std::string> DirFrom(const TemplateParts& parts, std::vector<std::string> before) {
  std::optional<std::vector<std::string>> rest = StripFront(std::move(before), parts.before_dir);
  if (!rest) return std::nullopt;
  if (!parts.has_dir) return rest->empty() ? std::optional<std::string>("") : std::nullopt;
  if (rest->size() < parts.after_dir.size()) return std::nullopt;
  const size_t dir_end = rest->size() - parts.after_dir.size();
  for (size_t i = 0; i < parts.after_dir.size(); ++i) {
    if ((*rest)[dir_end + i] != parts.after_dir[i]) return std::nullopt;
  }
  return Join(*rest, 0, dir_end);
}

// File names whose expansion could give `middle` where {stem} or {name} stands.
std::vector<std::string> NameCandidates(const Rule& rule, const TemplateParts& parts,
                                        const std::string& middle) {
  if (parts.uses_name) return {middle};
  std::vector<std::string> names;
  for (const std::string& suffix : rule.suffixes) {
    // The stem drops a compressed tar's whole suffix (destination.h): "r.tar.gz" -> "r".
    names.push_back(middle + suffix);
  }
  return names;
}

}  // namespace

DestinationShape AnalyzeDestination(const std::string& dest_template) {
  const std::string tmpl = dest_template.empty() ? kDefaultDestinationTemplate : dest_template;
  DestinationShape shape;
  shape.traceable = Parse(tmpl).traceable;
  const std::string head = tmpl.substr(0, tmpl.size() - kPathPlaceholder.size());
  for (const std::string& segment : Segments(head)) {
    if (segment.find('{') != std::string::npos) break;
    shape.lead += segment + "/";
  }
  return shape;
}

std::string RuleDestinationTemplate(const Rule& rule) {
  return rule.destination_template.empty() ? kDefaultDestinationTemplate
                                           : rule.destination_template;
}

bool RuleCouldTake(const Rule& rule, bool dir_known, const std::string& dir,
                   const std::string& name) {
  bool suffix_ok = rule.suffixes.empty();
  for (const std::string& suffix : rule.suffixes) {
    suffix_ok = suffix_ok || EndsWithIgnoringCase(name, suffix);
  }
  if (!suffix_ok) return false;
  if (rule.prefixes.empty()) return true;
  const std::string key = dir.empty() ? name : dir + "/" + name;
  for (const std::string& prefix : rule.prefixes) {
    if (dir_known ? key.starts_with(prefix)
                  : name.starts_with(prefix.substr(prefix.rfind('/') + 1))) {
      return true;
    }
  }
  return false;
}

bool IsUnderRuleDestination(const Rule& rule, const DestinationShape& shape,
                            const std::string& key) {
  if (!shape.traceable) return false;
  const std::string tmpl = RuleDestinationTemplate(rule);
  const TemplateParts parts = Parse(tmpl);
  const std::vector<std::string> segments = Segments(key);
  // Every '/'-bounded prefix of the key that leaves something after it (a member path).
  for (size_t count = 1; count < segments.size(); ++count) {
    if (count < parts.fixed_after + 1) continue;
    const size_t archive_index = count - 1 - parts.fixed_after;
    const std::string& segment = segments[archive_index];
    if (segment.size() <= parts.archive_lead.size() + parts.archive_tail.size() ||
        !segment.starts_with(parts.archive_lead) || !segment.ends_with(parts.archive_tail)) {
      continue;
    }
    const std::string middle =
        segment.substr(parts.archive_lead.size(),
                       segment.size() - parts.archive_lead.size() - parts.archive_tail.size());
    const std::optional<std::string> dir = DirFrom(
        parts, std::vector<std::string>(segments.begin(),
                                        segments.begin() + static_cast<ptrdiff_t>(archive_index)));
    if (!dir) continue;
    const std::string prefix = Join(segments, 0, count) + "/";
    for (const std::string& name : NameCandidates(rule, parts, middle)) {
      if (!RuleCouldTake(rule, parts.has_dir, *dir, name)) continue;
      // The candidate is confirmed by expanding the template forward: no guess is trusted.
      const std::string archive = dir->empty() ? name : *dir + "/" + name;
      if (ExpandDestination(tmpl, "", archive).prefix == prefix) return true;
    }
  }
  return false;
}

}  // namespace unpackd
