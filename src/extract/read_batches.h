// Groups planned members into units of work. Small neighbours share one range read, so an
// archive of thousands of tiny files costs a few requests instead of thousands.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "archive/archive_reader.h"
#include "extract/plan.h"

namespace unpackd {

struct ReadBatch {
  // Indexes into ExtractionPlan::members, in archive order (4 bytes each: a plan holds one
  // per member, and the limit on members is far below 2^32).
  std::vector<uint32_t> members;
  // For coalesced batches: the archive range read at once. Empty range: each member is read
  // with its own streaming read-ahead.
  uint64_t range_begin = 0;
  uint64_t range_size = 0;
};

struct BatchingOptions {
  uint64_t small_member_bytes = 256 << 10;  // stored size up to which a member may share
  uint64_t max_batch_bytes = 8 << 20;       // largest coalesced range
  uint64_t max_gap_bytes = 64 << 10;        // unused bytes a coalesced range may span
  // Members per coalesced range. A batch's members are written one after another by one
  // worker, so an archive of small files must be cut into enough batches to keep every worker
  // busy; one request per batch still saves most round trips.
  size_t max_batch_members = SIZE_MAX;
};

// Groups `members` (indexes into plan.members) by the reader's hints of where each lies
// (ArchiveReader::ReadHint); members left out are neither read nor grouped.
std::vector<ReadBatch> MakeReadBatches(const ExtractionPlan& plan, const ArchiveReader& archive,
                                       const BatchingOptions& options,
                                       std::span<const uint32_t> members);

// Every planned member.
std::vector<ReadBatch> MakeReadBatches(const ExtractionPlan& plan, const ArchiveReader& archive,
                                       const BatchingOptions& options);

}  // namespace unpackd
