#include "archive/zip/zip_archive.h"

#include <algorithm>
#include <map>
#include <string_view>
#include <vector>

#include "archive/checked_member_reader.h"
#include "archive/zip/central_directory.h"
#include "archive/zip/end_record.h"
#include "archive/zip/extra_fields.h"
#include "archive/zip/little_endian.h"
#include "archive/zip/name_decoding.h"
#include "archive/zip/zip_format.h"
#include "archive/zip/zip_method.h"
#include "io/range_source.h"
#include "io/read_up_to.h"
#include "util/error.h"

namespace unpackd {
namespace {

using namespace zipfmt;

std::string MemberLabel(const ArchiveEntry& entry) {
  if (entry.name.empty()) return "member #" + std::to_string(entry.index) + " (empty name)";
  return "member '" + std::string(entry.name) + "'";
}

[[noreturn]] void Refuse(const ArchiveEntry& entry, const std::string& why) {
  throw Error(ErrorKind::kArchiveRefused, MemberLabel(entry) + ": " + why);
}

// unpackd reads a backslash in a name as '/' (NormalizeMemberPath), so a local header that spells
// the central name with the other separator names the same member.
bool SameMemberName(std::string_view local, std::string_view central) {
  auto is_separator = [](char c) { return c == '/' || c == '\\'; };
  return std::equal(local.begin(), local.end(), central.begin(), central.end(),
                    [&](char a, char b) { return a == b || (is_separator(a) && is_separator(b)); });
}

// What the end records tolerated: bytes where no reader looks for anything.
std::vector<Finding> LayoutFindings(const ZipArchiveInfo& info) {
  std::vector<Finding> findings;
  auto warn = [&](const char* code, std::string message) {
    findings.push_back(Finding{Severity::kWarning, code, std::nullopt, "", std::move(message)});
  };
  if (info.gap_before_end_record != 0) {
    warn("gap-before-end-record",
         std::to_string(info.gap_before_end_record) +
             " bytes lie between the central directory and its end record; they hold no record "
             "and are ignored");
  }
  if (info.trailing_bytes != 0) {
    warn("trailing-bytes", std::to_string(info.trailing_bytes) +
                               " bytes follow the end record and its comment; they are ignored");
  }
  return findings;
}

}  // namespace

std::unique_ptr<ZipArchive> ZipArchive::Open(RandomAccessSource& source,
                                             const ArchiveOpenOptions& options) {
  LocatedDirectory located = LocateCentralDirectory(source, options);
  ZipArchiveInfo& info = located.info;
  CentralDirectory& directory = located.directory;
  std::vector<ZipEntry>& records = directory.records;
  std::vector<ArchiveEntry> entries;
  entries.reserve(records.size());
  // One copy of each method's label for the whole table.
  std::map<uint16_t, std::string_view> method_names;
  for (size_t i = 0; i < records.size(); ++i) {
    auto [label, added] = method_names.try_emplace(records[i].method);
    if (added) label->second = directory.strings.Add(ZipMethodLabel(records[i].method));
    entries.push_back(
        DescribeZipEntry(records[i], directory.sizes[i], static_cast<uint32_t>(i), label->second));
  }
  directory.sizes = {};  // the entries hold them now
  info.names =
      DecodeEntryNames(records, directory.unicode_paths, entries, options.names, directory.strings);
  for (size_t i = 0; i < records.size(); ++i) {
    entries[i].kind =
        ZipEntryKind(records[i], entries[i].size, records[i].raw_name(), entries[i].name);
  }
  std::vector<Finding> findings = LayoutFindings(info);
  for (size_t i = 0; i < records.size(); ++i) {
    const ArchiveEntry& e = entries[i];
    if (records[i].is_fifo() && e.kind == EntryKind::kFile) {
      findings.push_back(Finding{Severity::kWarning, "fifo-with-data", e.index, std::string(e.name),
                                 "recorded as a FIFO but holds " + std::to_string(e.size) +
                                     " bytes (as `zip` records data read from a pipe); "
                                     "extracted as a regular file"});
    }
  }
  for (RecordNote& note : directory.notes) {
    const ArchiveEntry& e = entries[note.index];
    findings.push_back(Finding{
        Severity::kWarning, "malformed-extra-field", e.index, std::string(e.name),
        std::move(note.message) + " (unpackd does not read this field, so it is tolerated)"});
  }
  return std::make_unique<ZipArchive>(source, std::move(info), std::move(directory.strings),
                                      std::move(records), std::move(entries), std::move(findings),
                                      options.max_decoder_window);
}

std::string_view ZipArchive::RawName(const ArchiveEntry& entry) const {
  return records_[entry.index].raw_name();
}

MemberExtent ZipArchive::LocateMember(const ArchiveEntry& member, RandomAccessSource& via) const {
  const ZipEntry& entry = record(member);
  const uint64_t at = entry.local_header_offset;
  auto fixed = ReadUpTo(via, at, kLocalHeaderSize);
  if (fixed.size() < kLocalHeaderSize) Refuse(member, "local header is truncated");
  ByteCursor c(fixed);
  if (c.U32() != kLocalHeaderSignature) {
    Refuse(member, "no local header at offset " + std::to_string(at));
  }
  c.U16();  // version needed: tools disagree with their own central directory too often
  const uint16_t flags = c.U16();
  const uint16_t method = c.U16();
  c.U32();  // time and date
  ZipEntry local;
  ZipRecordValues local_sizes;
  local_sizes.crc32 = c.U32();
  local_sizes.compressed_size = c.U32();
  local_sizes.uncompressed_size = c.U32();
  const uint16_t name_len = c.U16();
  const uint16_t extra_len = c.U16();
  local.method = method;

  auto variable = ReadUpTo(via, at + kLocalHeaderSize, size_t{name_len} + extra_len);
  if (variable.size() != size_t{name_len} + extra_len) Refuse(member, "local header is truncated");
  const std::string local_name(reinterpret_cast<const char*>(variable.data()), name_len);
  // Malformed fields unpackd does not read are not reported from here: the plan is made.
  ApplyExtraFields(std::span<const std::byte>(variable).subspan(name_len), true, local, local_sizes,
                   MemberLabel(member) + ": local header");

  if (!SameMemberName(local_name, RawName(member))) {
    Refuse(member, "local header names '" + PrintableRawName(local_name) +
                       "', central directory disagrees");
  }
  // AES entries record method 99 locally too; compare the method the extra field resolved.
  if (local.method != entry.method) {
    Refuse(member, "local header says method " + std::to_string(local.method) +
                       ", central directory says " + std::to_string(entry.method));
  }
  // The local header says whether a data descriptor follows the data. Some writers set the
  // flag in the central directory alone; their local header then holds the CRC and sizes,
  // which must agree like any other's.
  const bool descriptor_follows = (flags & kFlagDataDescriptor) != 0;
  if ((flags & kFlagEncrypted) != (entry.flags & kFlagEncrypted) ||
      (descriptor_follows && !entry.has_data_descriptor())) {
    Refuse(member, "local header flags disagree with the central directory");
  }
  if (!descriptor_follows) {
    if (local_sizes.crc32 != member.crc32 || local_sizes.compressed_size != member.stored_size ||
        local_sizes.uncompressed_size != member.size) {
      Refuse(member, "local header CRC or sizes disagree with the central directory");
    }
  }
  MemberExtent extent;
  extent.data_descriptor = descriptor_follows;
  extent.data_offset = at + kLocalHeaderSize + name_len + extra_len;
  extent.data_size = member.stored_size;
  if (extent.data_size > info_.central_directory_offset ||
      extent.data_offset > info_.central_directory_offset - extent.data_size) {
    Refuse(member, "data runs past the start of the central directory (truncated or malformed)");
  }
  return extent;
}

void ZipArchive::CheckDataDescriptor(const ArchiveEntry& member, const MemberExtent& extent,
                                     RandomAccessSource& via) const {
  if (!extent.data_descriptor) return;
  const uint64_t at = extent.data_offset + extent.data_size;
  auto bytes = ReadUpTo(via, at, 24);
  // Layouts: [sig] crc csize usize, sizes 4 or 8 bytes each.
  for (size_t skip : {size_t{4}, size_t{0}}) {
    if (skip == 4 && (bytes.size() < 4 || LoadLe32(bytes.data()) != kDataDescriptorSignature)) {
      continue;
    }
    for (size_t width : {size_t{8}, size_t{4}}) {
      if (bytes.size() < skip + 4 + 2 * width) continue;
      const std::byte* p = bytes.data() + skip;
      const uint32_t crc = LoadLe32(p);
      const uint64_t csize = width == 8 ? LoadLe64(p + 4) : LoadLe32(p + 4);
      const uint64_t usize = width == 8 ? LoadLe64(p + 4 + width) : LoadLe32(p + 4 + width);
      if (crc == member.crc32 && csize == member.stored_size && usize == member.size) {
        return;
      }
    }
  }
  Refuse(member, "data descriptor disagrees with the central directory");
}

std::unique_ptr<MemberReader> ZipArchive::OpenMember(const ArchiveEntry& member,
                                                     std::unique_ptr<ByteSource> compressed,
                                                     const MemberStreamLimits& limits) const {
  const ZipEntry& entry = record(member);
  if (!member.encryption.empty()) {
    Refuse(member, "is encrypted (" + std::string(member.encryption) +
                       "); encrypted members are not supported");
  }
  DecompressorParams params;
  params.lzma_end_marker = (entry.flags & kFlagLzmaEndMarker) != 0;
  params.uncompressed_size = member.size;
  params.max_dictionary = max_decoder_window_;
  return MakeCheckedMemberReader(member, params, MemberLabel(member), std::move(compressed),
                                 limits);
}

std::unique_ptr<MemberReader> ZipArchive::OpenMember(const ArchiveEntry& entry,
                                                     const MemberStreamLimits& limits,
                                                     size_t read_chunk) const {
  const MemberExtent extent = LocateMember(entry);
  CheckDataDescriptor(entry, extent);
  return OpenMember(
      entry,
      std::make_unique<RangeSource>(source_, extent.data_offset, extent.data_size, read_chunk),
      limits);
}

}  // namespace unpackd
