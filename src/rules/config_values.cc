#include "rules/config_values.h"

#include <charconv>
#include <cmath>
#include <limits>

#include "util/ascii.h"
#include "util/error.h"

namespace unpackd {

void ThrowBadConfig(const std::string& where, const std::string& what) {
  throw Error(ErrorKind::kUsage, where + ": " + what, "bad-config");
}

std::optional<OnErrorPolicy> ParseOnError(std::string_view text) {
  if (text == "fail") return OnErrorPolicy::kFail;
  if (text == "skip") return OnErrorPolicy::kSkip;
  return std::nullopt;
}

std::optional<bool> ParseBool(std::string_view text) {
  const std::string lower = AsciiLower(text);
  if (lower == "true" || lower == "1" || lower == "yes") return true;
  if (lower == "false" || lower == "0" || lower == "no") return false;
  return std::nullopt;
}

std::optional<uint64_t> ParsePositiveInteger(std::string_view text) {
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value == 0) return std::nullopt;
  return value;
}

std::optional<double> ParsePositiveNumber(std::string_view text) {
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value) ||
      value <= 0) {
    return std::nullopt;
  }
  return value;
}

std::optional<uint64_t> ParseByteSize(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  const std::optional<uint64_t> count = ParsePositiveInteger(text.substr(0, digits));
  if (!count) return std::nullopt;
  std::string unit = AsciiLower(text.substr(digits));
  if (unit.ends_with("ib")) unit.erase(unit.size() - 2);
  if (unit.ends_with("b")) unit.erase(unit.size() - 1);
  const std::string_view units = "kmgt";
  int shift = 0;
  if (!unit.empty()) {
    const size_t index = units.find(unit);
    if (unit.size() != 1 || index == std::string_view::npos) return std::nullopt;
    shift = 10 * static_cast<int>(index + 1);
  }
  if (*count > (std::numeric_limits<uint64_t>::max() >> shift)) return std::nullopt;
  return *count << shift;
}

std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view item = text.substr(start, end - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) items.emplace_back(item);
    start = end + 1;
  }
  return items;
}

std::string RuleEnvPrefix(std::string_view rule_name) {
  std::string prefix = "UNPACKD_RULE_";
  for (char c : rule_name) {
    const char upper = c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    const bool alnum = (upper >= 'A' && upper <= 'Z') || (upper >= '0' && upper <= '9');
    prefix += alnum ? upper : '_';
  }
  return prefix + "_";
}

}  // namespace unpackd
