// HeaderList: HTTP request headers in the order they are sent; names in any case.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace unpackd::net {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

}  // namespace unpackd::net
