#include "pipeline/read_batches.h"

#include <algorithm>

namespace unpackd {
namespace {

// A member's bytes end before the next local header; the last one in the archive may be
// followed by a data descriptor. Local extra fields are not known from the central directory,
// so allow for them: a short estimate only costs a fallback read, never correctness.
constexpr uint64_t kLocalOverheadEstimate = 30 + 1024 + 24;

}  // namespace

std::vector<ReadBatch> MakeReadBatches(const ExtractionPlan& plan,
                                       const std::vector<ZipEntry>& entries,
                                       uint64_t central_directory_offset,
                                       const BatchingOptions& options) {
  std::vector<size_t> order(plan.members.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  auto entry_of = [&](size_t i) -> const ZipEntry& { return entries[plan.members[i].entry_index]; };
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return entry_of(a).local_header_offset < entry_of(b).local_header_offset;
  });

  std::vector<ReadBatch> batches;
  ReadBatch open;
  uint64_t open_end = 0;
  auto close = [&] {
    if (open.members.empty()) return;
    if (open.members.size() == 1) open.range_size = 0;  // a lone member streams on its own
    batches.push_back(std::move(open));
    open = ReadBatch{};
  };
  for (size_t i : order) {
    const ZipEntry& e = entry_of(i);
    const uint64_t begin = e.local_header_offset;
    const uint64_t end =
        std::min(central_directory_offset,
                 begin + e.raw_name.size() + e.compressed_size + kLocalOverheadEstimate);
    if (e.compressed_size > options.small_member_bytes) {
      batches.push_back(ReadBatch{{i}, 0, 0});
      continue;
    }
    const bool fits = !open.members.empty() && open.members.size() < options.max_batch_members &&
                      begin <= open_end + options.max_gap_bytes &&
                      std::max(end, open_end) - open.range_begin <= options.max_batch_bytes;
    if (!fits) {
      close();
      open.range_begin = begin;
      open_end = begin;
    }
    open.members.push_back(i);
    open_end = std::max(open_end, end);
    open.range_size = open_end - open.range_begin;
  }
  close();
  return batches;
}

}  // namespace unpackd
