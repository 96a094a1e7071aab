#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/cli_options.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "lambda/lambda_function.h"
#include "lambda/lambda_runtime.h"
#include "lambda/runtime_api_client.h"
#include "util/env.h"
#include "util/error.h"

namespace unpackd {

int RunLambda(const LambdaOptions& lambda_options, const CliOptions& options) {
  lambda::RuntimeApiClient api(GetEnv("AWS_LAMBDA_RUNTIME_API"));
  std::unique_ptr<lambda::LambdaFunction> function;
  try {
    lambda::FunctionEnvironment environment;
    environment.env = [](const std::string& name) { return GetEnv(name.c_str()); };
    environment.s3 = ToS3Config(options, MakeMemoryPlan({}));
    environment.config_path = lambda_options.config_path;
    environment.log = &std::cerr;
    function = std::make_unique<lambda::LambdaFunction>(environment);
  } catch (const Error& e) {
    // Lambda shows the init error as the failed invocation's cause, and in the function's log.
    api.ReportInitError({"Unpackd.InitError", e.what()});
    std::cerr << nlohmann::json{{"level", "error"},
                                {"msg", "init failed"},
                                {"error_kind", ErrorKindName(e.kind())},
                                {"error_code", e.code()},
                                {"error", e.what()}}
                     .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
              << std::endl;
    return ExitCodeFor(e.kind());
  }
  function->log().Write("info", "runtime started",
                        {{"memory_mib", function->settings().function_memory_mib},
                         {"budget_bytes", function->settings().plan.memory_bytes},
                         {"jobs", function->settings().plan.jobs}});
  lambda::RunInvocations(api, function->handler(), function->log(), lambda_options.max_invocations);
  return kExitOk;
}

}  // namespace unpackd
