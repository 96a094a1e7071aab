#include "extract/manifest.h"

#include <cstdio>

#include "io/read_up_to.h"
#include "store/object_store.h"
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
    nlohmann::json member = {{"name", m.name}, {"key", m.key}, {"size", m.size}};
    if (m.crc32) member["crc32"] = Crc32Hex(*m.crc32);
    member["content_type"] = m.content_type;
    members_json.push_back(std::move(member));
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
      if (j.contains("crc32")) {
        mm.crc32 = static_cast<uint32_t>(std::stoul(j.at("crc32").get<std::string>(), nullptr, 16));
      }
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

std::optional<Manifest> ReadManifest(ObjectStore& store, const ObjectRef& ref) {
  std::unique_ptr<RandomAccessObject> object;
  try {
    object = store.OpenForRead(ref);
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kNotFound) return std::nullopt;
    throw;
  }
  const auto bytes = ReadUpTo(*object, 0, static_cast<size_t>(object->size()));
  try {
    return Manifest::FromJson(nlohmann::json::parse(
        std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size())));
  } catch (const std::exception&) {
    return std::nullopt;  // unreadable: treat as absent, it will be rewritten
  }
}

void WriteManifest(ObjectStore& store, const ObjectRef& ref, const Manifest& manifest) {
  const std::string text =
      manifest.ToJson().dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  WriteOptions options;
  options.content_type = "application/json";
  options.size_hint = text.size();
  auto writer = store.NewWriter(ref, options);
  writer->Append(std::as_bytes(std::span(text)));
  writer->Commit();
}

}  // namespace unpackd
