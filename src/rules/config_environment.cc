#include "rules/config_environment.h"

#include <optional>

#include "rules/config_values.h"
#include "rules/rule_fields.h"

namespace unpackd {
namespace {

// Parses a set variable or says which one is wrong.
template <class T, class Parse>
void Override(const EnvLookup& env, const std::string& name, T& target, Parse parse,
              const char* expected) {
  const std::string text = env(name);
  if (text.empty()) return;
  const auto value = parse(text);
  if (!value) ThrowBadConfig(name, "'" + text + "' is not " + expected);
  target = *value;
}

void OverrideString(const EnvLookup& env, const std::string& name, std::string& target) {
  Override(
      env, name, target, [](const std::string& text) { return std::optional(text); }, "");
}

void ApplyRuleEnvironment(const EnvLookup& env, Rule& rule) {
  const std::string prefix = RuleEnvPrefix(rule.name);
  for (const RuleFieldSpec& spec : RuleFields()) {
    std::string name = prefix;
    for (char c : spec.key) name += c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    std::visit(
        Overloaded{
            [&](std::string Rule::*field) { OverrideString(env, name, rule.*field); },
            [&](std::vector<std::string> Rule::*field) {
              Override(
                  env, name, rule.*field,
                  [](const std::string& text) { return std::optional(SplitList(text)); }, "a list");
            },
            [&](bool Rule::*field) {
              Override(env, name, rule.*field, ParseBool, "true or false");
            },
            [&](OnErrorPolicy Rule::*field) {
              Override(env, name, rule.*field, ParseOnError, "\"fail\" or \"skip\"");
            },
            [&](uint64_t ExtractionLimits::*field) {
              Override(env, name, rule.limits.*field, ParsePositiveInteger, "an integer above 0");
            },
            [&](double ExtractionLimits::*field) {
              Override(env, name, rule.limits.*field, ParsePositiveNumber, "a number above 0");
            },
        },
        spec.field);
  }
}

// An integer from `low` to `high` as a T, for limits such as SQS's and AMQP's ("0" is no
// positive integer, but it is a valid wait or heartbeat).
template <typename T>
auto IntegerIn(uint64_t low, uint64_t high) {
  return [low, high](const std::string& text) -> std::optional<T> {
    const std::optional<uint64_t> value =
        text == "0" ? std::optional<uint64_t>(0) : ParsePositiveInteger(text);
    if (!value || *value < low || *value > high) return std::nullopt;
    return static_cast<T>(*value);
  };
}

// Any SQS variable turns the source on; it then needs a queue URL from the file or the
// environment.
void ApplySqsEnvironment(const EnvLookup& env, ServiceConfig& config) {
  SqsSourceConfig sqs = config.sqs.value_or(SqsSourceConfig{});
  bool sqs_set = config.sqs.has_value();
  for (const char* name : {"UNPACKD_SQS_QUEUE_URL", "UNPACKD_SQS_ENDPOINT", "UNPACKD_SQS_REGION",
                           "UNPACKD_SQS_WAIT_SECONDS", "UNPACKD_SQS_MAX_MESSAGES",
                           "UNPACKD_SQS_VISIBILITY_TIMEOUT_SECONDS"}) {
    sqs_set = sqs_set || !env(name).empty();
  }
  if (!sqs_set) return;
  OverrideString(env, "UNPACKD_SQS_QUEUE_URL", sqs.queue_url);
  OverrideString(env, "UNPACKD_SQS_ENDPOINT", sqs.endpoint);
  OverrideString(env, "UNPACKD_SQS_REGION", sqs.region);
  Override(env, "UNPACKD_SQS_WAIT_SECONDS", sqs.wait_seconds, IntegerIn<int>(0, 20),
           "an integer from 0 to 20");
  Override(env, "UNPACKD_SQS_MAX_MESSAGES", sqs.max_messages, IntegerIn<int>(1, 10),
           "an integer from 1 to 10");
  Override(env, "UNPACKD_SQS_VISIBILITY_TIMEOUT_SECONDS", sqs.visibility_timeout_seconds,
           IntegerIn<int>(1, 43200), "an integer from 1 to 43200");
  if (sqs.queue_url.empty()) {
    ThrowBadConfig("UNPACKD_SQS_QUEUE_URL", "is needed when another UNPACKD_SQS_ variable is set");
  }
  config.sqs = sqs;
}

// Any AMQP variable turns the source on, with defaults for the rest; it then needs a URL.
void ApplyAmqpEnvironment(const EnvLookup& env, ServiceConfig& config) {
  AmqpSourceConfig amqp = config.amqp.value_or(AmqpSourceConfig{});
  bool amqp_set = config.amqp.has_value();
  for (const char* name :
       {"UNPACKD_AMQP_URL", "UNPACKD_AMQP_QUEUE", "UNPACKD_AMQP_EXCHANGE",
        "UNPACKD_AMQP_BINDING_KEY", "UNPACKD_AMQP_PREFETCH", "UNPACKD_AMQP_HEARTBEAT_SECONDS"}) {
    amqp_set = amqp_set || !env(name).empty();
  }
  if (!amqp_set) return;
  OverrideString(env, "UNPACKD_AMQP_URL", amqp.url);
  OverrideString(env, "UNPACKD_AMQP_QUEUE", amqp.queue);
  OverrideString(env, "UNPACKD_AMQP_EXCHANGE", amqp.exchange);
  OverrideString(env, "UNPACKD_AMQP_BINDING_KEY", amqp.binding_key);
  Override(env, "UNPACKD_AMQP_PREFETCH", amqp.prefetch, IntegerIn<uint16_t>(1, 65535),
           "an integer from 1 to 65535");
  Override(env, "UNPACKD_AMQP_HEARTBEAT_SECONDS", amqp.heartbeat_seconds,
           IntegerIn<uint16_t>(0, 65535), "an integer from 0 to 65535");
  if (amqp.url.empty()) ThrowBadConfig("UNPACKD_AMQP_URL", "the AMQP source needs a URL");
  config.amqp = std::move(amqp);
}

}  // namespace

void ApplyEnvironment(const EnvLookup& env, LoadedConfig& loaded) {
  ServiceConfig& config = loaded.config;
  OverrideString(env, "UNPACKD_STATE_DIR", config.state_dir);
  Override(env, "UNPACKD_WORKERS", config.workers, ParsePositiveInteger, "an integer above 0");
  Override(
      env, "UNPACKD_MEMORY", config.memory,
      [](const std::string& text) {
        return ParseByteSize(text) ? std::optional(text) : std::nullopt;
      },
      "a size such as 1GiB");
  OverrideString(env, "UNPACKD_STORE_ENDPOINT", config.store_endpoint);
  Override(env, "UNPACKD_FLEET", config.fleet.enabled, ParseBool, "true or false");
  Override(
      env, "UNPACKD_FLEET_MAX_SHARD_BYTES", config.fleet.max_shard_bytes,
      [](const std::string& text) { return ParseByteSize(text); }, "a size such as 4GiB");
  Override(env, "UNPACKD_FLEET_MAX_SHARD_MEMBERS", config.fleet.max_shard_members,
           ParsePositiveInteger, "an integer above 0");
  Override(env, "UNPACKD_FLEET_MAX_ATTEMPTS", config.fleet.max_attempts, IntegerIn<int>(1, 1000),
           "an integer from 1 to 1000");

  std::string watch_root = config.watch_root.value_or("");
  OverrideString(env, "UNPACKD_WATCH_ROOT", watch_root);
  if (!watch_root.empty()) config.watch_root = watch_root;

  // Any HTTP variable turns the webhook on, with defaults for the rest.
  HttpSourceConfig http = config.http.value_or(HttpSourceConfig{});
  bool http_set = config.http.has_value();
  for (const char* name : {"UNPACKD_HTTP_LISTEN", "UNPACKD_HTTP_PATH", "UNPACKD_HTTP_TOKEN",
                           "UNPACKD_HTTP_HMAC_SECRET", "UNPACKD_HTTP_MAX_BODY_BYTES"}) {
    http_set = http_set || !env(name).empty();
  }
  OverrideString(env, "UNPACKD_HTTP_LISTEN", http.listen);
  OverrideString(env, "UNPACKD_HTTP_PATH", http.path);
  OverrideString(env, "UNPACKD_HTTP_TOKEN", http.bearer_token);
  OverrideString(env, "UNPACKD_HTTP_HMAC_SECRET", http.hmac_secret);
  Override(env, "UNPACKD_HTTP_MAX_BODY_BYTES", http.max_body_bytes, ParsePositiveInteger,
           "an integer above 0");
  if (http_set) config.http = http;

  ApplySqsEnvironment(env, config);
  ApplyAmqpEnvironment(env, config);

  for (Rule& rule : config.rules) ApplyRuleEnvironment(env, rule);
}

}  // namespace unpackd
