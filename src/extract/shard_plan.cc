#include "extract/shard_plan.h"

#include <algorithm>
#include <charconv>

#include "util/error.h"

namespace unpackd {

namespace {

// What a member costs beyond its bytes: its requests (a HEAD, a PUT, its share of a ranged
// GET) take about as long as moving this many bytes.
constexpr uint64_t kPerMemberWeight = 256 << 10;

uint64_t Weight(const ArchiveEntry& entry) { return entry.size + kPerMemberWeight; }

bool ParseUint(std::string_view text, uint32_t& value) {
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  return !text.empty() && ec == std::errc() && ptr == end;
}

}  // namespace

std::string ShardSpec::ToString() const {
  return std::to_string(index) + "/" + std::to_string(count);
}

ShardSpec ParseShardSpec(const std::string& text) {
  const size_t slash = text.find('/');
  ShardSpec spec;
  if (slash == std::string::npos ||
      !ParseUint(std::string_view(text).substr(0, slash), spec.index) ||
      !ParseUint(std::string_view(text).substr(slash + 1), spec.count) || spec.count == 0 ||
      spec.count > kMaxShards || spec.index >= spec.count) {
    throw Error(ErrorKind::kUsage,
                "shard \"" + text + "\": expected I/N with 0 <= I < N <= " +
                    std::to_string(kMaxShards) + " (\"0/4\" is the first of four)",
                "bad-shard");
  }
  return spec;
}

std::vector<ShardRange> SplitIntoShards(const ExtractionPlan& plan,
                                        std::span<const ArchiveEntry> entries, uint32_t count) {
  count = std::max<uint32_t>(count, 1);
  uint64_t total = 0;
  for (const PlannedMember& m : plan.members) total += Weight(entries[m.entry_index]);
  std::vector<ShardRange> shards(count);
  const auto members = static_cast<uint32_t>(plan.members.size());
  uint32_t next = 0;
  uint64_t done = 0;  // weight of the members in earlier shards
  for (uint32_t s = 0; s < count; ++s) {
    ShardRange& shard = shards[s];
    shard.begin = next;
    // Shard s takes its even share of the weight still to place (so the shards after one
    // huge member share the rest evenly), at least one member, and a member straddling its
    // end goes to whichever side it mostly lies on.
    const uint64_t goal = done + (total - done) / (count - s);
    while (next < members) {
      const ArchiveEntry& entry = entries[plan.members[next].entry_index];
      const uint64_t w = Weight(entry);
      if (s + 1 < count && next > shard.begin && done + w / 2 > goal) break;
      done += w;
      shard.bytes += entry.size;
      ++next;
    }
    shard.end = next;
  }
  return shards;
}

uint32_t ShardCountFor(const ExtractionPlan& plan, const ShardThresholds& thresholds) {
  uint64_t count = 1;
  if (thresholds.max_shard_bytes > 0) {
    count = std::max(
        count, (plan.total_bytes + thresholds.max_shard_bytes - 1) / thresholds.max_shard_bytes);
  }
  if (thresholds.max_shard_members > 0) {
    count = std::max<uint64_t>(count, (plan.members.size() + thresholds.max_shard_members - 1) /
                                          thresholds.max_shard_members);
  }
  return static_cast<uint32_t>(std::clamp<uint64_t>(count, 1, kMaxShards));
}

std::string ShardRecordsPrefix(const Destination& destination, const std::string& etag,
                               uint32_t count) {
  return destination.prefix + ".unpackd/shards/" + etag + "-of-" + std::to_string(count) + "/";
}

std::string ShardRecordKey(const Destination& destination, const std::string& etag,
                           const ShardSpec& shard) {
  return ShardRecordsPrefix(destination, etag, shard.count) + std::to_string(shard.index) + ".json";
}

std::string ShardUploadRecordsPrefix(const Destination& destination, const ShardSpec& shard) {
  return destination.UploadRecordsPrefix() + "shard-" + std::to_string(shard.index) + "-of-" +
         std::to_string(shard.count) + "/";
}

}  // namespace unpackd
