#include "rules/config_file.h"

#include <toml++/toml.h>

#include <cmath>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <utility>

#include "rules/config_values.h"
#include "rules/rule_fields.h"

namespace unpackd {
namespace {

class TomlReader {
 public:
  explicit TomlReader(std::string file) : file_(std::move(file)) {}

  std::string At(const toml::source_region& where) const {
    return file_ + ":" + std::to_string(where.begin.line);
  }

  [[noreturn]] void Fail(const toml::node& node, const std::string& what) const {
    ThrowBadConfig(At(node.source()), what);
  }

  // Typos must not silently turn a filter off: every key is known or an error.
  void CheckKeys(const toml::table& table, std::initializer_list<std::string_view> known,
                 const std::string& path) const {
    for (const auto& [key, node] : table) {
      bool found = false;
      for (std::string_view name : known) found = found || key.str() == name;
      if (!found)
        ThrowBadConfig(At(key.source()), "unknown key '" + path + std::string(key.str()) + "'");
    }
  }

  const toml::table& Table(const toml::node& node, const std::string& name) const {
    if (!node.is_table()) Fail(node, name + " must be a table");
    return *node.as_table();
  }

  std::string String(const toml::node& node, const std::string& name) const {
    if (!node.is_string()) Fail(node, name + " must be a string");
    return node.as_string()->get();
  }

  std::vector<std::string> StringList(const toml::node& node, const std::string& name) const {
    if (!node.is_array()) Fail(node, name + " must be an array of strings");
    std::vector<std::string> items;
    for (const toml::node& item : *node.as_array()) items.push_back(String(item, name + " items"));
    return items;
  }

  uint64_t PositiveInteger(const toml::node& node, const std::string& name) const {
    if (!node.is_integer() || node.as_integer()->get() <= 0) {
      Fail(node, name + " must be an integer above 0");
    }
    return static_cast<uint64_t>(node.as_integer()->get());
  }

  double PositiveNumber(const toml::node& node, const std::string& name) const {
    double value = 0;
    if (node.is_integer()) value = static_cast<double>(node.as_integer()->get());
    if (node.is_floating_point()) value = node.as_floating_point()->get();
    if (!(value > 0) || !std::isfinite(value)) Fail(node, name + " must be a number above 0");
    return value;
  }

  bool Bool(const toml::node& node, const std::string& name) const {
    if (!node.is_boolean()) Fail(node, name + " must be true or false");
    return node.as_boolean()->get();
  }

  void ReadRuleField(const RuleFieldSpec& spec, const toml::node& node, const std::string& name,
                     Rule& rule) const {
    std::visit(
        Overloaded{
            [&](std::string Rule::*field) { rule.*field = String(node, name); },
            [&](std::vector<std::string> Rule::*field) { rule.*field = StringList(node, name); },
            [&](bool Rule::*field) { rule.*field = Bool(node, name); },
            [&](OnErrorPolicy Rule::*field) {
              const std::optional<OnErrorPolicy> policy = ParseOnError(String(node, name));
              if (!policy) Fail(node, name + " must be \"fail\" or \"skip\"");
              rule.*field = *policy;
            },
            [&](uint64_t ExtractionLimits::*field) {
              rule.limits.*field = PositiveInteger(node, name);
            },
            [&](double ExtractionLimits::*field) {
              rule.limits.*field = PositiveNumber(node, name);
            },
        },
        spec.field);
  }

  Rule ReadRule(const toml::node& node, const std::string& path) const {
    const toml::table& table = Table(node, path);
    Rule rule;
    for (const auto& [key, value] : table) {
      const std::string name = path + "." + std::string(key.str());
      if (key.str() == "name") {
        rule.name = String(value, name);
        continue;
      }
      if (key.str() == "limits") {
        ReadLimits(Table(value, name), name + ".", rule);
        continue;
      }
      const RuleFieldSpec* spec = FindRuleField(key.str(), false);
      if (spec == nullptr) ThrowBadConfig(At(key.source()), "unknown key '" + name + "'");
      ReadRuleField(*spec, value, name, rule);
    }
    if (rule.name.empty()) Fail(node, path + " has no name");
    return rule;
  }

