// UniqueFd: owns one POSIX file descriptor and closes it on destruction.
#pragma once

#include <unistd.h>

#include <utility>

namespace unpackd {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(std::exchange(other.fd_, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  // Gives up ownership (e.g. to fdopendir) and returns the descriptor.
  int release() { return std::exchange(fd_, -1); }
  bool valid() const { return fd_ >= 0; }

  // Closes the current descriptor (errors ignored: nothing useful can be done) and owns `fd`.
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace unpackd
