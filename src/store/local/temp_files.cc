#include "store/local/temp_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <random>

namespace unpackd::local {
namespace {

constexpr std::string_view kTempPrefix = ".unpackd-tmp-";

// How often CreateNamed tries another name when one is taken.
constexpr int kNameAttempts = 16;

std::string RandomHex() {
  std::random_device device;
  const uint64_t value = (static_cast<uint64_t>(device()) << 32) ^ device();
  char text[17];
  std::snprintf(text, sizeof text, "%016" PRIx64, value);
  return text;
}

}  // namespace

UniqueFd OpenAnonymous(int dir_fd) {
  return UniqueFd(::openat(dir_fd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644));
}

int LinkAnonymous(LinkMethod method, int fd, int dir_fd, const char* name) {
  if (method == LinkMethod::kEmptyPath) return ::linkat(fd, "", dir_fd, name, AT_EMPTY_PATH);
  char path[40];
  std::snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  return ::linkat(AT_FDCWD, path, dir_fd, name, AT_SYMLINK_FOLLOW);
}

bool WriteAll(int fd, const void* data, size_t size, bool sync) {
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
  return !sync || ::fsync(fd) == 0;
}

TempFiles::TempFiles(bool unnamed)
    : prefix_(std::string(kTempPrefix) + RandomHex() + "-"),
      link_method_(unnamed ? LinkMethod::kUnknownYet : LinkMethod::kNone) {}

std::string TempFiles::NextName() {
  char text[17];
  std::snprintf(text, sizeof text, "%" PRIx64, counter_.fetch_add(1));
  return prefix_ + text;
}

UniqueFd TempFiles::CreateNamed(int dir_fd, std::string& name) {
  for (int attempt = 0; attempt < kNameAttempts; ++attempt) {
    name = NextName();
    UniqueFd fd(
        ::openat(dir_fd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (fd.valid() || errno != EEXIST) return fd;
  }
  errno = EEXIST;
  return UniqueFd();
}

LinkMethod TempFiles::LinkMethodFor(int dir_fd) {
  LinkMethod method = link_method_.load();
  if (method == LinkMethod::kUnknownYet) {
    method = Probe(dir_fd);
    link_method_.store(method);
  }
  return method;
}

LinkMethod TempFiles::Probe(int dir_fd) {
  for (const LinkMethod method : {LinkMethod::kEmptyPath, LinkMethod::kProcFd}) {
    const UniqueFd fd = OpenAnonymous(dir_fd);
    if (!fd.valid()) return LinkMethod::kNone;
    const std::string name = NextName();
    if (LinkAnonymous(method, fd.get(), dir_fd, name.c_str()) == 0) {
      ::unlinkat(dir_fd, name.c_str(), 0);
      return method;
    }
  }
  return LinkMethod::kNone;
}

}  // namespace unpackd::local
