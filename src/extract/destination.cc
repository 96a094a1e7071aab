#include "extract/destination.h"

#include <vector>

#include "util/ascii.h"
#include "util/error.h"

namespace unpackd {
namespace {

// Where the archive suffix of a file name starts: the last dot, or the one before a
// compressed tar's two-part suffix (.tar.gz, .tar.bz2, .tar.xz, .tar.zst, .tar.lzma)
// ("result.tar.gz" -> "result", "tar.gz"), so {stem} is the same for result.tar.gz and result.tgz.
// npos when there is none.
size_t SuffixStart(const std::string& name) {
  const size_t dot = name.rfind('.');
  if (dot == std::string::npos || dot < 5) return dot;
  const std::string before = AsciiLower(name.substr(dot - 4, 4));
  const std::string last = AsciiLower(name.substr(dot + 1));
  const bool compressed =
      last == "gz" || last == "bz2" || last == "xz" || last == "zst" || last == "lzma";
  return before == ".tar" && compressed ? dot - 4 : dot;
}

}  // namespace

Destination ExpandDestination(const std::string& dest_template, const std::string& bucket,
                              const std::string& archive_key) {
  const std::string path_placeholder = "{path}";
  if (!dest_template.ends_with(path_placeholder) ||
      dest_template.find(path_placeholder) != dest_template.size() - path_placeholder.size()) {
    throw Error(ErrorKind::kUsage,
                "destination template '" + dest_template + "' must end with {path}, exactly once");
  }
  const size_t slash = archive_key.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : archive_key.substr(0, slash);
  const std::string name = slash == std::string::npos ? archive_key : archive_key.substr(slash + 1);
  const size_t dot = SuffixStart(name);
  const std::string stem = dot == std::string::npos || dot == 0 ? name : name.substr(0, dot);
  const std::string ext = dot == std::string::npos || dot == 0 ? "" : name.substr(dot + 1);

  std::string expanded;
  const std::string head = dest_template.substr(0, dest_template.size() - path_placeholder.size());
  for (size_t i = 0; i < head.size();) {
    if (head[i] != '{') {
      expanded += head[i++];
      continue;
    }
    const size_t close = head.find('}', i);
    if (close == std::string::npos) {
      throw Error(ErrorKind::kUsage,
                  "destination template '" + dest_template + "' has an unclosed '{'");
    }
    const std::string placeholder = head.substr(i + 1, close - i - 1);
    if (placeholder == "dir")
      expanded += dir;
    else if (placeholder == "name")
      expanded += name;
    else if (placeholder == "stem")
      expanded += stem;
    else if (placeholder == "ext")
      expanded += ext;
    else {
      throw Error(ErrorKind::kUsage, "destination template '" + dest_template +
                                         "' has unknown placeholder {" + placeholder + "}");
    }
    i = close + 1;
  }
  std::string prefix;
  size_t start = 0;
  while (start < expanded.size()) {
    size_t end = expanded.find('/', start);
    if (end == std::string::npos) end = expanded.size();
    if (end > start) prefix += expanded.substr(start, end - start) + "/";
    start = end + 1;
  }
  return Destination{bucket, prefix};
}

}  // namespace unpackd
