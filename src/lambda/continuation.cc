#include "lambda/continuation.h"

#include <nlohmann/json.hpp>

#include "util/error.h"

namespace unpackd::lambda {
namespace {

constexpr const char* kMember = "unpackd_continuation";

}  // namespace

std::string ContinuationJson(const Continuation& c) {
  const nlohmann::json inner = {{"rule", c.rule},
                                {"bucket", c.bucket},
                                {"key", c.key},
                                {"etag", c.etag},
                                {"version_id", c.version_id},
                                {"size", c.size},
                                {"started_at_ms", c.started_at_ms},
                                {"invocation", c.invocation},
                                {"idle_invocations", c.idle_invocations},
                                {"shard", c.shard},
                                {"defer_commit", c.defer_commit}};
  return nlohmann::json{{kMember, inner}}.dump();
}

std::optional<Continuation> ParseContinuation(std::string_view event) {
  const nlohmann::json doc = nlohmann::json::parse(event, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc.contains(kMember)) return std::nullopt;
  const nlohmann::json& inner = doc[kMember];
  const auto text = [&](const char* name, bool required) -> std::string {
    const auto it = inner.is_object() ? inner.find(name) : inner.end();
    if (inner.is_object() && it != inner.end() && it->is_string()) return it->get<std::string>();
    if (required) {
      throw Error(ErrorKind::kUsage, std::string("a continuation payload without \"") + name + "\"",
                  "malformed-event");
    }
    return {};
  };
  const auto number = [&](const char* name) -> int64_t {
    const auto it = inner.find(name);
    return it != inner.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
  };
  Continuation c;
  c.rule = text("rule", true);
  c.bucket = text("bucket", true);
  c.key = text("key", true);
  c.etag = text("etag", true);
  c.version_id = text("version_id", false);
  c.size = static_cast<uint64_t>(std::max<int64_t>(number("size"), 0));
  c.started_at_ms = number("started_at_ms");
  c.invocation = static_cast<int>(std::clamp<int64_t>(number("invocation"), 1, 1'000'000));
  c.idle_invocations =
      static_cast<int>(std::clamp<int64_t>(number("idle_invocations"), 0, 1'000'000));
  c.shard = text("shard", false);
  const auto defer = inner.find("defer_commit");
  c.defer_commit = defer != inner.end() && defer->is_boolean() && defer->get<bool>();
  return c;
}

}  // namespace unpackd::lambda
