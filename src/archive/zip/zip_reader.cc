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
}

// Fifield-style bombs point many central entries at the same or overlapping data. Each member
// occupies at least its fixed local header, its name and its compressed data. Then what the
// parser tolerated (ZipArchive::findings).
std::vector<Finding> ZipReader::StructuralFindings() const {
  std::vector<Finding> findings;
  const auto& entries = zip_->entries();
  std::vector<uint32_t> by_offset(entries.size());
  for (uint32_t i = 0; i < by_offset.size(); ++i) by_offset[i] = i;
  auto offset = [&](uint32_t i) { return zip_->record(entries[i]).local_header_offset; };
  std::stable_sort(by_offset.begin(), by_offset.end(),
                   [&](uint32_t a, uint32_t b) { return offset(a) < offset(b); });
  for (size_t i = 1; i < by_offset.size(); ++i) {
    const ArchiveEntry& prev = entries[by_offset[i - 1]];
    const ArchiveEntry& cur = entries[by_offset[i]];
    const uint64_t prev_end = offset(prev.index) + zipfmt::kLocalHeaderSize +
                              zip_->RawName(prev).size() + prev.stored_size;
    if (offset(cur.index) < prev_end) {
      findings.push_back(Finding{Severity::kRefuse, "overlapping-data", cur.index,
                                 std::string(cur.name),
                                 "its data overlaps member '" + std::string(prev.name) +
                                     "' (a non-recursive zip bomb reuses data this way)"});
    }
  }
  findings.insert(findings.end(), zip_->findings().begin(), zip_->findings().end());
  return findings;
}

ByteRange ZipReader::ReadHint(const ArchiveEntry& entry) const {
  const ZipEntry& e = zip_->record(entry);
  const uint64_t begin = e.local_header_offset;
  const uint64_t end =
      std::min(zip_->info().central_directory_offset,
               begin + zip_->RawName(entry).size() + entry.stored_size + kLocalOverheadEstimate);
  return ByteRange{begin, std::max(begin, end)};
}

std::unique_ptr<MemberReader> ZipReader::OpenMember(const ArchiveEntry& entry,
                                                    const MemberAccess& access) const {
  const MemberExtent extent = zip_->LocateMember(entry, *access.via);
  zip_->CheckDataDescriptor(entry, extent, *access.via);
  return zip_->OpenMember(entry, access.open_range(extent.data_offset, extent.data_size),
                          access.limits);
}

std::optional<ByteRange> ZipReader::StoredContentRange(const ArchiveEntry& entry,
                                                       RandomAccessSource& via) const {
  if (entry.codec != Codec::kStored || !entry.encryption.empty() ||
      entry.stored_size != entry.size) {
    return std::nullopt;
  }
  const MemberExtent extent = zip_->LocateMember(entry, via);
  zip_->CheckDataDescriptor(entry, extent, via);
  if (extent.data_size != entry.size) return std::nullopt;
  return ByteRange{extent.data_offset, extent.data_offset + extent.data_size};
}

void ZipReader::CheckMember(const ArchiveEntry& entry) const {
  zip_->CheckDataDescriptor(entry, zip_->LocateMember(entry));
}

}  // namespace unpackd
