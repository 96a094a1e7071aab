// Options shared by the subcommands, and the stores they select.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "extract/extract_job.h"
#include "extract/memory_plan.h"
#include "store/registry/store_registry.h"
#include "store/s3/s3_config.h"
#include "util/executor.h"

// CLI11 is heavy to compile; only the files that register options include it.
namespace CLI {
class App;
}  // namespace CLI

namespace unpackd {

struct CliOptions {
  std::string root;  // local store root; empty: $UNPACKD_ROOT or the current directory
  // S3
  std::string endpoint, region, profile;
  std::string path_style = "auto";  // auto | on | off
  std::string retry_time;           // seconds; empty: $UNPACKD_RETRY_TIME, else 120
  std::string adaptive = "on";      // on | off: adapt S3 requests in flight to throttling
  // Extraction
  unsigned jobs = 0;
  uint64_t memory_mib = 256;
  std::string on_error = "fail";
  bool prune = true;
  bool verify_first = false;
  std::string shard;  // "I/N": extract only that shard (extract/shard_plan.h); empty: whole
  std::string server_copy = "auto";      // auto | on | off
  uint64_t server_copy_min_mib = 8;      // stored members at least this big are copied
  std::string copy_check = "read-back";  // read-back | trust
  std::string name_encoding;
  bool json = false;
  bool no_progress = false;
  // inspect --shards: the fan-out's split, with serve's [fleet] defaults as bounds.
  bool shards = false;
  uint64_t max_shard_mib = 4096;
  uint64_t max_shard_members = 20000;
  ExtractionLimits limits;

  std::filesystem::path LocalRoot() const;
  // True when --root or $UNPACKD_ROOT names the local store (not just the current directory).
  bool RootConfigured() const;
};

// Registers the options above on `app` (global) so they work before or after the subcommand.
void AddCommonOptions(CLI::App& app, CliOptions& options);

// Registers `--state-dir` (the service's state directory) on an operator command (`jobs`,
// `notifications`), filling `state_dir`; empty means DefaultStateDir().
void AddStateDirOption(CLI::App& command, std::string& state_dir);
// Registers an operator's `list` options on `list`: `--state` (one of `states`) filling
// `state`, and `--limit` (at least 1) filling `limit`; `what` names the things listed in the
// help ("jobs").
void AddListOptions(CLI::App& list, std::string& state, size_t& limit,
                    const std::vector<std::string>& states, const std::string& what);

// The memory plan for `--memory` and `--jobs`, given which kinds of store the work touches.
MemoryPlan ToMemoryPlan(const CliOptions& options, bool remote_store, bool remote_destination);

// The S3 store's configuration: environment, then --endpoint/--region/--profile/--path-style,
// with the plan's connection count.
s3::S3Config ToS3Config(const CliOptions& options, const MemoryPlan& plan);

// A job for `archive` with the CLI's limits, error policy, name encoding and memory plan;
// throws Error(kUsage) on bad values (before any request is made).
ExtractJob ToExtractJob(const CliOptions& options, const ObjectRef& archive,
                        const MemoryPlan& plan);

// What a command runs with: the executor sized by the plan, the part-buffer share, and the
// stores (which use both). Members are destroyed in reverse: stores first.
struct CliRuntime {
  CliRuntime(const CliOptions& options, const MemoryPlan& plan);

  Executor executor;
  MemoryBudget part_buffers;
  StoreRegistry stores;
};

}  // namespace unpackd
