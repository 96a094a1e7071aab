#include "archive/finding.h"

namespace unpackd {

const char* SeverityName(Severity s) {
  switch (s) {
    case Severity::kRefuse:
      return "refuse";
    case Severity::kSkip:
      return "skip";
    case Severity::kWarning:
      return "warning";
  }
  return "unknown";
}

std::string Finding::ToString() const {
  std::string out = code;
  if (member) out += " in member '" + member_name + "'";
  out += ": " + message;
  return out;
}

}  // namespace unpackd
