// MemoryPlan: how `--memory` is shared out, decided in one place. Every buffer that grows with
// concurrency draws from one of these shares, so peak memory is bounded by configuration,
// never by archive or member size:
//   read windows     3/8  read-ahead chunks and coalesced ranges of small members
//   part buffers     3/8  the destination store's upload buffers (S3 parts)
//   decoder windows  1/8  LZMA/xz/zstd dictionaries, bzip2 blocks, deflate windows
//   copy buffers          one per member in flight, at most 1/16
//   headroom         rest thread stacks, malloc arenas, libcurl: what no budget counts
// A job's member table (entries, plan) comes off the top first (WithMemberTable): the shares
// are those of what is left, so a million-member archive runs with smaller buffers.
// The plan also sizes the executor and the S3 connection pool from the jobs actually used.
#pragma once

#include <cstddef>
#include <cstdint>

#include "util/executor.h"

namespace unpackd {

struct MemoryPlanRequest {
  uint64_t memory_bytes = uint64_t{256} << 20;
  unsigned jobs = 0;                // members in flight; 0: the default for the stores involved
  bool remote_store = false;        // an S3 store is involved (default jobs: 64, not the CPUs)
  bool remote_destination = false;  // parts are uploaded (I/O threads for them)
};

struct MemoryPlan {
  uint64_t memory_bytes = 0;
  unsigned jobs = 1;
  uint64_t read_windows = 0;
  uint64_t part_buffers = 0;
  uint64_t decoder_windows = 0;
  size_t copy_buffer_bytes = 0;  // per member in flight
  // The largest read-ahead chunk. A remote store pays a round trip per chunk, so big ones pay
  // off there; a local file does not, and a big chunk is only resident memory.
  size_t max_read_chunk = size_t{8} << 20;
  uint64_t headroom = 0;
  uint64_t member_table = 0;  // what the job's member table holds (WithMemberTable)
  size_t upload_threads = 0;  // part uploads in flight at once
  size_t max_connections = 0;

  // Member lane: one thread per job. I/O lane: one read-ahead per job plus the part uploads.
  ExecutorShape executor_shape() const { return {jobs, jobs + upload_threads}; }
};

MemoryPlan MakeMemoryPlan(const MemoryPlanRequest& request);

// `plan` for a job whose member table holds `table_bytes`: the buffer shares are recomputed
// from the budget less the table, down to floors that keep one member in flight moving (over
// budget then, when the table alone exceeds it). Jobs, threads, connections and the store's
// part buffers (sized when the store was made) are unchanged.
MemoryPlan WithMemberTable(const MemoryPlan& plan, uint64_t table_bytes);

}  // namespace unpackd
