#include "lambda/lambda_settings.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <optional>

#include "rules/config_values.h"
#include "util/error.h"

namespace unpackd::lambda {
namespace {

// Lambda's own default when a runtime emulator does not say.
constexpr uint64_t kDefaultFunctionMemoryMib = 512;
constexpr double kMibPerVcpu = 1769;

[[noreturn]] void Fail(const std::string& variable, const std::string& value,
                       const std::string& want) {
  throw Error(ErrorKind::kUsage, variable + "=\"" + value + "\" is not " + want, "bad-config");
}

std::optional<uint64_t> ParseCount(const std::string& text) {
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

uint64_t CountFrom(const EnvLookup& env, const char* name, uint64_t fallback, uint64_t min,
                   uint64_t max) {
  const std::string text = env(name);
  if (text.empty()) return fallback;
  const std::optional<uint64_t> value = ParseCount(text);
  if (!value || *value < min || *value > max) {
    Fail(name, text, "a whole number from " + std::to_string(min) + " to " + std::to_string(max));
  }
  return *value;
}

}  // namespace

LambdaSettings LoadLambdaSettings(const EnvLookup& env) {
  LambdaSettings settings;
  if (std::string root = env("LAMBDA_TASK_ROOT"); !root.empty()) settings.task_root = root;
  settings.function_name = env("AWS_LAMBDA_FUNCTION_NAME");
  settings.function_memory_mib =
      CountFrom(env, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", kDefaultFunctionMemoryMib, 128, 10240);

  MemoryPlanRequest request;
  request.remote_store = true;
  request.remote_destination = true;
  request.memory_bytes = std::max<uint64_t>(settings.function_memory_mib * 3 / 4, 64) << 20;
  if (const std::string memory = env("UNPACKD_MEMORY"); !memory.empty()) {
    const std::optional<uint64_t> bytes = ParseByteSize(memory);
    if (!bytes || *bytes < (uint64_t{32} << 20)) {
      Fail("UNPACKD_MEMORY", memory, "a size of at least 32MiB (e.g. 384MiB)");
    }
    request.memory_bytes = *bytes;
  }
  const double vcpus = static_cast<double>(settings.function_memory_mib) / kMibPerVcpu;
  const auto by_cpu = static_cast<uint64_t>(std::clamp(32 * vcpus, 8.0, 64.0));
  request.jobs = static_cast<unsigned>(CountFrom(env, "UNPACKD_JOBS", by_cpu, 1, 256));
  settings.plan = MakeMemoryPlan(request);

  const std::filesystem::path packaged = std::filesystem::path(settings.task_root) / "mime.types";
  std::error_code ec;
  if (std::filesystem::is_regular_file(packaged, ec)) settings.mime_types_path = packaged.string();

  if (std::string config = env("UNPACKD_CONFIG"); !config.empty()) {
    const std::filesystem::path path(config);
    settings.config_path =
        path.is_absolute() ? config : (std::filesystem::path(settings.task_root) / path).string();
  }
  settings.continuation_queue_url = env("UNPACKD_LAMBDA_QUEUE_URL");
  settings.margin =
      std::chrono::seconds(CountFrom(env, "UNPACKD_LAMBDA_MARGIN_SECONDS", 0, 0, 600));
  settings.max_invocations =
      static_cast<int>(CountFrom(env, "UNPACKD_LAMBDA_MAX_INVOCATIONS", 100, 1, 10'000));
  return settings;
}

std::chrono::milliseconds SafetyMargin(const LambdaSettings& settings,
                                       std::chrono::milliseconds remaining) {
  if (settings.margin.count() > 0) return settings.margin;
  return std::clamp<std::chrono::milliseconds>(remaining / 10, std::chrono::seconds(1),
                                               std::chrono::seconds(60));
}

}  // namespace unpackd::lambda
