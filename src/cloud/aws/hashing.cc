#include "cloud/aws/hashing.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "util/error.h"

namespace unpackd::aws {
namespace {

template <size_t N>
std::array<unsigned char, N> Digest(const EVP_MD* md, const void* data, size_t size) {
  std::array<unsigned char, N> out{};
  unsigned int len = 0;
  if (EVP_Digest(data, size, out.data(), &len, md, nullptr) != 1 || len != N) {
    throw Error(ErrorKind::kInternal, "OpenSSL digest failed");
  }
  return out;
}

}  // namespace

Sha256Digest Sha256(std::span<const std::byte> data) {
  return Digest<32>(EVP_sha256(), data.data(), data.size());
}

Sha256Digest Sha256(std::string_view data) {
  return Digest<32>(EVP_sha256(), data.data(), data.size());
}

Md5Digest Md5(std::span<const std::byte> data) {
  return Digest<16>(EVP_md5(), data.data(), data.size());
}

Sha256Digest HmacSha256(std::span<const unsigned char> key, std::string_view data) {
  Sha256Digest out{};
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(),
           &len) == nullptr ||
      len != out.size()) {
    throw Error(ErrorKind::kInternal, "OpenSSL HMAC-SHA256 failed");
  }
  return out;
}

std::string HexEncode(std::span<const unsigned char> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xf]);
  }
  return out;
}

std::string Base64Encode(std::span<const unsigned char> bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(written));
  return out;
}

std::string Sha256Hex(std::string_view data) { return HexEncode(Sha256(data)); }
std::string Sha256Hex(std::span<const std::byte> data) { return HexEncode(Sha256(data)); }

}  // namespace unpackd::aws
