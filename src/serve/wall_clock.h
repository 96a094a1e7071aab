// The wall clock in the unit the job store keeps (unix milliseconds).
#pragma once

#include <chrono>
#include <cstdint>

namespace unpackd {

inline int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace unpackd
