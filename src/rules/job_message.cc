#include "rules/job_message.h"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>

#include "util/error.h"

namespace unpackd {
namespace {

constexpr const char* kMember = "unpackd_job";

[[noreturn]] void Malformed(const std::string& why) {
  throw Error(ErrorKind::kUsage, "a job message " + why, "malformed-event");
}

constexpr std::array<std::pair<JobMessage::Step, const char*>, 3> kSteps = {{
    {JobMessage::Step::kRun, "run"},
    {JobMessage::Step::kCommit, "commit"},
    {JobMessage::Step::kFail, "fail"},
}};

}  // namespace

std::string JobMessage::ToJson() const {
  return ToJsonValue().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

nlohmann::json JobMessage::ToJsonValue() const {
  nlohmann::json inner = {{"rule", rule},
                          {"bucket", bucket},
                          {"key", key},
                          {"etag", etag},
                          {"version_id", version_id},
                          {"size", size},
                          {"attempt", attempt},
                          {"started_at_ms", started_at_ms}};
  if (shard) inner["shard"] = shard->ToString();
  if (step != Step::kRun) {
    for (const auto& [value, name] : kSteps) {
      if (value == step) inner["step"] = name;
    }
  }
  if (defer_commit) inner["defer_commit"] = true;
  return nlohmann::json{{kMember, inner}};
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
  const std::string step = text("step", false);
  if (!step.empty()) {
    const auto known = std::find_if(kSteps.begin(), kSteps.end(),
                                    [&](const auto& entry) { return step == entry.second; });
    if (known == kSteps.end()) Malformed("with an unknown step \"" + step + "\"");
    message.step = known->first;
  }
  const auto defer = inner.find("defer_commit");
  message.defer_commit = defer != inner.end() && defer->is_boolean() && defer->get<bool>();
  if (message.defer_commit && !message.shard) Malformed("that defers the commit of no shard");
  if (message.step == JobMessage::Step::kCommit && !message.shard) {
    Malformed("that commits no shards");
  }
  const auto error = doc.find("error");
  if (error != doc.end() && error->is_object()) {
    message.error = error->value("Error", "") + ": " + error->value("Cause", "");
  }
  return message;
}

}  // namespace unpackd
