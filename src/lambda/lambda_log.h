// LambdaLog: the function's log, one JSON object per line on stderr (CloudWatch Logs keeps each
// line as one event), every line naming the invocation it belongs to.
//
// Thread safety: Write may be called from any thread; lines never interleave.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "util/mutex.h"

namespace unpackd::lambda {

class LambdaLog {
 public:
  // `out` is not owned and must outlive the log.
  explicit LambdaLog(std::ostream& out) : out_(out) {}

  // The invocation later lines belong to ("" between invocations).
  void SetRequestId(std::string request_id);

  // One line: {"level", "msg", "request_id", ...fields}. Never throws.
  void Write(const char* level, const std::string& message,
             const nlohmann::json& fields = nlohmann::json::object()) noexcept;

 private:
  Mutex mutex_;
  std::ostream& out_ GUARDED_BY(mutex_);
  std::string request_id_ GUARDED_BY(mutex_);
};

}  // namespace unpackd::lambda
