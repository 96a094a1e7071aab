// The CLI's exit codes, as documented in --help and README.
#pragma once

#include "util/error.h"

namespace unpackd {

enum ExitCode : int {
  kExitOk = 0,
  kExitInternal = 1,   // a bug: please report it
  kExitUsage = 2,      // bad command line, URL or option
  kExitRefused = 3,    // the archive (or a member, under --on-error=fail) was refused
  kExitStore = 4,      // store or I/O error: not found, changed, network, server error
  kExitAccess = 5,     // credentials missing, wrong, or not allowed
  kExitCancelled = 6,  // stopped on request; what was written is kept, a rerun resumes
  // The extraction succeeded but a --notify target did not get its notification in time.
  kExitNotifyFailed = 7,
};

inline int ExitCodeFor(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kUsage:
      return kExitUsage;
    case ErrorKind::kArchiveRefused:
      return kExitRefused;
    case ErrorKind::kAccessDenied:
      return kExitAccess;
    case ErrorKind::kNotFound:
    case ErrorKind::kPrecondition:
    case ErrorKind::kTransient:
    case ErrorKind::kIo:
      return kExitStore;
    case ErrorKind::kCancelled:
      return kExitCancelled;
    case ErrorKind::kInternal:
      return kExitInternal;
  }
  return kExitInternal;
}

inline constexpr const char* kExitCodeHelp =
    "Exit codes: 0 success; 1 internal error; 2 usage error; 3 archive refused (hostile, "
    "corrupt or unsupported); 4 store or I/O error (not found, archive changed, network, "
    "server); 5 access denied (credentials); 6 cancelled (a rerun resumes); 7 extracted, but a "
    "--notify target did not get the notification.";

}  // namespace unpackd
