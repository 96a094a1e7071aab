#include "extract/memory_plan.h"

#include <gtest/gtest.h>

#include "extract/decoder_window.h"

namespace unpackd {
namespace {

TEST(MemoryPlanTest, EveryShareFitsTheBudget) {
  for (const unsigned jobs : {1u, 4u, 64u, 256u}) {
    for (const uint64_t mib : {16u, 256u, 4096u}) {
      MemoryPlanRequest request;
      request.memory_bytes = mib << 20;
      request.jobs = jobs;
      request.remote_destination = true;
      const MemoryPlan plan = MakeMemoryPlan(request);
      SCOPED_TRACE(std::to_string(jobs) + " jobs, " + std::to_string(mib) + " MiB");
      EXPECT_EQ(plan.jobs, jobs);
      EXPECT_EQ(plan.read_windows + plan.part_buffers + plan.decoder_windows +
                    uint64_t{plan.copy_buffer_bytes} * jobs + plan.headroom,
                std::max<uint64_t>(request.memory_bytes,
                                   plan.read_windows + plan.part_buffers + plan.decoder_windows +
                                       uint64_t{plan.copy_buffer_bytes} * jobs));
      EXPECT_GE(plan.copy_buffer_bytes, size_t{16} << 10);
      EXPECT_LE(plan.copy_buffer_bytes, size_t{256} << 10);
    }
  }
}

// A member table is held beside the buffers: it comes out of their shares, so a million-member
// table under --memory 256 leaves the buffers what remains, down to a floor, and the headroom
// (the process's own memory, which no share counts) stays what it was.
TEST(MemoryPlanTest, MemberTableComesOffTheBudget) {
  MemoryPlanRequest request;
  request.memory_bytes = uint64_t{256} << 20;
  request.jobs = 64;
  const MemoryPlan whole = MakeMemoryPlan(request);
  const MemoryPlan rest = WithMemberTable(whole, uint64_t{200} << 20);
  EXPECT_EQ(rest.member_table, uint64_t{200} << 20);
  const uint64_t left = (uint64_t{256} << 20) - (uint64_t{200} << 20) / 7 * 8;
  EXPECT_EQ(rest.read_windows, left * 3 / 8);
  EXPECT_EQ(rest.decoder_windows, left / 8);
  EXPECT_GE(rest.headroom, whole.headroom);
  EXPECT_LT(rest.copy_buffer_bytes, whole.copy_buffer_bytes);
  EXPECT_EQ(rest.part_buffers, whole.part_buffers);  // the store's, sized already
  EXPECT_EQ(rest.jobs, whole.jobs);

  // A table over the budget leaves the buffers their floor, not nothing.
  const MemoryPlan over = WithMemberTable(whole, uint64_t{300} << 20);
  EXPECT_EQ(over.read_windows, (uint64_t{16} << 20) * 3 / 8);
  EXPECT_EQ(WithMemberTable(whole, 0).read_windows, whole.read_windows);
}

// The connection pool and the I/O lane follow the jobs actually used: S3's default of 64
// gets as many connections as --jobs 64 given explicitly.
TEST(MemoryPlanTest, RemoteDefaultJobsSizeConnectionsAndThreads) {
  MemoryPlanRequest defaulted;
  defaulted.remote_store = true;
  defaulted.remote_destination = true;
  MemoryPlanRequest explicit64 = defaulted;
  explicit64.jobs = 64;
  const MemoryPlan a = MakeMemoryPlan(defaulted);
  const MemoryPlan b = MakeMemoryPlan(explicit64);
  EXPECT_EQ(a.jobs, 64u);
  EXPECT_EQ(a.max_connections, b.max_connections);
  EXPECT_GE(a.max_connections, 2u * 64);
  EXPECT_EQ(a.executor_shape().member_threads, 64u);
  EXPECT_EQ(a.executor_shape().io_threads, 64u + a.upload_threads);
}

TEST(MemoryPlanTest, LocalReadsUseSmallChunksRemoteReadsLargeOnes) {
  // A local file costs no round trip per chunk, so a big chunk would only be resident memory.
  MemoryPlanRequest local;
  local.memory_bytes = uint64_t{1} << 30;
  EXPECT_EQ(MakeMemoryPlan(local).max_read_chunk, size_t{1} << 20);
  MemoryPlanRequest remote = local;
  remote.remote_store = true;
  EXPECT_EQ(MakeMemoryPlan(remote).max_read_chunk, size_t{8} << 20);
}

TEST(MemoryPlanTest, DecoderWindowsFollowCodecAndContent) {
  ArchiveEntry e;
  e.size = 10 << 20;
  e.codec = Codec::kStored;
  EXPECT_EQ(DecoderWindowBytes(e, 64 << 20), 0u);
  e.codec = Codec::kDeflate;
  EXPECT_LE(DecoderWindowBytes(e, 64 << 20), 256u << 10);
  e.codec = Codec::kXz;
  EXPECT_EQ(DecoderWindowBytes(e, 64 << 20), 10u << 20);  // no more than the content
  e.size = uint64_t{1} << 30;
  EXPECT_EQ(DecoderWindowBytes(e, 64 << 20), 64u << 20);  // no more than the decoder allows
  e.codec.reset();
  EXPECT_EQ(DecoderWindowBytes(e, 64 << 20), 0u);
}

}  // namespace
}  // namespace unpackd
