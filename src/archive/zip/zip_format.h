// Record signatures and fixed sizes from PKWARE's APPNOTE.TXT.
#pragma once

#include <cstdint>

namespace unpackd::zipfmt {

constexpr uint32_t kLocalHeaderSignature = 0x04034b50;
constexpr uint32_t kCentralHeaderSignature = 0x02014b50;
constexpr uint32_t kEndOfCentralDirSignature = 0x06054b50;
constexpr uint32_t kZip64EndOfCentralDirSignature = 0x06064b50;
constexpr uint32_t kZip64LocatorSignature = 0x07064b50;
constexpr uint32_t kDataDescriptorSignature = 0x08074b50;

constexpr size_t kLocalHeaderSize = 30;
constexpr size_t kCentralHeaderSize = 46;
constexpr size_t kEndOfCentralDirSize = 22;
constexpr size_t kZip64EndOfCentralDirSize = 56;
constexpr size_t kZip64LocatorSize = 20;
constexpr size_t kMaxCommentSize = 0xffff;

constexpr uint16_t kExtraZip64 = 0x0001;
constexpr uint16_t kExtraUnicodePath = 0x7075;
constexpr uint16_t kExtraWinZipAes = 0x9901;
constexpr uint16_t kExtraExtendedTimestamp = 0x5455;  // Info-ZIP "UT"

constexpr uint16_t kMethodAes = 99;
constexpr uint16_t kFlagEncrypted = 0x0001;
constexpr uint16_t kFlagLzmaEndMarker = 0x0002;  // method 14 only
constexpr uint16_t kFlagDataDescriptor = 0x0008;
constexpr uint16_t kFlagUtf8 = 0x0800;

}  // namespace unpackd::zipfmt
