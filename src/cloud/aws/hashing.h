// Digests and encodings S3 requests need: SHA-256 and HMAC-SHA256 for SigV4, MD5 for
// Content-MD5, lower-case hex and base64. All backed by OpenSSL; all pure functions.
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace unpackd::aws {

using Sha256Digest = std::array<unsigned char, 32>;
using Md5Digest = std::array<unsigned char, 16>;

Sha256Digest Sha256(std::span<const std::byte> data);
Sha256Digest Sha256(std::string_view data);
Sha256Digest HmacSha256(std::span<const unsigned char> key, std::string_view data);
Md5Digest Md5(std::span<const std::byte> data);

// Lower-case hex of any byte sequence.
std::string HexEncode(std::span<const unsigned char> bytes);
// Standard base64 with padding (RFC 4648 section 4).
std::string Base64Encode(std::span<const unsigned char> bytes);

// Hex SHA-256 of `data`, as SigV4's payload hash and canonical-request hash want it.
std::string Sha256Hex(std::string_view data);
std::string Sha256Hex(std::span<const std::byte> data);

}  // namespace unpackd::aws