  void ReadLimits(const toml::table& table, const std::string& path, Rule& rule) const {
    for (const auto& [key, value] : table) {
      const RuleFieldSpec* spec = FindRuleField(key.str(), true);
      if (spec == nullptr) {
        ThrowBadConfig(At(key.source()), "unknown key '" + path + std::string(key.str()) + "'");
      }
      ReadRuleField(*spec, value, path + std::string(key.str()), rule);
    }
  }

  void ReadSources(const toml::table& sources, LoadedConfig& out) const {
    CheckKeys(sources, {"watch", "http", "sqs", "amqp"}, "sources.");
    ServiceConfig& config = out.config;
    if (const toml::node* node = sources.get("watch")) {
      const toml::table& watch = Table(*node, "sources.watch");
      CheckKeys(watch, {"root"}, "sources.watch.");
      const toml::node* root = watch.get("root");
      if (root == nullptr) Fail(*node, "sources.watch needs root");
      config.watch_root = String(*root, "sources.watch.root");
    }
    if (const toml::node* node = sources.get("http")) {
      const toml::table& http = Table(*node, "sources.http");
      CheckKeys(http, {"listen", "path", "bearer_token", "hmac_secret", "max_body_bytes"},
                "sources.http.");
      HttpSourceConfig source;
      if (const toml::node* v = http.get("listen"))
        source.listen = String(*v, "sources.http.listen");
      if (const toml::node* v = http.get("path")) source.path = String(*v, "sources.http.path");
      if (const toml::node* v = http.get("bearer_token")) {
        source.bearer_token = String(*v, "sources.http.bearer_token");
      }
      if (const toml::node* v = http.get("hmac_secret")) {
        source.hmac_secret = String(*v, "sources.http.hmac_secret");
      }
      if (const toml::node* v = http.get("max_body_bytes")) {
        source.max_body_bytes = PositiveInteger(*v, "sources.http.max_body_bytes");
      }
      config.http = source;
    }
    if (const toml::node* node = sources.get("sqs")) {
      config.sqs = ReadSqs(*node);
    }
    if (const toml::node* node = sources.get("amqp")) ReadAmqp(*node, config);
  }

  void ReadAmqp(const toml::node& node, ServiceConfig& config) const {
    const toml::table& table = Table(node, "sources.amqp");
    CheckKeys(table, {"url", "queue", "exchange", "binding_key", "prefetch", "heartbeat_seconds"},
              "sources.amqp.");
    AmqpSourceConfig amqp;
    const toml::node* url = table.get("url");
    if (url == nullptr) Fail(node, "sources.amqp needs url");
    amqp.url = String(*url, "sources.amqp.url");
    for (auto [key, field] : {std::pair{"queue", &AmqpSourceConfig::queue},
                              std::pair{"exchange", &AmqpSourceConfig::exchange},
                              std::pair{"binding_key", &AmqpSourceConfig::binding_key}}) {
      if (const toml::node* v = table.get(key)) {
        amqp.*field = String(*v, std::string("sources.amqp.") + key);
      }
    }
    if (const toml::node* v = table.get("prefetch")) {
      amqp.prefetch = static_cast<uint16_t>(IntegerUpTo(*v, 1, 65535, "sources.amqp.prefetch"));
    }
    if (const toml::node* v = table.get("heartbeat_seconds")) {
      amqp.heartbeat_seconds =
          static_cast<uint16_t>(IntegerUpTo(*v, 0, 65535, "sources.amqp.heartbeat_seconds"));
    }
    config.amqp = std::move(amqp);
  }

  // AMQP's fields are 16 bits wide: a larger value would be silently truncated on the wire.
  int64_t IntegerUpTo(const toml::node& node, int64_t low, int64_t high,
                      const std::string& name) const {
    if (!node.is_integer() || node.as_integer()->get() < low || node.as_integer()->get() > high) {
      Fail(node, name + " must be an integer from " + std::to_string(low) + " to " +
                     std::to_string(high));
    }
    return node.as_integer()->get();
  }

  int IntegerIn(const toml::node& node, const std::string& name, int64_t low, int64_t high) const {
    if (!node.is_integer() || node.as_integer()->get() < low || node.as_integer()->get() > high) {
      Fail(node, name + " must be an integer from " + std::to_string(low) + " to " +
                     std::to_string(high));
    }
    return static_cast<int>(node.as_integer()->get());
  }

