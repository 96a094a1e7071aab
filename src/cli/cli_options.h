// Options shared by the subcommands, and the stores they select.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "pipeline/extractor.h"
#include "store/s3/s3_config.h"
#include "store/store_locator.h"

namespace unpackd {

struct CliOptions {
  std::string root;  // local store root; empty: $UNPACKD_ROOT or the current directory
  // S3
  std::string endpoint, region, profile;
  std::string path_style = "auto";  // auto | on | off
  // Extraction
  unsigned jobs = 0;
  uint64_t memory_mib = 256;
  std::string on_error = "fail";
  std::string name_encoding;
  bool json = false;
  bool no_progress = false;
  ExtractionLimits limits;

  std::filesystem::path LocalRoot() const;
};

// Registers the options above on `app` (global) so they work before or after the subcommand.
void AddCommonOptions(CLI::App& app, CliOptions& options);

// Creates each kind of store once, on first use.
class StoreSet {
 public:
  explicit StoreSet(const CliOptions& options) : options_(options) {}
  ObjectStore& For(StoreScheme scheme);

 private:
  const CliOptions& options_;
  std::unique_ptr<ObjectStore> local_, s3_;
};

// The S3 store's configuration: environment, then --endpoint/--region/--profile/--path-style,
// with 3/8 of --memory for part buffers.
s3::S3Config ToS3Config(const CliOptions& options);

// Translates CLI options into the pipeline's; throws Error(kUsage) on bad values.
ExtractOptions ToExtractOptions(const CliOptions& options);

}  // namespace unpackd
