#include "net/endpoint_url.h"

#include "util/ascii.h"

namespace unpackd::net {
namespace {

constexpr std::string_view kSchemeEnd = "://";

bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHexDigit(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Characters no part of an endpoint URL may hold as typed: spaces and control bytes would be
// sent to curl verbatim (or cut the URL short), '\\' means different things to different parsers.
bool IsForbidden(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte <= 0x20 || byte == 0x7f || c == '\\';
}

// Why `host` (without brackets or port) is not a host name or IPv4 address, or nullopt.
std::optional<std::string> HostNameProblem(std::string_view host) {
  if (host.empty()) return "has no host";
  for (const char c : host) {
    if (!IsLetter(c) && !IsDigit(c) && c != '-' && c != '.' && c != '_') {
      return "has a host with the character '" + std::string(1, c) + "'";
    }
  }
  return std::nullopt;
}

// Why `host` (without brackets) is not an IPv6 address with an optional zone ("%eth0"), or nullopt.
std::optional<std::string> Ipv6Problem(std::string_view host) {
  const std::string_view address = host.substr(0, host.find('%'));
  if (address.find(':') == std::string_view::npos) return "has a bracketed host that is not IPv6";
  for (const char c : address) {
    if (!IsHexDigit(c) && c != ':' && c != '.') {
      return "has an IPv6 host with the character '" + std::string(1, c) + "'";
    }
  }
  return std::nullopt;
}

// Why `port` (the text after ':') is not 1..65535, or nullopt.
std::optional<std::string> PortProblem(std::string_view port) {
  if (port.empty()) return "has an empty port after ':'";
  if (port.size() > 5) return "has the port " + std::string(port) + "; a port is 1 to 65535";
  unsigned value = 0;
  for (const char c : port) {
    if (!IsDigit(c)) return "has the port '" + std::string(port) + "', which is not a number";
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value < 1 || value > 65535) {
    return "has the port " + std::string(port) + "; a port is 1 to 65535";
  }
  return std::nullopt;
}

// Why `host_port` ("host", "host:port", "[v6]", "[v6]:port") is not one, or nullopt.
std::optional<std::string> HostPortProblem(std::string_view host_port) {
  if (host_port.starts_with('[')) {
    const size_t close = host_port.find(']');
    if (close == std::string_view::npos) return "has a '[' without ']' around its host";
    if (auto problem = Ipv6Problem(host_port.substr(1, close - 1))) return problem;
    const std::string_view after = host_port.substr(close + 1);
    if (after.empty()) return std::nullopt;
    if (!after.starts_with(':')) return "has text after the ']' of its host";
    return PortProblem(after.substr(1));
  }
  const size_t colon = host_port.find(':');
  if (colon == std::string_view::npos) return HostNameProblem(host_port);
  if (host_port.find(':', colon + 1) != std::string_view::npos) {
    return "has more than one ':' after its host (an IPv6 host goes in brackets)";
  }
  if (auto problem = HostNameProblem(host_port.substr(0, colon))) return problem;
  return PortProblem(host_port.substr(colon + 1));
}

std::optional<std::string> Problem(std::string_view url) {
  const size_t scheme_end = url.find(kSchemeEnd);
  if (scheme_end == std::string_view::npos) return "does not start with http:// or https://";
  const std::string scheme = AsciiLower(url.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") return "does not start with http:// or https://";
  for (const char c : url) {
    if (IsForbidden(c)) return "holds a space, a backslash or a control character";
  }
  const std::string_view rest = url.substr(scheme_end + kSchemeEnd.size());
  if (rest.find_first_of("?#") != std::string_view::npos) return "has a query or a fragment";
  const std::string_view authority = rest.substr(0, rest.find('/'));
  const size_t at = authority.rfind('@');
  return HostPortProblem(at == std::string_view::npos ? authority : authority.substr(at + 1));
}

}  // namespace

std::optional<std::string> EndpointUrlProblem(std::string_view url) {
  if (auto problem = Problem(url)) return "the endpoint URL '" + RedactUrl(url) + "' " + *problem;
  return std::nullopt;
}

std::string RedactUrl(std::string_view url) {
  const size_t scheme_end = url.find(kSchemeEnd);
  if (scheme_end == std::string_view::npos) return std::string(url);
  const size_t authority = scheme_end + kSchemeEnd.size();
  const size_t query = url.find_first_of("?#", authority);
  const size_t at = url.substr(0, query).rfind('@');
  if (at == std::string_view::npos || at < authority) return std::string(url);
  const size_t colon = url.find(':', authority);
  if (colon > at) return std::string(url);  // a user name alone is no secret
  return std::string(url.substr(0, colon + 1)) + "***" + std::string(url.substr(at));
}

}  // namespace unpackd::net
