#include "jobs/sequencer_order.h"

namespace unpackd {

std::string NormalizeSequencer(std::string_view sequencer) {
  std::string out;
  out.reserve(sequencer.size());
  for (char c : sequencer) {
    const bool digit = c >= '0' && c <= '9';
    const bool lower = c >= 'a' && c <= 'f';
    const bool upper = c >= 'A' && c <= 'F';
    if (!digit && !lower && !upper) return {};
    if (out.empty() && c == '0') continue;  // leading zero
    out.push_back(lower ? static_cast<char>(c - 'a' + 'A') : c);
  }
  if (out.empty() && !sequencer.empty()) out = "0";
  return out;
}

int CompareNormalizedSequencers(std::string_view a, std::string_view b) {
  if (a.empty() || b.empty()) return 0;
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  const int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

}  // namespace unpackd
