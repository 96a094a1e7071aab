#include "extract/member_metadata.h"

#include "extract/manifest.h"
#include "net/uri_encoding.h"

namespace unpackd {

namespace {

std::string EncodedSource(const ObjectRef& archive) {
  return net::UriEncodePath(archive.ToString());
}

}  // namespace

UserMetadata MemberMetadata(const ObjectRef& archive, const std::string& archive_etag,
                            std::optional<uint32_t> crc32) {
  UserMetadata metadata = {{kMetaSource, EncodedSource(archive)}, {kMetaSourceEtag, archive_etag}};
  if (crc32) metadata[kMetaCrc32] = Crc32Hex(*crc32);
  return metadata;
}

bool IsFromArchive(const ObjectInfo& info, const ObjectRef& archive,
                   const std::string& archive_etag, uint64_t size, std::optional<uint32_t> crc32) {
  auto get = [&](const char* name) {
    auto it = info.metadata.find(name);
    return it == info.metadata.end() ? std::string() : it->second;
  };
  return info.size == size && get(kMetaSource) == EncodedSource(archive) &&
         get(kMetaSourceEtag) == archive_etag &&
         get(kMetaCrc32) == (crc32 ? Crc32Hex(*crc32) : std::string());
}

}  // namespace unpackd
