// What the libFuzzer targets do with one input, shared with the regression test that replays
// every input under tests/data/fuzz/ in the normal (gtest) build.
//
// Contract of the code under test: for ANY bytes, ZipArchive::Open/LocateMember/OpenMember and
// MemberReader::Read either succeed or throw unpackd::Error. Anything else (a crash, a
// sanitizer report, another exception type, a hang, unbounded memory) is a bug.
#pragma once

#include <zlib.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "archive/zip/name_decoding.h"
#include "archive/zip/zip_archive.h"
#include "io/borrowed_bytes.h"
#include "io/random_access_source.h"
#include "util/error.h"
#include "util/string_arena.h"

namespace unpackd::fuzz {

// Small chunks and limits so one input exercises chunk boundaries and cannot run for long.
inline ArchiveOpenOptions FuzzOpenOptions() {
  ArchiveOpenOptions options;
  options.max_entries = 65536;
  options.directory_read_chunk = 4096;
  return options;
}

// Target (a): the end records and central directory parser, name decoding, local headers.
inline void FuzzCentralDirectory(std::span<const uint8_t> input) {
  BorrowedBytes source(input);
  std::unique_ptr<ZipArchive> archive;
  try {
    archive = ZipArchive::Open(source, FuzzOpenOptions());
  } catch (const Error&) {
    return;  // refused: expected for most inputs
  }
  for (const ArchiveEntry& entry : archive->entries()) {
    // The classification helpers read attributes and names; they must not trip on any value.
    const ZipEntry& record = archive->record(entry);
    volatile bool sink = record.is_symlink() || record.is_special_file() || record.is_encrypted() ||
                         archive->RawName(entry).empty();
    (void)sink;
    try {
      const MemberExtent extent = archive->LocateMember(entry);
      if (record.has_data_descriptor()) archive->CheckDataDescriptor(entry, extent);
    } catch (const Error&) {
    }
  }
}

// Target (b): every member streamed through decompression with CRC and size checks.
inline void FuzzMemberStreams(std::span<const uint8_t> input) {
  BorrowedBytes source(input);
  std::unique_ptr<ZipArchive> archive;
  try {
    archive = ZipArchive::Open(source, FuzzOpenOptions());
  } catch (const Error&) {
    return;
  }
  MemberStreamLimits limits;
  limits.max_uncompressed = uint64_t{64} << 20;  // bombs are refused, not inflated for minutes
  limits.max_ratio = 1000;
  limits.ratio_grace_bytes = uint64_t{1} << 20;
  std::vector<std::byte> buffer(16 * 1024);
  size_t members = 0;
  for (const ArchiveEntry& entry : archive->entries()) {
    if (++members > 256) break;  // overlapping-entry inputs: 256 streams are plenty
    try {
      std::unique_ptr<MemberReader> reader = archive->OpenMember(entry, limits, 64 * 1024);
      while (reader->Read(buffer) != 0) {
      }
    } catch (const Error&) {
    }
  }
}

// Target (c): name decoding alone, on raw names cut from the input. The first byte picks the
// mode (flags, forced encoding); the rest is split at '\n' into names.
inline void FuzzNameDecoding(std::span<const uint8_t> input) {
  if (input.empty()) return;
  static constexpr const char* kForced[] = {"",    "",      "",        "",     "cp949", "shift_jis",
                                            "gbk", "utf-8", "gb18030", "big5", "cp437", "euc-jp"};
  const uint8_t mode = input[0];
  NameDecodingOptions options;
  options.forced_encoding = kForced[mode % std::size(kForced)];
  StringArena strings;  // the raw names: ZipEntry views them
  std::vector<ZipEntry> records;
  std::vector<UnicodePathExtra> unicode_paths;
  std::string current;
  std::string previous;
  for (size_t i = 1; i <= input.size(); ++i) {
    if (i == input.size() || input[i] == '\n') {
      const auto index = static_cast<uint32_t>(records.size());
      ZipEntry e;
      e.set_raw_name(strings.Add(current));
      if ((mode & 0x10) != 0 && index % 2 == 0) e.flags |= 0x0800;  // UTF-8 flag
      if ((mode & 0x20) != 0) {
        // The previous name as the extra's UTF-8 name; its CRC matches when bit 6 says so.
        const uint32_t crc =
            (mode & 0x40) != 0
                ? static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(current.data()),
                                              static_cast<uInt>(current.size())))
                : 0;
        unicode_paths.push_back(UnicodePathExtra{index, crc, previous});
      }
      previous = current;
      records.push_back(std::move(e));
      current.clear();
      if (records.size() > 4096) break;
    } else {
      current.push_back(static_cast<char>(input[i]));
    }
  }
  std::vector<ArchiveEntry> entries(records.size());
  for (uint32_t i = 0; i < entries.size(); ++i) entries[i].index = i;
  DecodeEntryNames(records, unicode_paths, entries, options, strings);
}

}  // namespace unpackd::fuzz
