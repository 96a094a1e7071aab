#include "extract/member_metadata.h"

#include "extract/manifest.h"
#include "net/uri_encoding.h"

namespace unpackd {

namespace {

std::string EncodedSource(const ObjectRef& archive) {
  return net::UriEncodePath(archive.ToString());
}

std::string MetadataValue(const ObjectInfo& info, const char* name) {
  auto it = info.metadata.find(name);
  return it == info.metadata.end() ? std::string() : it->second;
}

}  // namespace

UserMetadata MemberMetadata(const ObjectRef& archive, const std::string& archive_etag,
                            std::optional<uint32_t> crc32) {
  UserMetadata metadata = {{kMetaSource, EncodedSource(archive)}, {kMetaSourceEtag, archive_etag}};
  if (crc32) metadata[kMetaCrc32] = Crc32Hex(*crc32);
  return metadata;
}

bool HoldsMemberBytes(const ObjectInfo& info, const ObjectRef& archive, uint64_t size,
                      std::optional<uint32_t> crc32, const std::string& content_type) {
  return crc32 && info.size == size && info.content_type == content_type &&
         IsFromSourceKey(info, archive) && MetadataValue(info, kMetaCrc32) == Crc32Hex(*crc32);
}

bool IsFromSourceKey(const ObjectInfo& info, const ObjectRef& archive) {
  return MetadataValue(info, kMetaSource) == EncodedSource(archive);
}

bool IsFromArchive(const ObjectInfo& info, const ObjectRef& archive,
                   const std::string& archive_etag, uint64_t size, std::optional<uint32_t> crc32) {
  auto get = [&](const char* name) { return MetadataValue(info, name); };
  return info.size == size && IsFromSourceKey(info, archive) &&
         get(kMetaSourceEtag) == archive_etag &&
         get(kMetaCrc32) == (crc32 ? Crc32Hex(*crc32) : std::string());
}

}  // namespace unpackd
