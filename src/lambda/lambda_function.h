// LambdaFunction: everything one Lambda sandbox runs with, assembled once at init (Lambda's
// "init phase"), so a configuration that cannot work is reported through the Runtime API's
// init error before any event is taken: the rules and targets (the same configuration as
// `serve`, from UNPACKD_CONFIG and UNPACKD_* variables), the S3 store, the executor sized to the
// function's memory, the notification targets with their secrets read, and the continuation
// sender (the function itself).
//
// Thread safety: made and used on the runtime loop's thread.
#pragma once

#include <memory>
#include <ostream>
#include <string>

#include "lambda/invocation_handler.h"
#include "lambda/lambda_log.h"
#include "lambda/lambda_settings.h"
#include "rules/service_config.h"
#include "store/registry/store_registry.h"
#include "store/s3/s3_config.h"
#include "util/executor.h"
#include "util/memory_budget.h"

namespace unpackd::net {
class HttpClient;
}  // namespace unpackd::net

namespace unpackd::lambda {

struct FunctionEnvironment {
  EnvLookup env;            // the process environment (tests pass a map)
  s3::S3Config s3;          // from the environment and the command line
  std::string config_path;  // overrides UNPACKD_CONFIG when not empty
  // Continuations go here (Lambda's Invoke API); empty: AWS_ENDPOINT_URL_LAMBDA, else AWS's.
  std::string lambda_endpoint;
  // Where continuations go instead of the Lambda Invoke API (tests); not owned.
  ContinuationSender* continuations = nullptr;
  // Where archives are read and written instead of S3 (tests); not owned.
  ObjectStore* store = nullptr;
  std::ostream* log = nullptr;  // required
};

class LambdaFunction {
 public:
  // Throws Error(kUsage, "bad-config") naming what is wrong: a variable that does not parse,
  // the configuration file, a target whose secret cannot be read, a missing function name.
  explicit LambdaFunction(const FunctionEnvironment& environment);
  ~LambdaFunction();
  LambdaFunction(const LambdaFunction&) = delete;
  LambdaFunction& operator=(const LambdaFunction&) = delete;

  InvocationHandler& handler() { return *handler_; }
  LambdaLog& log() { return log_; }
  const LambdaSettings& settings() const { return settings_; }

 private:
  std::unique_ptr<ContinuationSender> MakeContinuations(const FunctionEnvironment& environment,
                                                        const s3::S3Config& s3) const;

  LambdaLog log_;
  const LambdaSettings settings_;
  const ServiceConfig config_;
  Executor executor_;
  MemoryBudget part_buffers_;
  std::unique_ptr<StoreRegistry> stores_;
  std::unique_ptr<net::HttpClient> notify_http_;
  TargetsByName targets_;
  std::unique_ptr<ContinuationSender> own_continuations_;
  std::unique_ptr<InvocationHandler> handler_;
};

}  // namespace unpackd::lambda
