#include "extract/read_batches.h"

#include <algorithm>
#include <numeric>

namespace unpackd {
std::vector<ReadBatch> MakeReadBatches(const ExtractionPlan& plan, const ArchiveReader& archive,
                                       const BatchingOptions& options) {
  std::vector<size_t> all(plan.members.size());
  std::iota(all.begin(), all.end(), size_t{0});
  return MakeReadBatches(plan, archive, options, all);
}

std::vector<ReadBatch> MakeReadBatches(const ExtractionPlan& plan, const ArchiveReader& archive,
                                       const BatchingOptions& options,
                                       std::span<const size_t> members) {
  const auto& entries = archive.entries();
  std::vector<ByteRange> hints(plan.members.size());
  for (size_t i : members) hints[i] = archive.ReadHint(entries[plan.members[i].entry_index]);
  std::vector<size_t> order(members.begin(), members.end());
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return hints[a].begin < hints[b].begin; });

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
    const uint64_t begin = hints[i].begin;
    const uint64_t end = hints[i].end;
    if (entries[plan.members[i].entry_index].stored_size > options.small_member_bytes) {
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
