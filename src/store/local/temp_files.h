// Temp files, in which new data and sidecars are written before they are put in place.
//
// Unnamed (O_TMPFILE) files where the filesystem and kernel allow: an aborted or crashed write
// leaves nothing behind, and linking one under a new key saves the rename. Otherwise named
// files ".unpackd-tmp-<random per store>-<counter>" (the reserved prefix: never a valid key),
// created with O_EXCL and renamed into place.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "util/unique_fd.h"

namespace unpackd::local {

// How this process gives an unnamed (O_TMPFILE) file a name.
enum class LinkMethod {
  kEmptyPath,  // linkat(fd, "", AT_EMPTY_PATH): root, or Linux >= 6.10 for our own files
  kProcFd,     // linkat("/proc/self/fd/N", AT_SYMLINK_FOLLOW): needs /proc
  kNone,       // no O_TMPFILE on this filesystem, or neither works: named temp files only
  kUnknownYet,
};

// An unnamed file in `dir_fd`, or an invalid fd (errno set) if the filesystem has none.
UniqueFd OpenAnonymous(int dir_fd);

// Gives the unnamed file `fd` the name `name` in `dir_fd`, atomically with all its content;
// fails with EEXIST rather than replace anything. 0, or -1 with errno set.
int LinkAnonymous(LinkMethod method, int fd, int dir_fd, const char* name);

// Writes all of `data` to `fd`, then fsyncs it if `sync`; false with errno set on failure.
bool WriteAll(int fd, const void* data, size_t size, bool sync = false);
inline bool WriteAll(int fd, std::string_view text, bool sync = false) {
  return WriteAll(fd, text.data(), text.size(), sync);
}

// Names and creates the temp files of one store. Thread-safe.
class TempFiles {
 public:
  // With `unnamed` false, only named temp files are used.
  explicit TempFiles(bool unnamed);
  TempFiles(const TempFiles&) = delete;
  TempFiles& operator=(const TempFiles&) = delete;

  // A temp file name no other writer of this store uses: a random prefix per store (so other
  // processes rarely collide; O_EXCL catches it when they do) plus a counter, which costs no
  // syscall, unlike asking the kernel for randomness per file.
  std::string NextName();

  // Creates a new, empty named temp file in `dir_fd`; returns its fd and sets `name`. Invalid
  // with errno set on failure.
  UniqueFd CreateNamed(int dir_fd, std::string& name);

  // How unnamed files can be linked into `dir_fd`'s filesystem (a bucket folder); found out
  // once per store by linking a probe file (kernel version, capabilities and /proc decide).
  LinkMethod LinkMethodFor(int dir_fd);

 private:
  LinkMethod Probe(int dir_fd);

  const std::string prefix_;
  std::atomic<uint64_t> counter_{0};
  std::atomic<LinkMethod> link_method_;
};

}  // namespace unpackd::local
