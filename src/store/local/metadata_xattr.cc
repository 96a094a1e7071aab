#include "store/local/metadata_xattr.h"

#include <sys/xattr.h>

#include <array>
#include <cerrno>
#include <string>

#include "store/local/local_errors.h"

namespace unpackd::local {
namespace {

// Most entries fit a first read into this, sparing the size query.
constexpr size_t kFirstReadBytes = 1024;

// A larger attribute is not ours (the encoder never makes one: filesystems cap them near 4 KiB).
constexpr size_t kMaxXattrBytes = 64 * 1024;

std::optional<SidecarEntry> Decode(std::string_view text) {
  Sidecar sidecar = DecodeSidecar(text);
  if (sidecar.size() != 1) return std::nullopt;
  return std::move(sidecar.front());
}

}  // namespace

XattrOutcome SetMetadataXattr(int fd, const SidecarEntry& entry, const std::string& context) {
  const std::string text = EncodeSidecar({entry});
  if (::fsetxattr(fd, kMetadataXattrName, text.data(), text.size(), 0) == 0) {
    return XattrOutcome::kSet;
  }
  const int err = errno;
  if (err == ENOTSUP) return XattrOutcome::kUnsupported;  // == EOPNOTSUPP on Linux
  if (err == E2BIG || err == ENOSPC || err == ERANGE) return XattrOutcome::kTooLarge;
  ThrowErrno(ErrorKind::kIo, context, "setting the metadata attribute of the temp file", err);
}

std::optional<SidecarEntry> ReadMetadataXattr(int fd) {
  std::array<char, kFirstReadBytes> buffer;
  const ssize_t n = ::fgetxattr(fd, kMetadataXattrName, buffer.data(), buffer.size());
  if (n >= 0) return Decode(std::string_view(buffer.data(), static_cast<size_t>(n)));
  // ERANGE: larger than the first read. The size may change between the two calls (another
  // tool); a second ERANGE then reads as no attribute, like any other failure.
  if (errno != ERANGE) return std::nullopt;
  const ssize_t size = ::fgetxattr(fd, kMetadataXattrName, nullptr, 0);
  if (size <= 0 || static_cast<size_t>(size) > kMaxXattrBytes) return std::nullopt;
  std::string text(static_cast<size_t>(size), '\0');
  const ssize_t got = ::fgetxattr(fd, kMetadataXattrName, text.data(), text.size());
  if (got < 0) return std::nullopt;
  text.resize(static_cast<size_t>(got));
  return Decode(text);
}

}  // namespace unpackd::local
