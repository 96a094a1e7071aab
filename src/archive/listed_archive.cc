#include "archive/listed_archive.h"

#include <vector>

#include "archive/entry_string_store.h"
#include "util/error.h"

namespace unpackd {
namespace {

class ListedArchive final : public ArchiveReader {
 public:
  ListedArchive(ArchiveInfo info, EntryStringStore strings, std::vector<ArchiveEntry> entries,
                std::vector<Finding> findings)
      : info_(std::move(info)),
        strings_(std::move(strings)),
        entries_(std::move(entries)),
        findings_(std::move(findings)) {}

  const ArchiveInfo& info() const override { return info_; }
  const std::vector<ArchiveEntry>& entries() const override { return entries_; }
  std::vector<Finding> StructuralFindings() const override { return findings_; }
  ByteRange ReadHint(const ArchiveEntry& /*entry*/) const override { return {}; }
  std::unique_ptr<MemberReader> OpenMember(const ArchiveEntry& entry,
                                           const MemberAccess& /*access*/) const override {
    throw Error(ErrorKind::kInternal, "member '" + std::string(entry.name) +
                                          "' of a listed stream cannot be opened; stream it");
  }
  void CheckMember(const ArchiveEntry& /*entry*/) const override {}

 private:
  const ArchiveInfo info_;
  const EntryStringStore strings_;  // what entries_ view
  const std::vector<ArchiveEntry> entries_;
  const std::vector<Finding> findings_;
};

}  // namespace

std::unique_ptr<ArchiveReader> ListSequentialArchive(SequentialArchiveReader& reader) {
  EntryStringStore strings;
  std::vector<ArchiveEntry> entries;
  std::vector<Finding> findings;
  std::vector<std::byte> scratch(size_t{256} << 10);
  try {
    while (auto member = reader.Next()) {
      ArchiveEntry& entry = entries.emplace_back(strings.Keep(member->entry));
      if (!member->content) continue;
      uint64_t bytes = 0;
      while (const size_t n = member->content->Read(scratch)) bytes += n;
      if (!member->size_known) entry.size = entry.stored_size = bytes;
    }
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::kArchiveRefused) throw;
    findings.push_back(
        Finding{Severity::kRefuse, e.code().empty() ? "corrupt-stream" : e.code(), std::nullopt, "",
                std::string(e.what()) + " (after " + std::to_string(entries.size()) + " members)"});
  }
  for (Finding& f : reader.TakeWarnings()) findings.push_back(std::move(f));
  return std::make_unique<ListedArchive>(reader.info(), std::move(strings), std::move(entries),
                                         std::move(findings));
}

}  // namespace unpackd
