#include "store/local/file_identity.h"

#include <cinttypes>
#include <cstdint>
#include <cstdio>

namespace unpackd::local {
namespace {

int64_t MtimeNs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

}  // namespace

std::string EtagOf(const struct stat& st) {
  char text[64];
  std::snprintf(text, sizeof text, "%" PRIx64 "-%" PRIx64 "-%" PRIx64,
                static_cast<uint64_t>(st.st_ino), static_cast<uint64_t>(st.st_size),
                static_cast<uint64_t>(MtimeNs(st)));
  return text;
}

bool SameFile(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

bool SameContent(const struct stat& a, const struct stat& b) {
  return SameFile(a, b) && a.st_size == b.st_size && MtimeNs(a) == MtimeNs(b);
}

}  // namespace unpackd::local
