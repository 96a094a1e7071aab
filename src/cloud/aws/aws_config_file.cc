#include "cloud/aws/aws_config_file.h"

#include <cstdlib>
#include <fstream>

#include "util/ascii.h"
#include "util/env.h"
#include "util/error.h"

namespace unpackd::aws {
namespace {

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::string HomeFile(const char* relative) {
  std::string home = GetEnv("HOME");
  return (home.empty() ? std::string(".") : home) + "/" + relative;
}

}  // namespace

std::optional<AwsConfigSections> ReadAwsConfigFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  AwsConfigSections sections;
  std::string line;
  std::string section;
  bool in_section = false;
  while (std::getline(in, line)) {
    std::string t = Trim(line);
    if (t.empty() || t[0] == '#' || t[0] == ';') continue;
    if (t.front() == '[') {
      size_t close = t.find(']');
      if (close == std::string::npos) continue;
      section = Trim(t.substr(1, close - 1));
      sections[section];
      in_section = true;
      continue;
    }
    size_t eq = t.find('=');
    if (!in_section || eq == std::string::npos) continue;
    const std::string key = AsciiLower(Trim(t.substr(0, eq)));
    sections[section][key] = Trim(t.substr(eq + 1));
  }
  if (in.bad()) throw Error(ErrorKind::kIo, "cannot read AWS config file " + path);
  return sections;
}

std::string AwsSharedCredentialsFilePath() {
  std::string path = GetEnv("AWS_SHARED_CREDENTIALS_FILE");
  return path.empty() ? HomeFile(".aws/credentials") : path;
}

std::string AwsConfigFilePath() {
  std::string path = GetEnv("AWS_CONFIG_FILE");
  return path.empty() ? HomeFile(".aws/config") : path;
}

std::string DefaultAwsProfileName() {
  std::string profile = GetEnv("AWS_PROFILE");
  return profile.empty() ? std::string("default") : profile;
}

std::string RegionFromAwsConfig(const std::string& profile) {
  auto config = ReadAwsConfigFile(AwsConfigFilePath());
  if (!config) return {};
  for (const std::string& name : {"profile " + profile, profile}) {
    if (name == profile && profile != "default") continue;  // only [default] is bare there
    auto it = config->find(name);
    if (it == config->end()) continue;
    auto region = it->second.find("region");
    if (region != it->second.end()) return region->second;
  }
  return {};
}

}  // namespace unpackd::aws
