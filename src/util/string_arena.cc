#include "util/string_arena.h"

#include <algorithm>
#include <cstring>

namespace unpackd {

std::string_view StringArena::Add(std::string_view text) {
  if (text.empty()) return {};
  if (text.size() > left_) {
    // A string longer than a block gets a block of its own; the current block's tail is then
    // kept for the next short ones only when the new block is the oversized one.
    const size_t size = std::max(kBlockBytes, text.size());
    auto block = std::make_unique_for_overwrite<char[]>(size);
    char* data = block.get();
    bytes_ += size;
    if (size > kBlockBytes && !blocks_.empty()) {
      blocks_.insert(blocks_.end() - 1, std::move(block));
      std::memcpy(data, text.data(), text.size());
      return {data, text.size()};
    }
    blocks_.push_back(std::move(block));
    next_ = data;
    left_ = size;
  }
  char* out = next_;
  std::memcpy(out, text.data(), text.size());
  next_ += text.size();
  left_ -= text.size();
  return {out, text.size()};
}

}  // namespace unpackd
