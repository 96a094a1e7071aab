#include "store/s3/part_size_plan.h"

#include <algorithm>

namespace unpackd::s3 {

PartSizePlan::PartSizePlan(uint64_t base, std::optional<uint64_t> size_hint) {
  floor_ = std::clamp(base, kMinPartSize, kMaxPartSize);
  if (size_hint) {
    constexpr uint64_t kMiB = 1ull << 20;
    uint64_t needed = (*size_hint + kMaxParts - 1) / kMaxParts;
    needed = (needed + kMiB - 1) / kMiB * kMiB;
    floor_ = std::clamp(std::max(floor_, needed), kMinPartSize, kMaxPartSize);
  }
}

uint64_t PartSizePlan::PartSize(int part_number) const {
  const int doublings = std::clamp((part_number - 1) / 500, 0, 20);
  const uint64_t grown = floor_ << doublings;
  return std::min(kMaxPartSize, grown);
}

}  // namespace unpackd::s3
