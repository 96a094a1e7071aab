#include "archive/zip/zip_reader.h"

#include <algorithm>

#include "archive/zip/zip_format.h"

namespace unpackd {
namespace {

// Local extra fields are not known from the central directory; allow for them (and for a data
// descriptor after the data) so a neighbour's range usually covers the whole member.
constexpr uint64_t kLocalOverheadEstimate = zipfmt::kLocalHeaderSize + 1024 + 24;

}  // namespace

std::unique_ptr<ZipReader> ZipReader::Open(RandomAccessSource& source,
                                           const ArchiveOpenOptions& options) {
  return std::make_unique<ZipReader>(ZipArchive::Open(source, options));
}

ZipReader::ZipReader(std::unique_ptr<ZipArchive> zip) : zip_(std::move(zip)) {
  const ZipArchiveInfo& zip_info = zip_->info();
  info_.format = "zip";
  info_.size = zip_info.archive_size;
  info_.names = zip_info.names;
  info_.zip64 = zip_info.zip64;
  info_.prepended_bytes = zip_info.prepended_bytes;
  entries_.reserve(zip_->entries().size());
  for (const ZipEntry& e : zip_->entries()) entries_.push_back(ToArchiveEntry(e));
}

// Fifield-style bombs point many central entries at the same or overlapping data. Each member
// occupies at least its fixed local header, its name and its compressed data.
std::vector<Finding> ZipReader::StructuralFindings() const {
  std::vector<Finding> findings;
  const auto& entries = zip_->entries();
  std::vector<const ZipEntry*> by_offset;
  by_offset.reserve(entries.size());
  for (const auto& e : entries) by_offset.push_back(&e);
  std::stable_sort(by_offset.begin(), by_offset.end(), [](const ZipEntry* a, const ZipEntry* b) {
    return a->local_header_offset < b->local_header_offset;
  });
  for (size_t i = 1; i < by_offset.size(); ++i) {
    const ZipEntry& prev = *by_offset[i - 1];
    const ZipEntry& cur = *by_offset[i];
    const uint64_t prev_end = prev.local_header_offset + zipfmt::kLocalHeaderSize +
                              prev.raw_name.size() + prev.compressed_size;
    if (cur.local_header_offset < prev_end) {
      findings.push_back(Finding{Severity::kRefuse, "overlapping-data", cur.index,
                                 entries_[cur.index].name,
                                 "its data overlaps member '" + entries_[prev.index].name +
                                     "' (a non-recursive zip bomb reuses data this way)"});
    }
  }
  return findings;
}

ByteRange ZipReader::ReadHint(const ArchiveEntry& entry) const {
  const ZipEntry& e = zip_->entries()[entry.index];
  const uint64_t begin = e.local_header_offset;
  const uint64_t end =
      std::min(zip_->info().central_directory_offset,
               begin + e.raw_name.size() + e.compressed_size + kLocalOverheadEstimate);
  return ByteRange{begin, std::max(begin, end)};
}

std::unique_ptr<MemberReader> ZipReader::OpenMember(const ArchiveEntry& entry,
                                                    const MemberAccess& access) const {
  const ZipEntry& e = zip_->entries()[entry.index];
  const MemberExtent extent = zip_->LocateMember(e, *access.via);
  zip_->CheckDataDescriptor(e, extent, *access.via);
  return zip_->OpenMember(e, access.open_range(extent.data_offset, extent.data_size),
                          access.limits);
}

void ZipReader::CheckMember(const ArchiveEntry& entry) const {
  const ZipEntry& e = zip_->entries()[entry.index];
  zip_->CheckDataDescriptor(e, zip_->LocateMember(e));
}

}  // namespace unpackd
