// Fan-out of one archive over many workers: its planned members split into shards that
// separate workers (serve processes, Lambda invocations, a Step Functions map) extract, with
// the store itself as the barrier that ends them (shard_record.h).
//
// Every worker reads the same central directory and makes the same plan, so a shard needs no
// list of members: "shard 3 of 8" names the same members on every host. Shards are runs of
// consecutive members (their bytes are neighbours in the archive, so read batching still
// works) balanced by bytes: each member weighs its size plus a fixed cost for its requests,
// so many small members and one big one balance too. A member is never split: one huge
// deflate member is one shard, and the other shards share the rest.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "archive/archive_entry.h"
#include "extract/destination.h"
#include "extract/plan.h"

namespace unpackd {

// Which shard of how many a run extracts: index < count.
struct ShardSpec {
  uint32_t index = 0;
  uint32_t count = 1;

  // "3/8" (the fourth of eight), as the CLI and queue messages spell it.
  std::string ToString() const;
  bool operator==(const ShardSpec&) const = default;
};

// Parses "I/N" with 0 <= I < N <= kMaxShards. Throws Error(kUsage) naming `text` otherwise.
ShardSpec ParseShardSpec(const std::string& text);

inline constexpr uint32_t kMaxShards = 10000;

// One shard's members: plan.members[begin, end).
struct ShardRange {
  uint32_t begin = 0;
  uint32_t end = 0;
  uint64_t bytes = 0;  // the members' declared content bytes
};

// The plan's members in `count` shards, in plan order; a shard is empty when there are fewer
// members than shards. The same plan and count give the same shards everywhere.
std::vector<ShardRange> SplitIntoShards(const ExtractionPlan& plan,
                                        std::span<const ArchiveEntry> entries, uint32_t count);

// When an archive is worth fanning out: above either bound (0: no bound), into as many shards
// as keep each within both, at most kMaxShards.
struct ShardThresholds {
  uint64_t max_shard_bytes = 0;
  uint64_t max_shard_members = 0;
};
uint32_t ShardCountFor(const ExtractionPlan& plan, const ShardThresholds& thresholds);

// Where a sharded run of archive version `etag` keeps its shard records: one folder per
// version and shard count, so runs split differently never mix.
std::string ShardRecordsPrefix(const Destination& destination, const std::string& etag,
                               uint32_t count);
std::string ShardRecordKey(const Destination& destination, const std::string& etag,
                           const ShardSpec& shard);
// Each shard keeps its multipart upload records apart, so that a shard starting over aborts
// only what an earlier run of the same shard left, never the uploads of a shard running now.
std::string ShardUploadRecordsPrefix(const Destination& destination, const ShardSpec& shard);

}  // namespace unpackd
