#include "codec/stored_decompressor.h"

#include <algorithm>
#include <cstring>

namespace unpackd {
namespace {

class StoredDecompressor final : public Decompressor {
 public:
  Step Decompress(std::span<const std::byte> in, bool in_is_last,
                  std::span<std::byte> out) override {
    const size_t n = std::min(in.size(), out.size());
    if (n > 0) std::memcpy(out.data(), in.data(), n);
    // A stored stream has no end marker: it ends where its input ends.
    return Step{n, n, in_is_last && n == in.size()};
  }
};

}  // namespace

std::unique_ptr<Decompressor> MakeStoredDecompressor() {
  return std::make_unique<StoredDecompressor>();
}

}  // namespace unpackd
