#include "rules/job_message.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "util/error.h"

namespace unpackd {
namespace {

constexpr const char* kMember = "unpackd_job";

[[noreturn]] void Malformed(const std::string& why) {
  throw Error(ErrorKind::kUsage, "a job message " + why, "malformed-event");
}

}  // namespace

std::string JobMessage::ToJson() const {
  nlohmann::json inner = {{"rule", rule},
                          {"bucket", bucket},
                          {"key", key},
                          {"etag", etag},
                          {"version_id", version_id},
                          {"size", size},
                          {"attempt", attempt},
                          {"started_at_ms", started_at_ms}};
  if (shard) inner["shard"] = shard->ToString();
  return nlohmann::json{{kMember, inner}}.dump(-1, ' ', false,
                                               nlohmann::json::error_handler_t::replace);
}

std::optional<JobMessage> ParseJobMessage(std::string_view body) {
  const nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc.contains(kMember)) return std::nullopt;
  const nlohmann::json& inner = doc[kMember];
  if (!inner.is_object()) Malformed("that is not an object");
  const auto text = [&](const char* name, bool required) -> std::string {
    const auto it = inner.find(name);
    if (it != inner.end() && it->is_string()) return it->get<std::string>();
    if (required) Malformed(std::string("without \"") + name + "\"");
    return {};
  };
  const auto number = [&](const char* name) -> int64_t {
    const auto it = inner.find(name);
    return it != inner.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
  };
  JobMessage message;
  message.rule = text("rule", true);
  message.bucket = text("bucket", true);
  message.key = text("key", true);
  message.etag = text("etag", true);
  message.version_id = text("version_id", false);
  message.size = static_cast<uint64_t>(std::max<int64_t>(number("size"), 0));
  message.attempt = static_cast<int>(std::clamp<int64_t>(number("attempt"), 1, 1'000'000));
  message.started_at_ms = number("started_at_ms");
  const std::string shard = text("shard", false);
  if (!shard.empty()) {
    try {
      message.shard = ParseShardSpec(shard);
    } catch (const Error& e) {
      Malformed(std::string("with a bad shard: ") + e.what());
    }
  }
  return message;
}

}  // namespace unpackd
