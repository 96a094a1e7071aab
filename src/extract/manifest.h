// The manifest: the last object an extraction writes. Its presence means every member listed
// in it was written completely from the named archive version.
//
// The document leads with what it says about the whole job (source, destination, totals) and
// then lists members and skips, so a reader learns whether it is complete without reading
// the list, and neither writer nor reader holds the list in memory (manifest_writer.h,
// manifest_reader.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace unpackd {

inline constexpr const char* kManifestFormat = "unpackd-manifest/1";

// Everything in a manifest except its member and skip lists.
struct ManifestSummary {
  std::string source_bucket, source_key, source_etag, source_version_id;
  uint64_t source_size = 0;
  std::string destination_bucket, destination_prefix;
  uint64_t member_count = 0;
  uint64_t skipped_count = 0;
  // Listed members whose object this run found already holding their bytes and kept: written
  // by an interrupted run of this version, or by an earlier version (same size, CRC-32 and
  // Content-Type). Counted in member_count too.
  uint64_t reused_count = 0;
  uint64_t total_bytes = 0;  // content bytes of the listed members
  // Listed members whose object the store made from the archive's bytes itself
  // (ObjectStore::CopyRange), and those of them whose CRC-32 nobody checked (--copy-check=trust).
  uint64_t server_copied_count = 0;
  uint64_t crc_unchecked_count = 0;
  std::string created_at;  // ISO 8601 UTC
  std::string unpackd_version;
};

struct ManifestMember {
  std::string name;  // the member's path inside the archive (normalized)
  std::string key;
  uint64_t size = 0;
  std::optional<uint32_t> crc32;  // absent when the archive format records none
  std::string content_type;
  // Made by the store from the archive's bytes (ObjectStore::CopyRange); crc_checked false:
  // its CRC-32 was neither returned by the server nor read back (--copy-check=trust).
  bool server_copied = false;
  bool crc_checked = true;
};

struct ManifestSkip {
  std::string name;
  std::string code;
  std::string reason;
};

// "%08x" of a CRC-32, as the manifest and object metadata spell it.
std::string Crc32Hex(uint32_t crc);

}  // namespace unpackd
