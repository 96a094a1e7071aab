// The manifest: the last object an extraction writes. Its presence means every member listed
// in it was written completely from the named archive version.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace unpackd {

inline constexpr const char* kManifestFormat = "unpackd-manifest/1";

struct ManifestMember {
  std::string name;  // the member's path inside the archive (normalized)
  std::string key;
  uint64_t size = 0;
  std::optional<uint32_t> crc32;  // absent when the archive format records none
  std::string content_type;
};

struct ManifestSkip {
  std::string name;
  std::string code;
  std::string reason;
};

struct Manifest {
  std::string source_bucket, source_key, source_etag, source_version_id;
  uint64_t source_size = 0;
  std::string destination_bucket, destination_prefix;
  std::vector<ManifestMember> members;
  std::vector<ManifestSkip> skipped;
  uint64_t total_bytes = 0;
  std::string created_at;  // ISO 8601 UTC
  std::string unpackd_version;

  nlohmann::json ToJson() const;
  // Throws Error(kIo) naming what is missing when `json` is not a manifest of this format.
  static Manifest FromJson(const nlohmann::json& json);
};

// "%08x" of a CRC-32, as the manifest and object metadata spell it.
std::string Crc32Hex(uint32_t crc);

class ObjectStore;
struct ObjectRef;

// The manifest at `ref`, or nullopt when there is none or it is unreadable (it will be
// rewritten). Store errors other than kNotFound propagate.
std::optional<Manifest> ReadManifest(ObjectStore& store, const ObjectRef& ref);

// Writes `manifest` at `ref` (application/json); its presence then vouches for the members.
void WriteManifest(ObjectStore& store, const ObjectRef& ref, const Manifest& manifest);

}  // namespace unpackd
