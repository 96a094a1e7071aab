#include "archive/formats/open_archive.h"

#include <array>
#include <cstdint>
#include <cstring>
#include <span>

#include "archive/tar/libarchive_stream.h"
#include "archive/zip/zip_reader.h"

namespace unpackd {
namespace {

constexpr size_t kTarBlock = 512;

bool StartsWith(std::span<const uint8_t> head, std::initializer_list<uint8_t> magic) {
  return head.size() >= magic.size() && std::equal(magic.begin(), magic.end(), head.begin());
}

// A tar header's checksum (bytes 148-155, octal) is the sum of the header's bytes with those
// eight counted as spaces: a random file matches it by chance about once in 2^17, and a ZIP
// (starting "PK\3\4") in practice never.
bool IsTarHeader(std::span<const uint8_t> block) {
  if (block.size() < kTarBlock) return false;
  uint64_t stored = 0;
  size_t i = 148;
  while (i < 156 && block[i] == ' ') ++i;
  const size_t first_digit = i;
  for (; i < 156 && block[i] >= '0' && block[i] <= '7'; ++i) stored = stored * 8 + (block[i] - '0');
  if (i == first_digit || (i < 156 && block[i] != ' ' && block[i] != 0)) return false;
  uint64_t sum = 0;
  for (size_t j = 0; j < kTarBlock; ++j) sum += (j >= 148 && j < 156) ? ' ' : block[j];
  return sum == stored;
}

}  // namespace

bool IsSequentialArchive(RandomAccessSource& source) {
  std::array<uint8_t, kTarBlock> head{};
  const size_t got = source.ReadAt(0, std::as_writable_bytes(std::span(head)));
  const std::span<const uint8_t> bytes(head.data(), got);
  return StartsWith(bytes, {0x1f, 0x8b, 0x08}) ||  // gzip
         (StartsWith(bytes, {'B', 'Z', 'h'}) && got > 3 && bytes[3] >= '1' && bytes[3] <= '9') ||
         StartsWith(bytes, {0xfd, '7', 'z', 'X', 'Z', 0x00}) ||  // xz
         StartsWith(bytes, {0x28, 0xb5, 0x2f, 0xfd}) ||          // zstd
         StartsWith(bytes, {0x5d, 0x00, 0x00}) ||                // lzma-alone (.lzma)
         IsTarHeader(bytes);
}

std::unique_ptr<ArchiveReader> OpenArchive(RandomAccessSource& source,
                                           const ArchiveOpenOptions& options) {
  // ZIP is found from its end, not its start (self-extractors prepend a program), so it is
  // the fallback once the formats recognised by their first bytes have been ruled out.
  return ZipReader::Open(source, options);
}

std::unique_ptr<SequentialArchiveReader> OpenSequentialArchive(
    std::unique_ptr<ByteSource> stream, const SequentialOpenOptions& options) {
  return OpenLibarchiveStream(std::move(stream), options);
}

}  // namespace unpackd
