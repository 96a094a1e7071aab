#include "notify/redacted_url.h"

#include <vector>

#include "net/endpoint_url.h"

namespace unpackd::notify {
namespace {

void ReplaceAll(std::string& text, std::string_view from, std::string_view to) {
  if (from.empty()) return;
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

}  // namespace

std::string Redacted(std::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return "(not a URL)";
  const size_t authority_start = scheme_end + 3;
  const size_t authority_end = url.find_first_of("/?#", authority_start);
  std::string_view authority = url.substr(authority_start, authority_end - authority_start);
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  const std::string_view rest =
      authority_end == std::string_view::npos ? std::string_view() : url.substr(authority_end);
  std::string out(url.substr(0, authority_start));
  out += authority;
  out += rest.empty() || rest == "/" ? "/" : "/\u2026";
  return out;
}

std::string ScrubUrl(std::string text, std::string_view url) {
  const std::string redacted = Redacted(url);
  const std::string_view without_query = url.substr(0, url.find('?'));
  // Longest first, so a shorter spelling never leaves the tail of a longer one behind.
  const std::vector<std::string> spellings = {std::string(url), net::RedactUrl(without_query),
                                              std::string(without_query)};
  for (const std::string& spelling : spellings) ReplaceAll(text, spelling, redacted);
  return text;
}

}  // namespace unpackd::notify
