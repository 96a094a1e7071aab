#include "lambda/lambda_log.h"

namespace unpackd::lambda {

void LambdaLog::SetRequestId(std::string request_id) {
  MutexLock lock(mutex_);
  request_id_ = std::move(request_id);
}

void LambdaLog::Write(const char* level, const std::string& message,
                      const nlohmann::json& fields) noexcept {
  try {
    nlohmann::json line = {{"level", level}, {"msg", message}};
    MutexLock lock(mutex_);
    if (!request_id_.empty()) line["request_id"] = request_id_;
    if (fields.is_object()) line.update(fields);
    out_ << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    out_.flush();
  } catch (...) {
    // A log line that cannot be written must not fail the invocation.
  }
}

}  // namespace unpackd::lambda
