// A finding: something about an archive or one member that a person should know.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace unpackd {

enum class Severity {
  kRefuse,   // the member (or archive) cannot be extracted safely
  kSkip,     // skipped by design and reported (symlinks)
  kWarning,  // extracted, but worth a look (case-only name collisions)
};

struct Finding {
  Severity severity = Severity::kRefuse;
  std::string code;                // stable: "unsafe-path", "encrypted", "overlapping-data", ...
  std::optional<uint32_t> member;  // entry index; none for archive-wide findings
  std::string member_name;
  std::string message;

  std::string ToString() const;
};

const char* SeverityName(Severity s);

}  // namespace unpackd
