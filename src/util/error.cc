#include "util/error.h"

namespace unpackd {

std::string_view ErrorKindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kUsage:
      return "usage";
    case ErrorKind::kArchiveRefused:
      return "archive-refused";
    case ErrorKind::kNotFound:
      return "not-found";
    case ErrorKind::kPrecondition:
      return "precondition-failed";
    case ErrorKind::kAccessDenied:
      return "access-denied";
    case ErrorKind::kTransient:
      return "transient";
    case ErrorKind::kIo:
      return "io";
    case ErrorKind::kCancelled:
      return "cancelled";
    case ErrorKind::kInternal:
      return "internal";
  }
  return "unknown";
}

Error Error::WithContext(std::string_view context) const {
  std::string message(context);
  message += ": ";
  message += what();
  return Error(kind_, message, code_);
}

}  // namespace unpackd
