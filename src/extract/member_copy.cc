#include "extract/member_copy.h"

#include "extract/member_metadata.h"
#include "util/error.h"

namespace unpackd {

WriteOptions MemberWriteOptions(const ObjectRef& archive, const std::string& archive_etag,
                                const std::string& content_type, std::optional<uint32_t> crc32,
                                std::optional<uint64_t> size_hint,
                                const std::string& upload_records_prefix) {
  WriteOptions write;
  write.content_type = content_type;
  write.metadata = MemberMetadata(archive, archive_etag, crc32);
  write.size_hint = size_hint;
  write.upload_records_prefix = upload_records_prefix;
  return write;
}

uint64_t CopyMember(MemberReader& reader, ObjectStore& store, const ObjectRef& dest,
                    const WriteOptions& options, std::span<std::byte> buffer,
                    const std::function<bool(size_t)>& after_chunk) {
  auto writer = store.NewWriter(dest, options);
  uint64_t copied = 0;
  for (;;) {
    const size_t n = reader.Read(buffer);
    if (n == 0) break;  // size and CRC verified by the reader
    writer->Append(buffer.first(n));
    copied += n;
    if (!after_chunk(n)) {
      writer->Abort();
      throw Error(ErrorKind::kIo, "stopped: another member failed");
    }
  }
  writer->Commit();
  return copied;
}

}  // namespace unpackd
