#include "notify/webhook_signature.h"

#include <openssl/crypto.h>

#include <charconv>
#include <optional>
#include <span>
#include <vector>

#include "cloud/aws/hashing.h"

namespace unpackd::notify {
namespace {

std::string HexHmac(std::string_view secret, int64_t unix_seconds, std::string_view body) {
  std::string material = std::to_string(unix_seconds);
  material += '.';
  material += body;
  const auto key = std::span(reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
  return aws::HexEncode(aws::HmacSha256(key, material));
}

// Digits only: no sign, so the skew computed below cannot overflow.
std::optional<int64_t> ParseSeconds(std::string_view text) {
  if (text.empty() || text.front() < '0' || text.front() > '9') return std::nullopt;
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

bool EqualInConstantTime(std::string_view a, std::string_view b) {
  // The length is not secret (a hex SHA-256 is 64 characters); the content is.
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::string SignatureHeader(std::string_view secret, int64_t unix_seconds, std::string_view body) {
  return "t=" + std::to_string(unix_seconds) + ",v1=" + HexHmac(secret, unix_seconds, body);
}

bool VerifySignatureHeader(std::string_view secret, std::string_view header, std::string_view body,
                           int64_t now_unix, int64_t tolerance_seconds) {
  std::optional<int64_t> timestamp;
  std::vector<std::string_view> signatures;
  while (!header.empty()) {
    const size_t comma = header.find(',');
    std::string_view element = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    while (!element.empty() && element.front() == ' ') element.remove_prefix(1);
    const size_t equals = element.find('=');
    if (equals == std::string_view::npos) return false;
    const std::string_view name = element.substr(0, equals);
    const std::string_view value = element.substr(equals + 1);
    if (name == "t") {
      if (timestamp) return false;  // two timestamps: which one was signed?
      timestamp = ParseSeconds(value);
      if (!timestamp) return false;
    } else if (name == "v1") {
      signatures.push_back(value);
    }
  }
  if (!timestamp || signatures.empty()) return false;
  const int64_t skew = now_unix > *timestamp ? now_unix - *timestamp : *timestamp - now_unix;
  if (skew > tolerance_seconds) return false;
  const std::string expected = HexHmac(secret, *timestamp, body);
  bool match = false;
  // Every candidate is compared, so the time taken does not tell which one matched.
  for (const std::string_view signature : signatures) {
    match = EqualInConstantTime(expected, signature) || match;
  }
  return match;
}

}  // namespace unpackd::notify
