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

bool RetryMayCure(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kTransient:
    case ErrorKind::kIo:
    case ErrorKind::kAccessDenied:  // credentials rotate; a policy is fixed by a person
    case ErrorKind::kCancelled:
      return true;
    case ErrorKind::kUsage:
    case ErrorKind::kArchiveRefused:
    case ErrorKind::kNotFound:      // the event outlived its object
    case ErrorKind::kPrecondition:  // replaced: the newer version's own event runs it
    case ErrorKind::kInternal:
      break;
  }
  return false;
}

}  // namespace unpackd
