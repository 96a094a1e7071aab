// The custom runtime's loop: ask the Runtime API for an invocation, handle it, answer it, and
// again, for as long as Lambda keeps the sandbox. Single-threaded by design: Lambda gives a
// runtime one invocation at a time and freezes it in between.
#pragma once

#include "lambda/invocation_handler.h"
#include "lambda/lambda_log.h"
#include "lambda/runtime_api_client.h"

namespace unpackd::lambda {

// Runs invocations until the Runtime API cannot be reached (Lambda then replaces the sandbox)
// or `max_invocations` (0: no limit; tests) were answered. Sets _X_AMZN_TRACE_ID to each
// invocation's trace id while it runs, as Lambda's own runtimes do, between jobs (no other
// thread reads the environment then). Throws the Runtime API client's errors from Next.
void RunInvocations(RuntimeApiClient& api, InvocationHandler& handler, LambdaLog& log,
                    uint64_t max_invocations = 0);

}  // namespace unpackd::lambda
