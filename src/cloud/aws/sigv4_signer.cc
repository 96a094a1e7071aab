#include "cloud/aws/sigv4_signer.h"

#include <algorithm>
#include <ctime>
#include <map>

#include "cloud/aws/hashing.h"
#include "util/ascii.h"

namespace unpackd::aws {
namespace {

// Trims and collapses runs of spaces to one, per the SigV4 canonical-header rules.
std::string CanonicalHeaderValue(std::string_view value) {
  std::string out;
  bool in_space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      in_space = true;
      continue;
    }
    if (in_space && !out.empty()) out.push_back(' ');
    in_space = false;
    out.push_back(c);
  }
  return out;
}

std::span<const unsigned char> Bytes(const Sha256Digest& digest) { return digest; }

}  // namespace

std::string AmzDate(std::chrono::system_clock::time_point when) {
  std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

SigningResult SigV4Signer::Sign(const SigningRequest& request, const AwsCredentials& credentials,
                                std::chrono::system_clock::time_point when) const {
  // Headers with the same name are joined with ',' in the order given.
  std::map<std::string, std::string> canonical;
  for (const auto& [name, value] : request.headers) {
    std::string key = AsciiLower(name);
    std::string v = CanonicalHeaderValue(value);
    auto [it, inserted] = canonical.emplace(key, v);
    if (!inserted) it->second += "," + v;
  }
  std::string canonical_headers;
  std::string signed_headers;
  for (const auto& [name, value] : canonical) {
    canonical_headers += name + ":" + value + "\n";
    if (!signed_headers.empty()) signed_headers += ";";
    signed_headers += name;
  }

  SigningResult result;
  result.canonical_request = request.method + "\n" + request.canonical_uri + "\n" +
                             net::CanonicalQueryString(request.query) + "\n" + canonical_headers +
                             "\n" + signed_headers + "\n" + request.payload_hash;

  const std::string amz_date = AmzDate(when);
  const std::string date = amz_date.substr(0, 8);
  const std::string scope = date + "/" + region_ + "/" + service_ + "/aws4_request";
  result.string_to_sign = "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope + "\n" +
                          Sha256Hex(std::string_view(result.canonical_request));

  const std::string secret = "AWS4" + credentials.secret_access_key;
  auto k_date = HmacSha256(
      std::span(reinterpret_cast<const unsigned char*>(secret.data()), secret.size()), date);
  auto k_region = HmacSha256(Bytes(k_date), region_);
  auto k_service = HmacSha256(Bytes(k_region), service_);
  auto k_signing = HmacSha256(Bytes(k_service), "aws4_request");
  result.signature = HexEncode(HmacSha256(Bytes(k_signing), result.string_to_sign));
  result.authorization = "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + "/" + scope +
                         ", SignedHeaders=" + signed_headers + ", Signature=" + result.signature;
  return result;
}

std::string SigV4Signer::AddAuthHeaders(SigningRequest& request, const AwsCredentials& credentials,
                                        std::chrono::system_clock::time_point when) const {
  request.headers.emplace_back("x-amz-date", AmzDate(when));
  request.headers.emplace_back("x-amz-content-sha256", request.payload_hash);
  if (!credentials.session_token.empty()) {
    request.headers.emplace_back("x-amz-security-token", credentials.session_token);
  }
  return Sign(request, credentials, when).authorization;
}

}  // namespace unpackd::aws
