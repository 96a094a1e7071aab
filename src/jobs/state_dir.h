// The service's state directory: where the job store lives, and the lock that lets one
// service at a time own it.
//
// Thread safety: the functions are safe from any thread; the lock is per open file
// description (flock), so it also excludes a second JobStore::Open in the same process.
#pragma once

#include <string>

#include "util/unique_fd.h"

namespace unpackd {

// $UNPACKD_STATE_DIR, else "./unpackd-state" (relative to the working directory), so that
// `unpackd serve` and `unpackd jobs` agree without options.
std::string DefaultStateDir();

// Creates `state_dir` (and its parents) if missing, then takes an exclusive flock on
// `<state_dir>/jobs.lock` without waiting. The lock lasts as long as the returned descriptor
// (the kernel drops it when the process dies, kill -9 included: no stale lock files).
// Throws Error(kIo, code "job-store-locked") if another holder has it, Error(kIo,
// "job-store") if the directory or file cannot be made.
UniqueFd LockStateDir(const std::string& state_dir);

}  // namespace unpackd
