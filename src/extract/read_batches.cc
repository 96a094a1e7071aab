#include "extract/read_batches.h"

#include <algorithm>

namespace unpackd {
std::vector<ReadBatch> MakeReadBatches(const ExtractionPlan& plan, const ArchiveReader& archive,
                                       const BatchingOptions& options) {
  const auto& entries = archive.entries();
  const auto hint = [&](uint32_t i) {
    return archive.ReadHint(entries[plan.members[i].entry_index]);
  };
  // Members in archive order. A directory almost always lists members in the order of their
  // data, so the sort (and its 8 bytes a member of offsets) is only paid when it does not.
  std::vector<uint32_t> order(plan.members.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<uint32_t>(i);
  bool in_order = true;
  for (size_t i = 1; i < order.size() && in_order; ++i) {
    in_order = hint(order[i - 1]).begin <= hint(order[i]).begin;
  }
  if (!in_order) {
    std::vector<uint64_t> begins(order.size());
    for (size_t i = 0; i < order.size(); ++i) begins[i] = hint(order[i]).begin;
    std::stable_sort(order.begin(), order.end(),
                     [&](uint32_t a, uint32_t b) { return begins[a] < begins[b]; });
  }

  std::vector<ReadBatch> batches;
  ReadBatch open;
  uint64_t open_end = 0;
  auto close = [&] {
    if (open.members.empty()) return;
    if (open.members.size() == 1) open.range_size = 0;  // a lone member streams on its own
    batches.push_back(std::move(open));
    open = ReadBatch{};
  };
  for (const uint32_t i : order) {
    const ByteRange range = hint(i);
    const uint64_t begin = range.begin;
    const uint64_t end = range.end;
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
