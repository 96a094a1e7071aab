#include "cli/operator_commands.h"

#include <time.h>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "jobs/state_dir.h"

namespace unpackd {

std::unique_ptr<JobStore> OpenOperatorStore(const std::string& state_dir) {
  return JobStore::OpenForOperator(state_dir.empty() ? DefaultStateDir() : state_dir);
}

int64_t OperatorNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string TimeText(int64_t ms) {
  if (ms <= 0) return "-";
  const time_t seconds = static_cast<time_t>(ms / 1000);
  struct tm utc {};
  gmtime_r(&seconds, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

std::string AgeText(int64_t ms, int64_t now_ms) {
  if (ms <= 0) return "-";
  const int64_t seconds = std::max<int64_t>(0, now_ms - ms) / 1000;
  if (seconds < 120) return std::to_string(seconds) + "s";
  if (seconds < 120 * 60) return std::to_string(seconds / 60) + "m";
  if (seconds < 48 * 3600) return std::to_string(seconds / 3600) + "h";
  return std::to_string(seconds / 86400) + "d";
}

void PrintJson(const nlohmann::json& json) {
  std::cout << json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

nlohmann::json JsonOrText(const std::string& text) {
  nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded()) return text;
  return json;
}

}  // namespace unpackd
