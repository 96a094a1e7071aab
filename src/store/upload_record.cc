#include "store/upload_record.h"

#include <cstdint>
#include <cstdio>

namespace unpackd {
namespace {

constexpr std::string_view kTag = "unpackd-upload-record-v1\n";

// FNV-1a, 64 bits: names records, it does not secure anything.
uint64_t Fnv1a(std::string_view text, uint64_t hash = 14695981039346656037ull) {
  for (char c : text) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return hash;
}

std::string Hex(uint64_t value) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(value));
  return buf;
}

}  // namespace

std::string UploadRecordKey(std::string_view records_prefix, const UploadRecord& record) {
  return std::string(records_prefix) + Hex(Fnv1a(record.key)) + "-" + Hex(Fnv1a(record.upload_id));
}

std::string UploadRecordBody(const UploadRecord& record) {
  return std::string(kTag) + record.upload_id + "\n" + record.key;
}

std::optional<UploadRecord> ParseUploadRecord(std::string_view body) {
  if (!body.starts_with(kTag)) return std::nullopt;
  body.remove_prefix(kTag.size());
  const size_t newline = body.find('\n');
  if (newline == std::string_view::npos || newline == 0 || newline + 1 == body.size()) {
    return std::nullopt;
  }
  return UploadRecord{std::string(body.substr(newline + 1)), std::string(body.substr(0, newline))};
}

}  // namespace unpackd
