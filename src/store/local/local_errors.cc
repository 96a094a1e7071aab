#include "store/local/local_errors.h"

#include <cerrno>
#include <system_error>

#include "store/key_validation.h"

namespace unpackd::local {

std::string ErrnoText(int err) { return std::system_category().message(err); }

ErrorKind KindForErrno(int err) {
  switch (err) {
    case ENOENT:
      return ErrorKind::kNotFound;
    case EACCES:
    case EPERM:
      return ErrorKind::kAccessDenied;
    default:
      return ErrorKind::kIo;
  }
}

ErrorKind AccessDeniedOrIo(int err) {
  return KindForErrno(err) == ErrorKind::kAccessDenied ? ErrorKind::kAccessDenied : ErrorKind::kIo;
}

std::string Context(std::string_view operation, const ObjectRef& ref) {
  return "local store: " + std::string(operation) + " " + EscapeForMessage(ref.ToString());
}

void ThrowErrno(ErrorKind kind, const std::string& context, const std::string& what, int err) {
  throw Error(kind, context + ": " + what + ": " + ErrnoText(err));
}

}  // namespace unpackd::local
