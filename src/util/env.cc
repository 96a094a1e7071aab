#include "util/env.h"

#include <cstdlib>

namespace unpackd {

std::string GetEnv(const char* name) {
  const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): never written here
  return value == nullptr ? std::string() : std::string(value);
}

std::string FirstSetEnv(std::initializer_list<const char*> names) {
  for (const char* name : names) {
    std::string value = GetEnv(name);
    if (!value.empty()) return value;
  }
  return {};
}

}  // namespace unpackd
