#include "notify/target_config.h"

#include <fstream>
#include <iterator>
#include <optional>

#include "notify/eventbridge_target.h"
#include "notify/lambda_target.h"
#include "notify/slack_target.h"
#include "notify/sns_target.h"
#include "notify/webhook_target.h"
#include "util/ascii.h"
#include "util/env.h"
#include "util/error.h"

namespace unpackd::notify {
namespace {

constexpr const char* kCode = "notify-config";

[[noreturn]] void Fail(const TargetConfig& config, const std::string& problem) {
  throw Error(ErrorKind::kUsage,
              std::string("notification target '") + config.name + "' (" +
                  TargetKindName(config.kind) + "): " + problem,
              kCode);
}

// The file's content without its trailing line break(s), as `echo secret > file` leaves them.
std::optional<std::string> ReadTrimmed(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return std::nullopt;
  while (!content.empty() && (content.back() == '\n' || content.back() == '\r')) {
    content.pop_back();
  }
  return content;
}

// One value from exactly one of a literal, an environment variable and a file; `what` names the
// value in messages ("URL", "secret"), which never quote the value itself.
std::string ReadSetting(const TargetConfig& config, const char* what, const std::string& literal,
                        const std::string& env, const std::string& file) {
  const int sources = !literal.empty() + !env.empty() + !file.empty();
  if (sources > 1) Fail(config, std::string("its ") + what + " is configured more than once");
  if (!literal.empty()) return literal;
  if (!env.empty()) {
    std::string value = GetEnv(env.c_str());
    if (value.empty())
      Fail(config,
           std::string("the environment variable ") + env + " (its " + what + ") is not set");
    return value;
  }
  if (!file.empty()) {
    const std::optional<std::string> value = ReadTrimmed(file);
    if (!value) Fail(config, std::string("cannot read its ") + what + " file " + file);
    if (value->empty()) Fail(config, std::string("its ") + what + " file " + file + " is empty");
    return *value;
  }
  return {};
}

bool IsLoopbackHost(std::string_view host) {
  if (AsciiLower(host) == "localhost" || host == "[::1]") return true;
  // 127.0.0.0/8 spelled as four decimal octets.
  if (!host.starts_with("127.")) return false;
  int dots = 0;
  for (const char c : host) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return dots == 3;
}

// The host of an http(s) URL (brackets kept for IPv6), or "" when it has none.
std::string_view HostOf(std::string_view url) {
  const size_t start = url.find("://") + 3;
  std::string_view authority = url.substr(start, url.find_first_of("/?#", start) - start);
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  if (authority.starts_with('[')) return authority.substr(0, authority.find(']') + 1);
  return authority.substr(0, authority.find(':'));
}

void CheckUrl(const TargetConfig& config, const std::string& url, const char* what = "URL") {
  const std::string redacted = Redacted(url);
  for (const char c : url) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) {
      Fail(config,
           std::string("its ") + what + " " + redacted + " holds a space or control character");
    }
  }
  const std::string lower = AsciiLower(std::string_view(url).substr(0, 8));
  const bool https = lower.starts_with("https://");
  const bool http = lower.starts_with("http://");
  if (!https && !http)
    Fail(config, std::string("its ") + what + " " + redacted + " is not an https:// URL");
  const std::string_view host = HostOf(url);
  if (host.empty()) Fail(config, std::string("its ") + what + " " + redacted + " has no host");
  if (http && !config.allow_insecure_http && !IsLoopbackHost(host)) {
    Fail(config, std::string("its ") + what + " " + redacted +
                     " is http:// to a host that is not loopback; use https:// (or allow "
                     "insecure http explicitly)");
  }
}

}  // namespace

const char* TargetKindName(TargetConfig::Kind kind) {
  switch (kind) {
    case TargetConfig::Kind::kWebhook:
      return "webhook";
    case TargetConfig::Kind::kSlack:
      return "slack";
    case TargetConfig::Kind::kLambda:
      return "lambda";
    case TargetConfig::Kind::kSns:
      return "sns";
    case TargetConfig::Kind::kEventBridge:
      return "eventbridge";
  }
  return "webhook";
}

bool IsAwsKind(TargetConfig::Kind kind) {
  return kind == TargetConfig::Kind::kLambda || kind == TargetConfig::Kind::kSns ||
         kind == TargetConfig::Kind::kEventBridge;
}

namespace {

// An AWS target names exactly its kind's resource and carries no URL or secret: its requests are
// signed with the process's AWS credentials.
void ResolveAwsTarget(const TargetConfig& config, ResolvedTarget& target) {
  if (!config.url.empty() || !config.url_env.empty() || !config.url_file.empty() ||
      !config.secret_env.empty() || !config.secret_file.empty()) {
    Fail(config,
         "an AWS target takes no URL or secret: it is signed with the AWS credentials "
         "(use endpoint to send elsewhere than AWS)");
  }
  struct Field {
    TargetConfig::Kind kind;
    const char* key;
    const std::string* value;
  };
  for (const Field& field :
       {Field{TargetConfig::Kind::kLambda, "function", &config.function},
        Field{TargetConfig::Kind::kSns, "topic_arn", &config.topic_arn},
        Field{TargetConfig::Kind::kEventBridge, "event_bus", &config.event_bus}}) {
    if (field.kind == config.kind) {
      target.resource = *field.value;
    } else if (!field.value->empty()) {
      Fail(config, std::string("takes no ") + field.key);
    }
  }
  if (config.kind == TargetConfig::Kind::kLambda && target.resource.empty()) {
    Fail(config, "has no function (its name or ARN)");
  }
  if (config.kind == TargetConfig::Kind::kSns &&
      (!target.resource.starts_with("arn:") ||
       target.resource.find(":sns:") == std::string::npos)) {
    Fail(config, "needs topic_arn, an SNS topic's ARN (arn:aws:sns:<region>:<account>:<name>)");
  }
  for (const char c : target.resource + config.region) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      Fail(config, "its resource or region holds a space or control character");
    }
  }
  if (!config.endpoint.empty()) CheckUrl(config, config.endpoint, "endpoint");
  target.region = config.region;
  target.endpoint = config.endpoint;
}

}  // namespace

