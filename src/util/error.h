// Error: the one exception type unpackd throws across module boundaries.
//
// Every failure carries a kind (which decides the CLI's exit code and whether a retry can help)
// and a message that already names its context: which archive, which member, which request,
// what the server said. Callers add context with WithContext() as the error travels outward.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace unpackd {

enum class ErrorKind {
  kUsage,           // the caller asked for something malformed (bad URL, bad option)
  kArchiveRefused,  // the archive (or a member) is hostile, corrupt or unsupported
  kNotFound,        // the object or bucket does not exist
  kPrecondition,    // the object changed under us (ETag no longer matches)
  kAccessDenied,    // credentials missing, wrong, or not allowed
  kTransient,       // timeouts, resets, throttling, 5xx: a retry may succeed
  kIo,              // any other store or local I/O failure
  kInternal,        // a bug in unpackd
};

std::string_view ErrorKindName(ErrorKind kind);

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}

  ErrorKind kind() const { return kind_; }

  // Returns a copy whose message is "<context>: <this message>".
  Error WithContext(std::string_view context) const;

 private:
  ErrorKind kind_;
};

}  // namespace unpackd
