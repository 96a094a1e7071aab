// Shard records: how the workers of a fanned-out archive (shard_plan.h) learn that every
// shard is done, with nothing shared but the object store.
//
// A worker that finished its shard writes the shard's record (conditionally: If-None-Match
// where the store has it, so a duplicate run of the same shard keeps the first record), then
// lists the records of its archive version. Each worker writes before it lists, so the last
// shard to finish sees every record (S3 lists are strongly consistent); that worker, or any
// that also sees them all, writes the final manifest, conditionally too, so exactly one
// manifest is written and exactly one worker learns it committed (and notifies).
//
// A record says what the manifest needs and the plan cannot tell: which members an earlier
// version's objects already held (reused), which failed and were skipped (under
// --on-error=skip) and which the store copied. Reused members are kept as runs of plan
// indexes, so a shard of a million reused members is one pair.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "extract/shard_plan.h"
#include "store/object_store.h"

namespace unpackd {

inline constexpr const char* kShardRecordFormat = "unpackd-shard/1";

struct ShardRecord {
  std::string archive_etag;
  ShardSpec shard;
  ShardRange range;
  uint64_t written = 0;
  // Plan indexes [first, end) whose objects were kept as they were.
  std::vector<std::pair<uint32_t, uint32_t>> reused_runs;
  // Plan index and the error that skipped the member.
  std::vector<std::pair<uint32_t, std::string>> failed;
  // Plan index, and whether its CRC-32 was checked (false: --copy-check=trust).
  std::vector<std::pair<uint32_t, bool>> server_copied;

  std::string ToJson() const;
  // nullopt when `text` is not a record of this format.
  static std::optional<ShardRecord> FromJson(const std::string& text);
};

// Writes `record` at `ref` unless one is there already (a duplicate run of the shard got
// there first: the same members, the same outcome). Store errors propagate.
void WriteShardRecord(ObjectStore& store, const ObjectRef& ref, const ShardRecord& record);

// Every record under `prefix` (ShardRecordsPrefix) that is well formed, for `etag` and
// `count` shards, one per shard index; what else is there is ignored. When fewer objects than
// `count` are there, reads none of them: `records` is empty and `listed` says how many there
// are. Store errors propagate.
struct ShardRecordsFound {
  std::vector<ShardRecord> records;
  uint32_t listed = 0;  // objects under the prefix
  bool read = false;    // whether they were read

  // How many shards have ended, as far as this read could tell.
  uint32_t ended() const { return read ? static_cast<uint32_t>(records.size()) : listed; }
};
ShardRecordsFound ReadShardRecords(ObjectStore& store, const std::string& bucket,
                                   const std::string& prefix, const std::string& etag,
                                   uint32_t count);

}  // namespace unpackd
