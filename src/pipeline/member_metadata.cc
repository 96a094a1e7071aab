#include "pipeline/member_metadata.h"

#include "pipeline/manifest.h"

namespace unpackd {

std::string PercentEncode(const std::string& value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    const bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.' || c == '~' || c == '/';
    if (keep) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

UserMetadata MemberMetadata(const ObjectRef& archive, const std::string& archive_etag,
                            uint32_t crc32) {
  return {{kMetaSource, PercentEncode(archive.ToString())},
          {kMetaSourceEtag, archive_etag},
          {kMetaCrc32, Crc32Hex(crc32)}};
}

bool IsFromArchive(const ObjectInfo& info, const ObjectRef& archive,
                   const std::string& archive_etag, uint64_t size, uint32_t crc32) {
  auto get = [&](const char* name) {
    auto it = info.metadata.find(name);
    return it == info.metadata.end() ? std::string() : it->second;
  };
  return info.size == size && get(kMetaSource) == PercentEncode(archive.ToString()) &&
         get(kMetaSourceEtag) == archive_etag && get(kMetaCrc32) == Crc32Hex(crc32);
}

}  // namespace unpackd