  SqsSourceConfig ReadSqs(const toml::node& node) const {
    const toml::table& sqs = Table(node, "sources.sqs");
    CheckKeys(sqs,
              {"queue_url", "endpoint", "region", "wait_seconds", "max_messages",
               "visibility_timeout_seconds"},
              "sources.sqs.");
    const toml::node* url = sqs.get("queue_url");
    if (url == nullptr) Fail(node, "sources.sqs needs queue_url");
    SqsSourceConfig source;
    source.queue_url = String(*url, "sources.sqs.queue_url");
    if (const toml::node* v = sqs.get("endpoint"))
      source.endpoint = String(*v, "sources.sqs.endpoint");
    if (const toml::node* v = sqs.get("region")) source.region = String(*v, "sources.sqs.region");
    // SQS's own limits for ReceiveMessage and ChangeMessageVisibility.
    if (const toml::node* v = sqs.get("wait_seconds")) {
      source.wait_seconds = IntegerIn(*v, "sources.sqs.wait_seconds", 0, 20);
    }
    if (const toml::node* v = sqs.get("max_messages")) {
      source.max_messages = IntegerIn(*v, "sources.sqs.max_messages", 1, 10);
    }
    if (const toml::node* v = sqs.get("visibility_timeout_seconds")) {
      source.visibility_timeout_seconds =
          IntegerIn(*v, "sources.sqs.visibility_timeout_seconds", 1, 43200);
    }
    return source;
  }

  void ReadTargets(const toml::table& targets, ServiceConfig& config) const {
    for (const auto& [key, node] : targets) {
      const std::string path = "targets." + std::string(key.str());
      const toml::table& table = Table(node, path);
      CheckKeys(
          table,
          {"kind", "url", "url_env", "url_file", "secret_env", "secret_file", "allow_insecure_http",
           "timeout_seconds", "function", "topic_arn", "event_bus", "region", "endpoint"},
          path + ".");
      notify::TargetConfig target;
      target.name = std::string(key.str());
      const toml::node* kind = table.get("kind");
      constexpr const char* kKinds =
          "\"webhook\", \"slack\", \"lambda\", \"sns\" or \"eventbridge\"";
      if (kind == nullptr) Fail(node, path + " needs kind (" + kKinds + ")");
      const std::string kind_name = String(*kind, path + ".kind");
      bool known = false;
      for (const auto k : {notify::TargetConfig::Kind::kWebhook, notify::TargetConfig::Kind::kSlack,
                           notify::TargetConfig::Kind::kLambda, notify::TargetConfig::Kind::kSns,
                           notify::TargetConfig::Kind::kEventBridge}) {
        if (kind_name == notify::TargetKindName(k)) {
          target.kind = k;
          known = true;
        }
      }
      if (!known) Fail(*kind, path + ".kind must be " + kKinds);
      for (auto [name, field] : {std::pair{"url", &notify::TargetConfig::url},
                                 std::pair{"url_env", &notify::TargetConfig::url_env},
                                 std::pair{"url_file", &notify::TargetConfig::url_file},
                                 std::pair{"secret_env", &notify::TargetConfig::secret_env},
                                 std::pair{"secret_file", &notify::TargetConfig::secret_file},
                                 std::pair{"function", &notify::TargetConfig::function},
                                 std::pair{"topic_arn", &notify::TargetConfig::topic_arn},
                                 std::pair{"event_bus", &notify::TargetConfig::event_bus},
                                 std::pair{"region", &notify::TargetConfig::region},
                                 std::pair{"endpoint", &notify::TargetConfig::endpoint}}) {
        if (const toml::node* v = table.get(name)) target.*field = String(*v, path + "." + name);
      }
      if (const toml::node* v = table.get("allow_insecure_http")) {
        target.allow_insecure_http = Bool(*v, path + ".allow_insecure_http");
      }
      if (const toml::node* v = table.get("timeout_seconds")) {
        target.timeout = std::chrono::milliseconds(
            static_cast<int64_t>(PositiveNumber(*v, path + ".timeout_seconds") * 1000));
      }
      config.targets[target.name] = std::move(target);
    }
  }

