#include "extract/read_batches.h"

#include <algorithm>
#include <numeric>
#include <utility>

namespace unpackd {
std::vector<ReadBatch> MakeReadBatches(const ExtractionPlan& plan, const ArchiveReader& archive,
                                       const BatchingOptions& options) {
  std::vector<uint32_t> all(plan.members.size());
  std::iota(all.begin(), all.end(), uint32_t{0});
  return MakeReadBatches(plan, archive, options, all);
}

std::vector<ReadBatch> MakeReadBatches(const ExtractionPlan& plan, const ArchiveReader& archive,
                                       const BatchingOptions& options,
                                       std::span<const uint32_t> members) {
  const auto& entries = archive.entries();
  const auto hint = [&](uint32_t i) {
    return archive.ReadHint(entries[plan.members[i].entry_index]);
  };
  // Members in archive order. A directory almost always lists members in the order of their
  // data (and `members` keeps the plan's order), so the sort and its offsets are only paid
  // when it does not.
  std::vector<uint32_t> order(members.begin(), members.end());
  bool in_order = true;
  for (size_t k = 1; k < order.size() && in_order; ++k) {
    in_order = hint(order[k - 1]).begin <= hint(order[k]).begin;
  }
  if (!in_order) {
    std::vector<std::pair<uint64_t, uint32_t>> by_offset(order.size());
    for (size_t k = 0; k < order.size(); ++k) by_offset[k] = {hint(order[k]).begin, order[k]};
    std::stable_sort(by_offset.begin(), by_offset.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (size_t k = 0; k < order.size(); ++k) order[k] = by_offset[k].second;
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
