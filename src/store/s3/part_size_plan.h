// PartSizePlan: how big each multipart part is, so that any member up to S3's 5 TiB object
// limit fits in its 10,000 parts while small members use small parts.
#pragma once

#include <cstdint>
#include <optional>

namespace unpackd::s3 {

inline constexpr uint64_t kMinPartSize = 5ull << 20;  // S3's minimum for all but the last part
inline constexpr uint64_t kMaxPartSize = 5ull << 30;  // S3's maximum part
inline constexpr int kMaxParts = 10'000;
inline constexpr uint64_t kMaxObjectSize = 5ull << 40;

class PartSizePlan {
 public:
  // `base`: the configured part size (clamped to [5 MiB, 5 GiB]). `size_hint`: the expected
  // object size, if known. With a hint, every part is at least ceil(hint / 10,000) (rounded up
  // to a MiB). Beyond that, and always without a hint, part sizes double every 500 parts,
  // which reaches 5 TiB within 10,000 parts from any base of 5 MiB or more.
  PartSizePlan(uint64_t base, std::optional<uint64_t> size_hint);

  // Size of part `part_number` (1-based).
  uint64_t PartSize(int part_number) const;

 private:
  uint64_t floor_;
};

}  // namespace unpackd::s3
