// Error: the one exception type unpackd throws across module boundaries.
//
// Every failure carries a kind (which decides the CLI's exit code and whether a retry can help),
// a code (what exactly happened, for programs: the server's "NoSuchBucket", or unpackd's own
// "unsafe-path", "cancelled") and a message that already names its context: which archive,
// which member, which request, what the server said. Callers add context with WithContext()
// as the error travels outward; the kind and code travel unchanged. No caller ever needs to
// search the message text.
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
  kCancelled,       // the caller asked the work to stop; what was done is kept (resumable)
  kInternal,        // a bug in unpackd
};

// "usage", "archive-refused", "not-found", ...: stable names for logs and JSON.
std::string_view ErrorKindName(ErrorKind kind);

// Whether running the same work again could end differently without anyone changing anything:
// a store outage, throttling, a lost connection, credentials that rotate, a run cancelled by a
// stopping service. Not a refused archive, a missing or replaced object, a configuration error.
bool RetryMayCure(ErrorKind kind);

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message, std::string code = {})
      : std::runtime_error(message), kind_(kind), code_(std::move(code)) {}

  ErrorKind kind() const { return kind_; }
  // What exactly happened, when known: a server's error code ("NoSuchBucket",
  // "SlowDown") or one of unpackd's finding codes. Empty when the kind says it all.
  const std::string& code() const { return code_; }

  // Returns a copy whose message is "<context>: <this message>".
  Error WithContext(std::string_view context) const;

 private:
  ErrorKind kind_;
  std::string code_;
};

}  // namespace unpackd
