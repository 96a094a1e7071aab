// StringArena: many short strings stored back to back in large blocks, so a table of a million
// names costs the names' bytes rather than a heap allocation (and its header) per name.
//
// Views returned by Add stay valid for the arena's life, also after it is moved (blocks are
// never reallocated); the arena is move-only so no copy can leave views pointing into another.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

namespace unpackd {

class StringArena {
 public:
  StringArena() = default;
  StringArena(StringArena&&) noexcept = default;
  StringArena& operator=(StringArena&&) noexcept = default;
  StringArena(const StringArena&) = delete;
  StringArena& operator=(const StringArena&) = delete;

  // A copy of `text` that lives as long as the arena.
  std::string_view Add(std::string_view text);

  // Bytes held by the blocks (the accounting figure: what the arena costs in memory).
  size_t bytes() const { return bytes_; }

 private:
  static constexpr size_t kBlockBytes = size_t{64} << 10;

  std::vector<std::unique_ptr<char[]>> blocks_;
  char* next_ = nullptr;  // free space in the last block
  size_t left_ = 0;
  size_t bytes_ = 0;
};

}  // namespace unpackd
