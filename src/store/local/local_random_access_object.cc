#include "store/local/local_random_access_object.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <utility>

#include "store/local/file_identity.h"
#include "store/local/local_errors.h"

namespace unpackd::local {

LocalRandomAccessObject::LocalRandomAccessObject(ObjectRef ref, OpenedObject opened)
    : ref_(std::move(ref)), opened_(std::move(opened)) {}

size_t LocalRandomAccessObject::ReadAt(uint64_t offset, std::span<std::byte> dst) {
  const uint64_t size = opened_.info.size;
  size_t wanted = 0;
  if (offset < size) wanted = static_cast<size_t>(std::min<uint64_t>(dst.size(), size - offset));
  size_t done = 0;
  while (done < wanted) {
    const ssize_t n = ::pread(opened_.fd.get(), dst.data() + done, wanted - done,
                              static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      ThrowErrno(ErrorKind::kIo, Context("read", ref_),
                 "pread at offset " + std::to_string(offset + done), errno);
    }
    if (n == 0) break;  // shorter than when opened: CheckUnchanged reports it
    done += static_cast<size_t>(n);
  }
  // Checked after reading so that a change during the read is caught too.
  CheckUnchanged();
  if (done < wanted) {
    throw Error(ErrorKind::kPrecondition,
                Context("read", ref_) + ": the file became shorter while being read");
  }
  return done;
}

void LocalRandomAccessObject::CheckUnchanged() const {
  struct stat now;
  if (::fstat(opened_.fd.get(), &now) != 0) {
    ThrowErrno(ErrorKind::kIo, Context("read", ref_), "fstat", errno);
  }
  if (!SameContent(now, opened_.st)) {
    throw Error(ErrorKind::kPrecondition,
                Context("read", ref_) +
                    ": the object was modified in place since it was opened (ETag " +
                    opened_.info.etag + " -> " + EtagOf(now) + ")");
  }
  struct stat named;
  if (::fstatat(opened_.parent->fd.get(), opened_.leaf.c_str(), &named, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) {
      throw Error(ErrorKind::kPrecondition,
                  Context("read", ref_) + ": the object was deleted since it was opened");
    }
    ThrowErrno(ErrorKind::kIo, Context("read", ref_), "fstatat", errno);
  }
  if (!SameFile(named, opened_.st)) {
    throw Error(ErrorKind::kPrecondition, Context("read", ref_) +
                                              ": the object was replaced since it was opened "
                                              "(ETag " +
                                              opened_.info.etag + ")");
  }
}

}  // namespace unpackd::local
