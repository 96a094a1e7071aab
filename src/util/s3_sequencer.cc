#include "util/s3_sequencer.h"

namespace unpackd {

std::string NormalizeSequencer(std::string_view sequencer) {
  std::string out;
  out.reserve(sequencer.size());
  for (const char c : sequencer) {
    const bool digit = c >= '0' && c <= '9';
    const bool lower = c >= 'a' && c <= 'f';
    const bool upper = c >= 'A' && c <= 'F';
    if (!digit && !lower && !upper) return {};
    out.push_back(lower ? static_cast<char>(c - 'a' + 'A') : c);
  }
  // Right-padding with zeros cannot change an order, so trailing zeros carry none.
  while (out.size() > 1 && out.back() == '0') out.pop_back();
  return out;
}

int CompareSequencers(std::string_view a, std::string_view b) {
  const std::string x = NormalizeSequencer(a);
  const std::string y = NormalizeSequencer(b);
  if (x.empty() || y.empty()) return 0;
  const int c = x.compare(y);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

}  // namespace unpackd
