#include "extract/member_path.h"

#include <string_view>
#include <vector>

namespace unpackd {

std::variant<std::string, UnsafePath> NormalizeMemberPath(std::string_view name) {
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) return UnsafePath{"name contains a NUL or control character"};
  }
  std::string path(name);
  for (char& c : path) {
    if (c == '\\') c = '/';
  }
  if (path.starts_with("//")) return UnsafePath{"UNC path (\\\\host\\share)"};
  if (path.starts_with("/")) return UnsafePath{"absolute path"};
  if (path.size() >= 2 && path[1] == ':' &&
      ((path[0] >= 'A' && path[0] <= 'Z') || (path[0] >= 'a' && path[0] <= 'z'))) {
    return UnsafePath{"drive-letter path"};
  }
  if (path.ends_with("/")) path.pop_back();

  // Views of `path`: no allocation per segment, as this runs once per member.
  std::vector<std::string_view> segments;
  size_t start = 0;
  while (start <= path.size()) {
    const size_t slash = path.find('/', start);
    const size_t end = slash == std::string::npos ? path.size() : slash;
    const std::string_view segment = std::string_view(path).substr(start, end - start);
    if (segment == "..") return UnsafePath{"path traversal ('..' segment)"};
    if (segment.empty()) return UnsafePath{"empty path segment ('//')"};
    if (segment != ".") segments.push_back(segment);
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  if (segments.empty()) return UnsafePath{"empty name"};
  std::string out;
  out.reserve(path.size());
  for (const auto& s : segments) {
    if (!out.empty()) out += '/';
    out += s;
  }
  return out;
}

bool IsArchiveRoot(std::string_view name) { return name == "." || name == "./"; }

}  // namespace unpackd
