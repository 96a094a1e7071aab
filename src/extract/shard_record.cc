#include "extract/shard_record.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "store/small_object.h"
#include "util/error.h"

namespace unpackd {

namespace {

// A record is a few hundred bytes; a huge one is not ours.
constexpr uint64_t kMaxRecordBytes = 64 << 20;

}  // namespace

std::string ShardRecord::ToJson() const {
  nlohmann::json doc = {{"format", kShardRecordFormat},
                        {"archive_etag", archive_etag},
                        {"shard", shard.index},
                        {"shards", shard.count},
                        {"members", {range.begin, range.end}},
                        {"bytes", range.bytes},
                        {"written", written},
                        {"reused", reused_runs},
                        {"failed", failed},
                        {"server_copied", server_copied}};
  return doc.dump();
}

std::optional<ShardRecord> ShardRecord::FromJson(const std::string& text) {
  const nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || doc.value("format", "") != kShardRecordFormat) return std::nullopt;
  try {
    ShardRecord record;
    record.archive_etag = doc.at("archive_etag").get<std::string>();
    record.shard.index = doc.at("shard").get<uint32_t>();
    record.shard.count = doc.at("shards").get<uint32_t>();
    const auto members = doc.at("members").get<std::pair<uint32_t, uint32_t>>();
    record.range = {members.first, members.second, doc.at("bytes").get<uint64_t>()};
    record.written = doc.at("written").get<uint64_t>();
    record.reused_runs = doc.at("reused").get<decltype(record.reused_runs)>();
    record.failed = doc.at("failed").get<decltype(record.failed)>();
    record.server_copied = doc.at("server_copied").get<decltype(record.server_copied)>();
    if (record.shard.index >= record.shard.count || record.range.begin > record.range.end) {
      return std::nullopt;
    }
    return record;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

void WriteShardRecord(ObjectStore& store, const ObjectRef& ref, const ShardRecord& record) {
  WriteOptions options;
  options.content_type = "application/json";
  options.if_absent = true;
  const std::string body = record.ToJson();
  try {
    std::unique_ptr<ObjectWriter> writer = store.NewWriter(ref, options);
    writer->Append(std::as_bytes(std::span(body.data(), body.size())));
    writer->Commit();
  } catch (const Error& e) {
    if (e.code() != "object-exists") throw e.WithContext("writing shard record " + ref.ToString());
  }
}

ShardRecordsFound ReadShardRecords(ObjectStore& store, const std::string& bucket,
                                   const std::string& prefix, const std::string& etag,
                                   uint32_t count) {
  std::vector<std::string> keys;
  store.List(bucket, prefix, [&](const ListEntry& entry) {
    keys.push_back(entry.key);
    return true;
  });
  ShardRecordsFound found;
  found.listed = static_cast<uint32_t>(std::min<size_t>(keys.size(), UINT32_MAX));
  // Fewer objects than shards cannot be every shard: the common answer, without a read.
  if (keys.size() < count) return found;
  found.read = true;
  std::vector<ShardRecord>& records = found.records;
  std::vector<bool> seen(count, false);
  for (const std::string& key : keys) {
    const std::optional<std::string> text = ReadSmallObject(store, {bucket, key}, kMaxRecordBytes);
    if (!text) continue;
    std::optional<ShardRecord> record = ShardRecord::FromJson(*text);
    if (!record || record->archive_etag != etag || record->shard.count != count ||
        seen[record->shard.index]) {
      continue;
    }
    seen[record->shard.index] = true;
    records.push_back(std::move(*record));
  }
  return found;
}

}  // namespace unpackd
