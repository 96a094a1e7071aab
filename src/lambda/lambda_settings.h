// LambdaSettings: what the function's environment says about the sandbox it runs in (memory,
// where its package lives, its name) and how unpackd sizes itself to it. Read once, at init.
//
// Memory: Lambda gives a function CPU in proportion to its memory (one vCPU at 1,769 MB), and
// kills it when it exceeds its memory. The extraction budget is three quarters of the
// function's memory (the rest holds the binary, ICU's data, libcurl and the allocator's slack);
// members in flight follow the CPU share: 32 per vCPU, 8 to 64. UNPACKD_MEMORY and UNPACKD_JOBS
// override both.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "extract/memory_plan.h"
#include "rules/service_config.h"

namespace unpackd::lambda {

struct LambdaSettings {
  std::string task_root = "/var/task";  // LAMBDA_TASK_ROOT: the package's files
  std::string function_name;            // AWS_LAMBDA_FUNCTION_NAME: where continuations go
  uint64_t function_memory_mib = 0;     // AWS_LAMBDA_FUNCTION_MEMORY_SIZE
  MemoryPlan plan;                      // one job at a time, S3 on both sides
  // The Content-Type table: the package's own copy when it carries one (Lambda's base images
  // may lack /etc/mime.types), else the system's.
  std::string mime_types_path = "/etc/mime.types";
  // The configuration file: UNPACKD_CONFIG, relative to the task root; empty: none.
  std::string config_path;
  // UNPACKD_LAMBDA_MARGIN_SECONDS; 0: SafetyMargin's default.
  std::chrono::milliseconds margin{0};
  // UNPACKD_LAMBDA_QUEUE_URL: the SQS queue feeding the function, where continuations go as
  // messages; empty: continuations are asynchronous invocations of the function itself.
  std::string continuation_queue_url;
  // A job handed over this many times without finishing fails (UNPACKD_LAMBDA_MAX_INVOCATIONS).
  int max_invocations = 100;
};

// Reads the settings through `env` and checks them. Throws Error(kUsage, "bad-config") naming
// the variable that does not parse.
LambdaSettings LoadLambdaSettings(const EnvLookup& env);

// How long before the deadline an invocation stops starting members, for an invocation with
// `remaining` time: the configured margin, else a tenth of the remaining time between 1 s and
// 60 s. Members in flight finish within it, then the continuation and the answer go out.
std::chrono::milliseconds SafetyMargin(const LambdaSettings& settings,
                                       std::chrono::milliseconds remaining);

}  // namespace unpackd::lambda
