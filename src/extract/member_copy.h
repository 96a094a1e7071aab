// One member's checked content into one new object: the copy loop every format shares.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>

#include "archive/member_reader.h"
#include "store/object_store.h"

namespace unpackd {

// How a member's object is written: its Content-Type, the metadata naming its archive version
// (member_metadata.h), the expected size when known, and where upload records go.
WriteOptions MemberWriteOptions(const ObjectRef& archive, const std::string& archive_etag,
                                const std::string& content_type, std::optional<uint32_t> crc32,
                                std::optional<uint64_t> size_hint,
                                const std::string& upload_records_prefix);

// Appends `reader`'s content to a new writer for `dest` through `buffer`, and commits once
// the reader has returned 0 (the member complete, its size and CRC checked): nothing is
// visible before. `after_chunk(n)` runs after each chunk of n bytes; when it returns false the
// writer is aborted and Error(kIo, "stopped: another member failed") thrown. Reader and store
// errors propagate (the writer aborts as it is destroyed). Returns the bytes copied.
uint64_t CopyMember(MemberReader& reader, ObjectStore& store, const ObjectRef& dest,
                    const WriteOptions& options, std::span<std::byte> buffer,
                    const std::function<bool(size_t)>& after_chunk);

}  // namespace unpackd
