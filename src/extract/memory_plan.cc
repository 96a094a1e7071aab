#include "extract/memory_plan.h"

#include <algorithm>
#include <thread>

namespace unpackd {
namespace {

// S3 work waits on round trips, not the CPU: enough members in flight to hide a Lambda-like
// 20 ms per request (bench/RESULTS.md).
constexpr unsigned kRemoteJobs = 64;
constexpr size_t kUploadThreads = 16;
constexpr size_t kMaxCopyBuffer = 256 << 10;
constexpr size_t kMinCopyBuffer = 16 << 10;
// What the buffer shares keep when a member table takes the whole budget.
constexpr uint64_t kMinBufferBytes = uint64_t{16} << 20;

// Shares `m` bytes out between the buffers (the table above).
void ShareOut(MemoryPlan& plan, uint64_t m) {
  plan.read_windows = m * 3 / 8;
  plan.part_buffers = m * 3 / 8;
  plan.decoder_windows = m / 8;
  plan.copy_buffer_bytes =
      static_cast<size_t>(std::clamp<uint64_t>(m / 16 / plan.jobs, kMinCopyBuffer, kMaxCopyBuffer));
  const uint64_t counted = plan.read_windows + plan.part_buffers + plan.decoder_windows +
                           uint64_t{plan.copy_buffer_bytes} * plan.jobs;
  plan.headroom = counted < m ? m - counted : 0;
}

}  // namespace

MemoryPlan MakeMemoryPlan(const MemoryPlanRequest& request) {
  MemoryPlan plan;
  plan.memory_bytes = request.memory_bytes;
  plan.jobs = request.jobs           ? request.jobs
              : request.remote_store ? kRemoteJobs
                                     : std::max(1u, std::thread::hardware_concurrency());
  ShareOut(plan, request.memory_bytes);
  plan.max_read_chunk = request.remote_store ? size_t{8} << 20 : size_t{1} << 20;
  plan.upload_threads = request.remote_destination ? kUploadThreads : 0;
  // Every job may hold a ranged GET and a part upload at once; leave room for both.
  plan.max_connections = 2 * size_t{plan.jobs} + kUploadThreads;
  return plan;
}

MemoryPlan WithMemberTable(const MemoryPlan& plan, uint64_t table_bytes) {
  MemoryPlan out = plan;
  out.member_table = table_bytes;
  // The table comes out of the buffers' shares, never out of the headroom: the process's own
  // memory (binary, thread stacks, malloc arenas, libcurl) does not shrink with the buffers,
  // and sharing the headroom out in proportion left a million-member run 12 MiB over
  // `--memory`. The buffers are 7/8 of what ShareOut is given, so it is given the budget less
  // 8/7 of the table.
  const uint64_t as_buffers = table_bytes / 7 * 8;
  const uint64_t left = plan.memory_bytes > as_buffers ? plan.memory_bytes - as_buffers : 0;
  ShareOut(out, std::max(left, std::min(kMinBufferBytes, plan.memory_bytes)));
  const uint64_t counted = table_bytes + out.read_windows + out.part_buffers + out.decoder_windows +
                           uint64_t{out.copy_buffer_bytes} * out.jobs;
  out.headroom = counted < plan.memory_bytes ? plan.memory_bytes - counted : 0;
  out.part_buffers = plan.part_buffers;  // the store's, sized when it was made
  return out;
}

}  // namespace unpackd
