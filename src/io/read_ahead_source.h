// ReadAheadSource: a ByteSource over [offset, offset + size) of a RandomAccessSource, read in
// chunks, with the next chunk fetched on the executor's I/O lane while the caller works on the
// current one, so store latency overlaps CPU work.
#pragma once

#include <array>
#include <future>
#include <vector>

#include "io/byte_source.h"
#include "io/random_access_source.h"
#include "util/executor.h"

namespace unpackd {

class ReadAheadSource final : public ByteSource {
 public:
  // Holds two chunk buffers of `chunk_size`, allocated once and reused. `source` and `executor`
  // must outlive this object. A range that ends before `size` bytes throws Error(kArchiveRefused)
  // ("truncated").
  ReadAheadSource(RandomAccessSource& source, uint64_t offset, uint64_t size, size_t chunk_size,
                  Executor& executor);
  // Waits for a read still in flight (it writes into this object's buffers).
  ~ReadAheadSource() override;

  std::span<const std::byte> Next() override;

 private:
  void Fetch(std::span<std::byte> into, uint64_t offset);
  void StartNext();

  RandomAccessSource& source_;
  Executor& executor_;
  uint64_t next_offset_;
  uint64_t end_;
  size_t chunk_size_;
  // Two chunks: the one the caller holds and the one being read.
  std::array<std::vector<std::byte>, 2> buffers_;
  int filling_ = 0;
  bool started_ = false;
  std::future<void> pending_;
};

}  // namespace unpackd
