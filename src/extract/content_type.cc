#include "extract/content_type.h"

#include <fstream>
#include <sstream>

namespace unpackd {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

}  // namespace

ContentTypeMap::ContentTypeMap(const std::string& mime_types_path) {
  std::ifstream in(mime_types_path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string type, ext;
    fields >> type;
    while (fields >> ext) by_extension_.emplace(Lower(ext), type);
  }
  // Rules that hold even without mime.types; the seed's backend relies on these two.
  by_extension_["json"] = "application/json";
  by_extension_.try_emplace("txt", "text/plain");
}

std::string ContentTypeMap::ForPath(const std::string& path) const {
  const size_t slash = path.rfind('/');
  const size_t dot = path.rfind('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) {
    return "application/octet-stream";
  }
  auto it = by_extension_.find(Lower(path.substr(dot + 1)));
  if (it == by_extension_.end()) return "application/octet-stream";
  if (it->second.starts_with("text/")) return it->second + "; charset=utf-8";
  return it->second;
}

}  // namespace unpackd
