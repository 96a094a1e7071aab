#include "jobs/state_dir.h"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "util/env.h"
#include "util/error.h"

namespace unpackd {

std::string DefaultStateDir() {
  std::string dir = GetEnv("UNPACKD_STATE_DIR");
  return dir.empty() ? "./unpackd-state" : dir;
}

UniqueFd LockStateDir(const std::string& state_dir) {
  std::error_code ec;
  std::filesystem::create_directories(state_dir, ec);
  if (ec) throw Error(ErrorKind::kIo, state_dir + ": " + ec.message(), "job-store");
  const std::string path = state_dir + "/jobs.lock";
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!fd.valid()) {
    const int err = errno;
    throw Error(ErrorKind::kIo, path + ": " + std::strerror(err), "job-store");
  }
  int rc = 0;
  int err = 0;
  do {
    rc = ::flock(fd.get(), LOCK_EX | LOCK_NB);
    err = errno;
  } while (rc != 0 && err == EINTR);
  if (rc != 0) {
    if (err == EWOULDBLOCK) {
      throw Error(ErrorKind::kIo, path + ": another unpackd service is using this state directory",
                  "job-store-locked");
    }
    throw Error(ErrorKind::kIo, path + ": " + std::strerror(err), "job-store");
  }
  return fd;
}

}  // namespace unpackd
