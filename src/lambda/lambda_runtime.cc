#include "lambda/lambda_runtime.h"

#include <stdlib.h>

#include "util/error.h"

namespace unpackd::lambda {

void RunInvocations(RuntimeApiClient& api, InvocationHandler& handler, LambdaLog& log,
                    uint64_t max_invocations) {
  for (uint64_t answered = 0; max_invocations == 0 || answered < max_invocations; ++answered) {
    const Invocation invocation = api.Next();
    log.SetRequestId(invocation.request_id);
    if (invocation.trace_id.empty()) {
      unsetenv("_X_AMZN_TRACE_ID");
    } else {
      setenv("_X_AMZN_TRACE_ID", invocation.trace_id.c_str(), 1);
    }
    const InvocationReply reply = handler.Handle(invocation);
    try {
      api.Answer(invocation.request_id, reply);
    } catch (const Error& e) {
      log.Write("error", "the Runtime API refused the answer", {{"error", e.what()}});
      // A response too large, say: an error still tells Lambda the invocation failed.
      if (!reply.failed) {
        api.Answer(invocation.request_id,
                   {true, std::string("the answer was refused: ") + e.what(), "Runtime.Answer"});
      }
    }
    log.Write(reply.failed ? "error" : "info",
              reply.failed ? "invocation failed" : "invocation done",
              reply.failed ? nlohmann::json{{"error_type", reply.error_type}, {"error", reply.body}}
                           : nlohmann::json::object());
    log.SetRequestId("");
  }
}

}  // namespace unpackd::lambda
