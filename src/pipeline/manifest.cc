#include "pipeline/manifest.h"

#include <cstdio>

#include "util/error.h"

namespace unpackd {

std::string Crc32Hex(uint32_t crc) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", crc);
  return buf;
}

nlohmann::json Manifest::ToJson() const {
  nlohmann::json members_json = nlohmann::json::array();
  for (const auto& m : members) {
    members_json.push_back({{"name", m.name},
                            {"key", m.key},
                            {"size", m.size},
                            {"crc32", Crc32Hex(m.crc32)},
                            {"content_type", m.content_type}});
  }
  nlohmann::json skipped_json = nlohmann::json::array();
  for (const auto& s : skipped) {
    skipped_json.push_back({{"name", s.name}, {"code", s.code}, {"reason", s.reason}});
  }
  return {{"format", kManifestFormat},
          {"source",
           {{"bucket", source_bucket},
            {"key", source_key},
            {"etag", source_etag},
            {"version_id", source_version_id},
            {"size", source_size}}},
          {"destination", {{"bucket", destination_bucket}, {"prefix", destination_prefix}}},
          {"members", members_json},
          {"skipped", skipped_json},
          {"totals",
           {{"members", members.size()}, {"bytes", total_bytes}, {"skipped", skipped.size()}}},
          {"created_at", created_at},
          {"unpackd_version", unpackd_version}};
}

Manifest Manifest::FromJson(const nlohmann::json& json) {
  try {
    if (json.at("format").get<std::string>() != kManifestFormat) {
      throw Error(ErrorKind::kIo,
                  "unknown manifest format '" + json.at("format").get<std::string>() + "'");
    }
    Manifest m;
    const auto& src = json.at("source");
    m.source_bucket = src.at("bucket").get<std::string>();
    m.source_key = src.at("key").get<std::string>();
    m.source_etag = src.at("etag").get<std::string>();
    m.source_version_id = src.value("version_id", "");
    m.source_size = src.at("size").get<uint64_t>();
    m.destination_bucket = json.at("destination").at("bucket").get<std::string>();
    m.destination_prefix = json.at("destination").at("prefix").get<std::string>();
    for (const auto& j : json.at("members")) {
      ManifestMember mm;
      mm.name = j.at("name").get<std::string>();
      mm.key = j.at("key").get<std::string>();
      mm.size = j.at("size").get<uint64_t>();
      mm.crc32 = static_cast<uint32_t>(std::stoul(j.at("crc32").get<std::string>(), nullptr, 16));
      mm.content_type = j.at("content_type").get<std::string>();
      m.members.push_back(std::move(mm));
    }
    for (const auto& j : json.value("skipped", nlohmann::json::array())) {
      m.skipped.push_back({j.at("name").get<std::string>(), j.at("code").get<std::string>(),
                           j.at("reason").get<std::string>()});
    }
    m.total_bytes = json.at("totals").at("bytes").get<uint64_t>();
    m.created_at = json.value("created_at", "");
    m.unpackd_version = json.value("unpackd_version", "");
    return m;
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorKind::kIo, std::string("malformed manifest: ") + e.what());
  } catch (const std::invalid_argument&) {
    throw Error(ErrorKind::kIo, "malformed manifest: bad crc32");
  }
}

}  // namespace unpackd
