#include "notify/target_config.h"

#include <fstream>
#include <iterator>
#include <optional>

#include "notify/slack_target.h"
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

void CheckUrl(const TargetConfig& config, const std::string& url) {
  const std::string redacted = Redacted(url);
  for (const char c : url) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) {
      Fail(config, "its URL " + redacted + " holds a space or control character");
    }
  }
  const std::string lower = AsciiLower(std::string_view(url).substr(0, 8));
  const bool https = lower.starts_with("https://");
  const bool http = lower.starts_with("http://");
  if (!https && !http) Fail(config, "its URL " + redacted + " is not an https:// URL");
  const std::string_view host = HostOf(url);
  if (host.empty()) Fail(config, "its URL " + redacted + " has no host");
  if (http && !config.allow_insecure_http && !IsLoopbackHost(host)) {
    Fail(config, "its URL " + redacted +
                     " is http:// to a host that is not loopback; use https:// (or allow "
                     "insecure http explicitly)");
  }
}

}  // namespace

const char* TargetKindName(TargetConfig::Kind kind) {
  return kind == TargetConfig::Kind::kSlack ? "slack" : "webhook";
}

ResolvedTarget ResolveTarget(const TargetConfig& config) {
  if (config.name.empty()) Fail(config, "has no name");
  ResolvedTarget target;
  target.name = config.name;
  target.kind = config.kind;
  target.timeout = config.timeout;
  if (config.timeout.count() <= 0) Fail(config, "its timeout must be positive");
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
  } else {
    // The text is echoed only when it looks like a misspelt kind: a value without '=' may be a
    // bare Slack URL or token.
    const bool word = kind.size() <= 20 && kind.find_first_not_of("abcdefghijklmnopqrstuvwxyz-_") ==
                                               std::string_view::npos;
    throw Error(ErrorKind::kUsage,
                "--notify wants webhook=URL or slack=URL" +
                    (word ? ", not " + std::string(kind) + "=..." : std::string()),
                kCode);
  }
  if (equals == std::string_view::npos || equals + 1 == spec.size()) {
    throw Error(ErrorKind::kUsage, "--notify " + config.name + "= needs a URL", kCode);
  }
  config.url = std::string(spec.substr(equals + 1));
  return config;
}

std::unique_ptr<NotificationTarget> MakeTarget(const ResolvedTarget& target,
                                               net::HttpClient& http) {
  if (target.kind == TargetConfig::Kind::kSlack) {
    return std::make_unique<SlackTarget>(
        SlackTargetOptions{target.name, target.url, target.timeout}, http);
  }
  return std::make_unique<WebhookTarget>(
      WebhookTargetOptions{target.name, target.url, target.secret, target.timeout}, http);
}

}  // namespace unpackd::notify
