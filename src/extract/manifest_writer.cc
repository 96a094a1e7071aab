#include "extract/manifest_writer.h"

#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "util/error.h"
#include "util/random_id.h"

namespace unpackd {
namespace {

// Appends go to the store in pieces of this size (the store buffers parts on its own).
constexpr size_t kFlushBytes = size_t{64} << 10;

std::string Dump(const nlohmann::ordered_json& json, int indent) {
  return json.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The document up to the opening of the member list, pretty-printed with its last "}" cut.
std::string Head(const ManifestSummary& s) {
  const nlohmann::ordered_json head = {
      {"format", kManifestFormat},
      {"source",
       {{"bucket", s.source_bucket},
        {"key", s.source_key},
        {"etag", s.source_etag},
        {"version_id", s.source_version_id},
        {"size", s.source_size}}},
      {"destination", {{"bucket", s.destination_bucket}, {"prefix", s.destination_prefix}}},
      {"totals",
       {{"members", s.member_count},
        {"bytes", s.total_bytes},
        {"skipped", s.skipped_count},
        {"reused", s.reused_count},
        {"server_copied", s.server_copied_count},
        {"crc_unchecked", s.crc_unchecked_count}}},
      {"created_at", s.created_at},
      {"unpackd_version", s.unpackd_version}};
  std::string text = Dump(head, 2);
  text.resize(text.rfind('}'));  // "...\n" stays: the lists follow as further members
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text + ",\n  \"members\": [";
}

// 16 random hex digits: unique among the writers of one manifest key, nothing more.
std::string NewManifestId() { return RandomHexId(16); }

}  // namespace

ManifestWriter::ManifestWriter(ObjectStore& store, const ObjectRef& ref,
                               const ManifestSummary& summary,
                               const std::string& upload_records_prefix, bool if_absent)
    : summary_(summary) {
  WriteOptions options;
  options.content_type = "application/json";
  options.upload_records_prefix = upload_records_prefix;
  options.metadata["unpackd-manifest-id"] = NewManifestId();
  options.if_absent = if_absent;
  writer_ = store.NewWriter(ref, options);
  buffer_ = Head(summary_);
}

ManifestWriter::~ManifestWriter() {
  if (!committed_) writer_->Abort();
}

void ManifestWriter::Enter(Section section) {
  if (section == section_) return;
  if (section_ == Section::kSkipped) {
    throw Error(ErrorKind::kInternal, "manifest: a member was added after the skips");
  }
  Put("\n  ],\n  \"skipped\": [");
  section_ = section;
}

void ManifestWriter::AddMember(const ManifestMember& m) {
  Enter(Section::kMembers);
  nlohmann::ordered_json member = {{"name", m.name}, {"key", m.key}, {"size", m.size}};
  if (m.crc32) member["crc32"] = Crc32Hex(*m.crc32);
  member["content_type"] = m.content_type;
  if (m.server_copied) {
    member["server_copied"] = true;
    member["crc_checked"] = m.crc_checked;
  }
  Put(members_++ == 0 ? "\n    " : ",\n    ");
  Put(Dump(member, -1));
}

void ManifestWriter::AddSkip(const ManifestSkip& s) {
  Enter(Section::kSkipped);
  const nlohmann::ordered_json skip = {{"name", s.name}, {"code", s.code}, {"reason", s.reason}};
  Put(skips_++ == 0 ? "\n    " : ",\n    ");
  Put(Dump(skip, -1));
}

void ManifestWriter::Commit() {
  if (members_ != summary_.member_count || skips_ != summary_.skipped_count) {
    throw Error(ErrorKind::kInternal,
                "manifest: " + std::to_string(members_) + " members and " + std::to_string(skips_) +
                    " skips listed, the summary says " + std::to_string(summary_.member_count) +
                    " and " + std::to_string(summary_.skipped_count));
  }
  if (section_ == Section::kMembers) Put("\n  ],\n  \"skipped\": [");
  Put("\n  ]\n}\n");
  Flush();
  writer_->Commit();
  committed_ = true;
}

void ManifestWriter::Put(std::string_view text) {
  buffer_.append(text);
  if (buffer_.size() >= kFlushBytes) Flush();
}

void ManifestWriter::Flush() {
  writer_->Append(std::as_bytes(std::span(buffer_)));
  buffer_.clear();
}

}  // namespace unpackd