ResolvedTarget ResolveTarget(const TargetConfig& config) {
  if (config.name.empty()) Fail(config, "has no name");
  ResolvedTarget target;
  target.name = config.name;
  target.kind = config.kind;
  target.timeout = config.timeout;
  if (config.timeout.count() <= 0) Fail(config, "its timeout must be positive");
  if (IsAwsKind(config.kind)) {
    ResolveAwsTarget(config, target);
    return target;
  }
  if (!config.function.empty() || !config.topic_arn.empty() || !config.event_bus.empty() ||
      !config.region.empty() || !config.endpoint.empty()) {
    Fail(config, "function, topic_arn, event_bus, region and endpoint are for AWS targets");
  }
  target.url = ReadSetting(config, "URL", config.url, config.url_env, config.url_file);
  if (target.url.empty()) Fail(config, "has no URL (url, url_env or url_file)");
  CheckUrl(config, target.url);
  if (config.kind == TargetConfig::Kind::kWebhook) {
    target.secret = ReadSetting(config, "secret", "", config.secret_env, config.secret_file);
    if (target.secret.empty()) {
      Fail(config, "has no signing secret (secret_env or secret_file; for --notify, set " +
                       std::string(kWebhookSecretEnv) + ")");
    }
  } else if (!config.secret_env.empty() || !config.secret_file.empty()) {
    Fail(config, "a Slack target takes no secret: its URL is the secret");
  }
  return target;
}

TargetConfig ParseNotifySpec(std::string_view spec) {
  const size_t equals = spec.find('=');
  const std::string_view kind = spec.substr(0, equals);
  TargetConfig config;
  config.name = std::string(kind);
  if (kind == "webhook") {
    config.kind = TargetConfig::Kind::kWebhook;
    config.secret_env = kWebhookSecretEnv;
  } else if (kind == "slack") {
    config.kind = TargetConfig::Kind::kSlack;
  } else if (kind == "lambda") {
    config.kind = TargetConfig::Kind::kLambda;
  } else if (kind == "sns") {
    config.kind = TargetConfig::Kind::kSns;
  } else if (kind == "eventbridge") {
    config.kind = TargetConfig::Kind::kEventBridge;
  } else {
    // The text is echoed only when it looks like a misspelt kind: a value without '=' may be a
    // bare Slack URL or token.
    const bool word = kind.size() <= 20 && kind.find_first_not_of("abcdefghijklmnopqrstuvwxyz-_") ==
                                               std::string_view::npos;
    throw Error(ErrorKind::kUsage,
                "--notify wants webhook=URL, slack=URL, lambda=FUNCTION, sns=TOPIC_ARN or "
                "eventbridge=BUS" +
                    (word ? ", not " + std::string(kind) + "=..." : std::string()),
                kCode);
  }
  if (equals == std::string_view::npos || equals + 1 == spec.size()) {
    throw Error(
        ErrorKind::kUsage,
        "--notify " + config.name + "= needs " +
            (IsAwsKind(config.kind) ? "what to notify (a function, topic ARN or bus)" : "a URL"),
        kCode);
  }
  std::string value(spec.substr(equals + 1));
  switch (config.kind) {
    case TargetConfig::Kind::kLambda:
      config.function = std::move(value);
      break;
    case TargetConfig::Kind::kSns:
      config.topic_arn = std::move(value);
      break;
    case TargetConfig::Kind::kEventBridge:
      config.event_bus = std::move(value);
      break;
    default:
      config.url = std::move(value);
  }
  return config;
}

std::unique_ptr<NotificationTarget> MakeTarget(const ResolvedTarget& target, net::HttpClient& http,
                                               const AwsTargetEnvironment& aws) {
  switch (target.kind) {
    case TargetConfig::Kind::kLambda:
      return std::make_unique<LambdaTarget>(LambdaTargetOptions{
          target.name, target.resource,
          AwsClientConfigFor<aws::LambdaClientConfig>(target.endpoint, target.region,
                                                      target.resource, target.timeout, aws)});
    case TargetConfig::Kind::kSns:
      return std::make_unique<SnsTarget>(SnsTargetOptions{
          target.name, target.resource,
          AwsClientConfigFor<aws::SnsClientConfig>(target.endpoint, target.region, target.resource,
                                                   target.timeout, aws)});
    case TargetConfig::Kind::kEventBridge:
      return std::make_unique<EventBridgeTarget>(EventBridgeTargetOptions{
          target.name, target.resource,
          AwsClientConfigFor<aws::EventBridgeClientConfig>(target.endpoint, target.region,
                                                           target.resource, target.timeout, aws)});
    default:
      break;
  }
  if (target.kind == TargetConfig::Kind::kSlack) {
    return std::make_unique<SlackTarget>(
        SlackTargetOptions{target.name, target.url, target.timeout}, http);
  }
  return std::make_unique<WebhookTarget>(
      WebhookTargetOptions{target.name, target.url, target.secret, target.timeout}, http);
}

}  // namespace unpackd::notify
