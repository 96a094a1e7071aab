// Percent-encoding exactly as S3 and SigV4 expect it: every byte except the unreserved
// characters A-Z a-z 0-9 - . _ ~ becomes %XY (upper-case hex), UTF-8 byte by byte. '/' is kept
// only in object-key paths. S3 does not normalise paths, so a key is encoded once, verbatim:
// "a//b", "./x" and "..", spaces, '+', '%' and any UTF-8 all survive the round trip.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace unpackd::net {

// Encodes one URI component (a query name or value, or a path segment): '/' becomes %2F.
std::string UriEncodeComponent(std::string_view text);

// Encodes an object key for the request path: like UriEncodeComponent but keeps '/'.
std::string UriEncodePath(std::string_view key);

// Reverses percent-encoding ("%2F" -> "/"). With plus_is_space, '+' decodes to ' ' (form
// encoding, which S3 uses for keys in encoding-type=url listings). Malformed escapes stay.
std::string UriDecode(std::string_view text, bool plus_is_space = false);

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// SigV4 canonical query string: each name and value encoded, sorted by encoded name then
// value, joined as "a=1&b=" (a parameter without value still gets '=').
std::string CanonicalQueryString(const QueryParams& params);

}  // namespace unpackd::net
