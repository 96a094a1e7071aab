// LoadServiceConfig: the file, then the environment, then the checks.
#include "rules/service_config.h"

#include "rules/config_environment.h"
#include "rules/config_file.h"
#include "rules/config_validation.h"
#include "util/env.h"

namespace unpackd {

ServiceConfig LoadServiceConfig(const std::string& path, const EnvLookup& env) {
  LoadedConfig loaded;
  if (!path.empty()) {
    loaded = ReadConfigFile(path);
  } else if (const std::string text = env("UNPACKD_CONFIG_TOML"); !text.empty()) {
    loaded = ReadConfigText(text, "$UNPACKD_CONFIG_TOML");
  }
  if (loaded.config.rules.empty()) {
    Rule rule;
    rule.name = "default";
    loaded.config.rules.push_back(rule);
    loaded.rule_origins.emplace_back("the default rule");
  }
  ApplyEnvironment(env, loaded);
  ValidateConfig(loaded);
  return loaded.config;
}

ServiceConfig LoadServiceConfig(const std::string& path) {
  return LoadServiceConfig(path, [](const std::string& name) { return GetEnv(name.c_str()); });
}

}  // namespace unpackd
