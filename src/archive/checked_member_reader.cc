#include "archive/checked_member_reader.h"

#include <cstdio>

#include "codec/codec.h"
#include "codec/crc32.h"
#include "util/error.h"

namespace unpackd {
namespace {

class CheckedMemberReader final : public MemberReader {
 public:
  CheckedMemberReader(const ArchiveEntry& entry, const DecompressorParams& params,
                      std::string label, std::unique_ptr<ByteSource> stored,
                      const MemberStreamLimits& limits)
      : declared_size_(entry.size),
        declared_crc_(entry.crc32),
        label_(std::move(label)),
        source_(std::move(stored)),
        limits_(limits) {
    if (!entry.codec) {
      throw Error(
          ErrorKind::kArchiveRefused,
          label_ + ": compression method " + std::string(entry.method_name) + " is not supported");
    }
    try {
      decompressor_ = MakeDecompressor(*entry.codec, params);
    } catch (const Error& e) {
      throw e.WithContext(label_);
    }
  }

  size_t Read(std::span<std::byte> out) override {
    if (done_ || out.empty()) return 0;
    try {
      return ReadSome(out);
    } catch (const Error& e) {
      throw e.WithContext(label_);
    }
  }

 private:
  size_t ReadSome(std::span<std::byte> out) {
    for (;;) {
      if (input_.empty() && !input_done_) {
        input_ = source_->Next();
        input_done_ = input_.empty();
        bytes_in_ += input_.size();
      }
      const auto step = decompressor_->Decompress(input_, input_done_, out);
      input_ = input_.subspan(step.consumed);
      if (step.produced > 0) {
        Account(out.first(step.produced));
        return step.produced;
      }
      if (step.finished) {
        Finish();
        return 0;
      }
      if (step.consumed == 0) {
        if (input_done_) throw Error(ErrorKind::kArchiveRefused, "compressed data is truncated");
        if (!input_.empty()) {
          throw Error(ErrorKind::kInternal, "decompressor made no progress on its input");
        }
      }
    }
  }

  void Account(std::span<const std::byte> produced) {
    bytes_out_ += produced.size();
    crc_ = Crc32Update(crc_, produced);
    // Declared sizes are checked as bytes arrive, so a member that lies about its size is
    // stopped at the lie, not after it has filled the disk or the bucket.
    if (bytes_out_ > declared_size_) {
      throw Error(ErrorKind::kArchiveRefused, "member is larger than its declared size of " +
                                                  std::to_string(declared_size_) + " bytes");
    }
    if (bytes_out_ > limits_.max_uncompressed) {
      throw Error(ErrorKind::kArchiveRefused, "member exceeds the size limit of " +
                                                  std::to_string(limits_.max_uncompressed) +
                                                  " bytes");
    }
    if (limits_.max_ratio > 0 && bytes_out_ > limits_.ratio_grace_bytes &&
        static_cast<double>(bytes_out_) >
            limits_.max_ratio * static_cast<double>(std::max<uint64_t>(bytes_in_, 1))) {
      throw Error(ErrorKind::kArchiveRefused,
                  "compression ratio exceeds the limit of " +
                      std::to_string(static_cast<int>(limits_.max_ratio)) +
                      ":1 (possible zip bomb)");
    }
  }

  void Finish() {
    if (bytes_out_ != declared_size_) {
      throw Error(ErrorKind::kArchiveRefused,
                  "size mismatch: member produced " + std::to_string(bytes_out_) +
                      " bytes, the archive declares " + std::to_string(declared_size_));
    }
    if (declared_crc_ && crc_ != *declared_crc_) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "CRC-32 mismatch: computed %08x, expected %08x", crc_,
                    *declared_crc_);
      throw Error(ErrorKind::kArchiveRefused, buf);
    }
    done_ = true;
  }

  const uint64_t declared_size_;
  const std::optional<uint32_t> declared_crc_;
  std::string label_;
  std::unique_ptr<ByteSource> source_;
  MemberStreamLimits limits_;
  std::unique_ptr<Decompressor> decompressor_;
  std::span<const std::byte> input_;
  bool input_done_ = false;
  bool done_ = false;
  uint64_t bytes_in_ = 0;
  uint64_t bytes_out_ = 0;
  uint32_t crc_ = 0;
};

}  // namespace

std::unique_ptr<MemberReader> MakeCheckedMemberReader(const ArchiveEntry& entry,
                                                      const DecompressorParams& params,
                                                      std::string label,
                                                      std::unique_ptr<ByteSource> stored,
                                                      const MemberStreamLimits& limits) {
  return std::make_unique<CheckedMemberReader>(entry, params, std::move(label), std::move(stored),
                                               limits);
}

}  // namespace unpackd
