// ZipReader: the ArchiveReader for ZIP, over ZipArchive (the parser of end records, central
// directory and local headers). Everything ZIP-shaped the extract layer once knew lives here:
// local-header sizes in read hints, overlapping-data findings, data descriptor checks.
#pragma once

#include <memory>

#include "archive/archive_reader.h"
#include "archive/zip/zip_archive.h"

namespace unpackd {

class ZipReader final : public ArchiveReader {
 public:
  // Throws Error(kArchiveRefused) when `source` is not a readable ZIP (see ZipArchive::Open).
  // `source` must outlive the reader.
  static std::unique_ptr<ZipReader> Open(RandomAccessSource& source,
                                         const ArchiveOpenOptions& options);

  const ArchiveInfo& info() const override { return info_; }
  const std::vector<ArchiveEntry>& entries() const override { return zip_->entries(); }
  std::vector<Finding> StructuralFindings() const override;
  ByteRange ReadHint(const ArchiveEntry& entry) const override;
  std::unique_ptr<MemberReader> OpenMember(const ArchiveEntry& entry,
                                           const MemberAccess& access) const override;
  void CheckMember(const ArchiveEntry& entry) const override;
  std::optional<ByteRange> StoredContentRange(const ArchiveEntry& entry,
                                              RandomAccessSource& via) const override;
  size_t table_bytes() const override { return zip_->table_bytes(); }

  const ZipArchive& zip() const { return *zip_; }

  explicit ZipReader(std::unique_ptr<ZipArchive> zip);

 private:
  std::unique_ptr<ZipArchive> zip_;
  ArchiveInfo info_;
};

}  // namespace unpackd
