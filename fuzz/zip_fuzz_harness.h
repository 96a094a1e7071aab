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
  for (const ZipEntry& entry : archive->entries()) {
    // The classification helpers read attributes and names; they must not trip on any value.
    volatile bool sink = entry.is_directory() || entry.is_symlink() || entry.is_special_file() ||
                         entry.is_encrypted() || entry.name.empty();
    (void)sink;
    try {
      const MemberExtent extent = archive->LocateMember(entry);
      if (entry.has_data_descriptor()) archive->CheckDataDescriptor(entry, extent);
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
  for (const ZipEntry& entry : archive->entries()) {
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
  std::vector<ZipEntry> entries;
  std::string current;
  std::string previous;
  for (size_t i = 1; i <= input.size(); ++i) {
    if (i == input.size() || input[i] == '\n') {
      ZipEntry e;
      e.index = static_cast<uint32_t>(entries.size());
      e.raw_name = current;
      e.utf8_flag = (mode & 0x10) != 0 && entries.size() % 2 == 0;
      if ((mode & 0x20) != 0) {
        // The previous name as the extra's UTF-8 name; its CRC matches when bit 6 says so.
        e.unicode_path = previous;
        e.unicode_path_name_crc =
            (mode & 0x40) != 0
                ? static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(current.data()),
                                              static_cast<uInt>(current.size())))
                : 0;
      }
      previous = current;
      entries.push_back(std::move(e));
      current.clear();
      if (entries.size() > 4096) break;
    } else {
      current.push_back(static_cast<char>(input[i]));
    }
  }
  DecodeEntryNames(entries, options);
}

}  // namespace unpackd::fuzz