  void ReadNotifications(const toml::table& table, ServiceConfig& config) const {
    CheckKeys(table, {"max_age_seconds", "max_retry_interval_seconds"}, "notifications.");
    if (const toml::node* v = table.get("max_retry_interval_seconds")) {
      config.notification_max_retry_interval =
          std::chrono::seconds(PositiveInteger(*v, "notifications.max_retry_interval_seconds"));
    }
    if (const toml::node* v = table.get("max_age_seconds")) {
      config.notification_max_age =
          std::chrono::seconds(PositiveInteger(*v, "notifications.max_age_seconds"));
    }
  }

  void ReadFleet(const toml::table& table, ServiceConfig& config) const {
    CheckKeys(table, {"enabled", "max_shard_bytes", "max_shard_members", "max_attempts"}, "fleet.");
    FleetConfig& fleet = config.fleet;
    if (const toml::node* v = table.get("enabled")) fleet.enabled = Bool(*v, "fleet.enabled");
    if (const toml::node* v = table.get("max_shard_bytes")) {
      const std::optional<uint64_t> bytes = ParseByteSize(String(*v, "fleet.max_shard_bytes"));
      if (!bytes) Fail(*v, "fleet.max_shard_bytes must be a size such as \"4GiB\"");
      fleet.max_shard_bytes = *bytes;
    }
    if (const toml::node* v = table.get("max_shard_members")) {
      fleet.max_shard_members = PositiveInteger(*v, "fleet.max_shard_members");
    }
    if (const toml::node* v = table.get("max_attempts")) {
      fleet.max_attempts =
          static_cast<int>(std::min<uint64_t>(PositiveInteger(*v, "fleet.max_attempts"), 1000));
    }
  }

  LoadedConfig Read(const toml::table& root) const {
    CheckKeys(root,
              {"state_dir", "workers", "memory", "store_endpoint", "sources", "rules", "targets",
               "notifications", "fleet"},
              "");
    LoadedConfig out;
    ServiceConfig& config = out.config;
    config.rules.clear();
    if (const toml::node* v = root.get("state_dir")) config.state_dir = String(*v, "state_dir");
    if (const toml::node* v = root.get("workers")) config.workers = PositiveInteger(*v, "workers");
    if (const toml::node* v = root.get("memory")) {
      config.memory = String(*v, "memory");
      if (!ParseByteSize(config.memory)) Fail(*v, "memory must be a size such as \"1GiB\"");
    }
    if (const toml::node* v = root.get("store_endpoint")) {
      config.store_endpoint = String(*v, "store_endpoint");
    }
    if (const toml::node* v = root.get("sources")) ReadSources(Table(*v, "sources"), out);
    if (const toml::node* v = root.get("targets")) ReadTargets(Table(*v, "targets"), config);
    if (const toml::node* v = root.get("notifications")) {
      ReadNotifications(Table(*v, "notifications"), config);
    }
    if (const toml::node* v = root.get("fleet")) ReadFleet(Table(*v, "fleet"), config);
    if (const toml::node* v = root.get("rules")) {
      if (!v->is_array()) Fail(*v, "rules must be an array of tables ([[rules]])");
      const toml::array& rules = *v->as_array();
      for (size_t i = 0; i < rules.size(); ++i) {
        config.rules.push_back(ReadRule(*rules.get(i), "rules[" + std::to_string(i) + "]"));
        out.rule_origins.push_back(At(rules.get(i)->source()));
      }
    }
    return out;
  }

 private:
  static const RuleFieldSpec* FindRuleField(std::string_view key, bool limits) {
    for (const RuleFieldSpec& spec : RuleFields()) {
      if (spec.key == key && IsLimitField(spec) == limits) return &spec;
    }
    return nullptr;
  }

  std::string file_;
};

}  // namespace

LoadedConfig ReadConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) ThrowBadConfig(path + ":0", "cannot read the file");
  std::ostringstream text;
  text << in.rdbuf();
  return ReadConfigText(text.str(), path);
}

LoadedConfig ReadConfigText(const std::string& text, const std::string& origin) {
  const TomlReader reader(origin);
  try {
    return reader.Read(toml::parse(text, origin));
  } catch (const toml::parse_error& e) {
    ThrowBadConfig(reader.At(e.source()), std::string(e.description()));
  }
}

}  // namespace unpackd
