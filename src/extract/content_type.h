// Chooses a member's Content-Type from its extension, using the system's mime.types (Debian's
// media-types package) so the mapping is the one every other tool on the machine uses.
#pragma once

#include <string>
#include <unordered_map>

namespace unpackd {

class ContentTypeMap {
 public:
  // Loads `mime_types_path`; a missing or unreadable file leaves only the built-in rules
  // (.json, .txt), so extraction never fails over a Content-Type.
  explicit ContentTypeMap(const std::string& mime_types_path = "/etc/mime.types");

  // "text/plain; charset=utf-8" for text types, "application/json" for .json,
  // "application/octet-stream" when the extension is unknown. Case-insensitive.
  std::string ForPath(const std::string& path) const;

 private:
  std::unordered_map<std::string, std::string> by_extension_;
};

}  // namespace unpackd
