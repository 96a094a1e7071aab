// Reader for the AWS shared config and credentials files (INI-like).
#pragma once

#include <map>
#include <optional>
#include <string>

namespace unpackd::aws {

// section name -> (lower-case key -> value). Section names are kept as written between the
// brackets, trimmed ("default", "profile dev", "dev").
using AwsConfigSections = std::map<std::string, std::map<std::string, std::string>>;

// Parses a file; nullopt if it does not exist. Lines starting with '#' or ';' are comments;
// "key = value" lines before any section are ignored. Throws kIo if it exists but cannot be read.
std::optional<AwsConfigSections> ReadAwsConfigFile(const std::string& path);

// Paths of the two files: AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE, else
// $HOME/.aws/credentials and $HOME/.aws/config.
std::string AwsSharedCredentialsFilePath();
std::string AwsConfigFilePath();

// The profile to use when none is given explicitly: AWS_PROFILE, else "default".
std::string DefaultAwsProfileName();

// The "region" setting of `profile` in the config file, or "" if none.
std::string RegionFromAwsConfig(const std::string& profile);

}  // namespace unpackd::aws
