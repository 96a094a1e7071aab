// Turns a member's decoded name into a safe relative key suffix, or says why it cannot be one.
#pragma once

#include <string>
#include <string_view>
#include <variant>

namespace unpackd {

struct UnsafePath {
  std::string reason;  // "path traversal ('..' segment)", "absolute path", ...
};

// Backslashes become '/', "." segments and one trailing '/' are dropped. Refused: absolute
// paths, drive letters, UNC names, ".." segments, empty segments, NUL and control characters,
// an empty result. The returned path never starts with '/' and never contains "..".
std::variant<std::string, UnsafePath> NormalizeMemberPath(std::string_view name);

// True for a name that is the archive's own top folder: "." or "./" (what `tar -C dir -cf x .`
// writes first). Such a directory entry is nothing to extract, not an unsafe name.
bool IsArchiveRoot(std::string_view name);

}  // namespace unpackd
