// Limits that keep a hostile archive from costing more than a legitimate one could.
// Defaults let a 10 GiB archive of a million files through and stop zip bombs early.
#pragma once

#include <cstdint>

namespace unpackd {

struct ExtractionLimits {
  uint64_t max_members = 2'000'000;
  uint64_t max_total_bytes = uint64_t{1} << 40;   // 1 TiB uncompressed per archive
  uint64_t max_member_bytes = uint64_t{1} << 40;  // 1 TiB per member
  // Uncompressed / compressed. Deflate cannot exceed ~1032:1, so these only trip on formats
  // (bzip2, overlapping data) that bombs use to go further. 0 disables the check (the CLI's
  // "--max-ratio off"; it refuses 0, negative, nan and inf, which would do so silently).
  double max_member_ratio = 2000;
  double max_archive_ratio = 2000;  // declared total / archive size
  // Members above this ratio (and 1 MiB) are extracted with a warning: legitimate data rarely
  // compresses past 200:1 outside blocks of zeros, so `inspect` shows the near-bombs too.
  double warn_member_ratio = 200;
  uint32_t max_key_bytes = 1024;  // S3's limit on a whole key
  uint32_t max_depth = 64;        // path segments
};

enum class OnErrorPolicy {
  kFail,  // any refused member refuses the whole archive; nothing is written
  kSkip,  // refused members are skipped and reported; the rest is extracted
};

}  // namespace unpackd
