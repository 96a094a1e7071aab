#include "store/s3/s3_range_copy.h"

#include <algorithm>
#include <atomic>
#include <vector>

#include "store/s3/lost_reply.h"
#include "store/s3/part_size_plan.h"
#include "store/upload_record.h"
#include "util/error.h"
#include "util/task_group.h"

namespace unpackd::s3 {
namespace {

// Part copies one range copy keeps in flight: the server does the work, so more only queue
// behind each other there while holding the I/O lane's threads.
constexpr size_t kCopiesInFlight = 8;

struct ByteSpan {
  uint64_t first = 0;
  uint64_t size = 0;
};

bool MeansUnsupported(const Error& e) {
  return e.code() == "NotImplemented" || e.code() == "NotSupported";
}

// The upload in flight, aborted (and its record deleted) unless completed.
class CopyUpload {
 public:
  CopyUpload(S3StoreContext& context, const ObjectRef& dest, const WriteOptions& options)
      : context_(context), dest_(dest), options_(options) {
    upload_id_ = context_.client.CreateMultipartUpload(dest.bucket, dest.key, options,
                                                       /*part_checksums=*/false);
  }
  CopyUpload(const CopyUpload&) = delete;
  CopyUpload& operator=(const CopyUpload&) = delete;
  ~CopyUpload() {
    if (upload_id_.empty()) return;
    try {
      context_.client.AbortMultipartUpload(dest_.bucket, dest_.key, upload_id_);
      DeleteRecord();
    } catch (...) {
      // As in S3ObjectWriter::Abort: the record stays, so a later run aborts the upload.
    }
  }

  const std::string& id() const { return upload_id_; }

  // Before the first part: a crash from here on leaves a record naming this upload.
  void Record() {
    if (options_.upload_records_prefix.empty()) return;
    const UploadRecord record{dest_.key, upload_id_};
    const std::string key = UploadRecordKey(options_.upload_records_prefix, record);
    const std::string body = UploadRecordBody(record);
    try {
      context_.client.PutObject(dest_.bucket, key, std::as_bytes(std::span(body)), WriteOptions{});
    } catch (const Error& e) {
      throw e.WithContext("recording multipart upload " + upload_id_ + " in s3://" + dest_.bucket +
                          "/" + key);
    }
    record_key_ = key;
  }

  // The upload is gone (completed): nothing left to abort.
  void Completed() noexcept {
    upload_id_.clear();
    DeleteRecord();
  }

 private:
  void DeleteRecord() noexcept {
    if (record_key_.empty()) return;
    try {
      context_.client.DeleteObject(dest_.bucket, record_key_);
    } catch (...) {
      // A stale record only costs a later run one AbortMultipartUpload answered NoSuchUpload.
    }
    record_key_.clear();
  }

  S3StoreContext& context_;
  const ObjectRef& dest_;
  const WriteOptions& options_;
  std::string upload_id_;
  std::string record_key_;
};

}  // namespace

std::optional<uint32_t> FullObjectCrc32(const std::string& checksum) {
  // Four bytes in base64: six characters and two '=' of padding.
  if (checksum.size() != 8 || checksum.substr(6) != "==") return std::nullopt;
  uint64_t bits = 0;
  for (size_t i = 0; i < 6; ++i) {
    const char c = checksum[i];
    int value = -1;
    if (c >= 'A' && c <= 'Z') value = c - 'A';
    if (c >= 'a' && c <= 'z') value = c - 'a' + 26;
    if (c >= '0' && c <= '9') value = c - '0' + 52;
    if (c == '+') value = 62;
    if (c == '/') value = 63;
    if (value < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<uint64_t>(value);
  }
  // 36 bits: the 32 of the CRC, then 4 of padding.
  return static_cast<uint32_t>(bits >> 4);
}

std::optional<CopiedObject> CopyRangeOnServer(S3StoreContext& context, const ObjectRef& source,
                                              const std::string& source_etag, uint64_t offset,
                                              uint64_t length, const ObjectRef& dest,
                                              const WriteOptions& options) {
  const std::string what = "copying bytes " + std::to_string(offset) + "+" +
                           std::to_string(length) + " of s3://" + source.ToString() + " (ETag " +
                           source_etag + ") to s3://" + dest.ToString();
  if (length == 0) {
    throw Error(ErrorKind::kInternal, what + ": S3 cannot copy an empty range");
  }
  if (context.range_copy_unsupported.load()) return std::nullopt;
  try {
    std::optional<CopyUpload> upload;
    try {
      upload.emplace(context, dest, options);
    } catch (const Error& e) {
      if (!MeansUnsupported(e)) throw;
      context.range_copy_unsupported = true;
      return std::nullopt;
    }
    upload->Record();
    // Part ranges first; part 1 alone, so a server that cannot copy says so before the others
    // are sent; the rest at once on the I/O lane (a copied part holds no buffer here).
    const PartSizePlan plan(context.client.config().part_size, length);
    std::vector<ByteSpan> spans;
    for (uint64_t done = 0; done < length;) {
      const uint64_t size =
          std::min(plan.PartSize(static_cast<int>(spans.size()) + 1), length - done);
      spans.push_back({offset + done, size});
      done += size;
    }
    std::vector<UploadedPart> parts(spans.size());
    auto copy_part = [&](size_t i) {
      parts[i] = context.client.UploadPartCopy(
          dest.bucket, dest.key, upload->id(), static_cast<int>(i) + 1, source.bucket, source.key,
          source_etag, spans[i].first, spans[i].first + spans[i].size - 1);
    };
    try {
      copy_part(0);
    } catch (const Error& e) {
      // The upload is aborted as `upload` goes; the caller streams the member instead.
      if (!MeansUnsupported(e)) throw;
      context.range_copy_unsupported = true;
      return std::nullopt;
    }
    {
      std::atomic<size_t> next{1};
      std::atomic<bool> failed{false};
      TaskGroup group(context.executor, Lane::kIo);
      const size_t runners = std::min<size_t>(spans.size() - 1, kCopiesInFlight);
      for (size_t r = 0; r < runners; ++r) {
        group.Run([&] {
          for (size_t i = next.fetch_add(1); i < spans.size() && !failed.load();
               i = next.fetch_add(1)) {
            try {
              copy_part(i);
            } catch (...) {
              failed = true;
              throw;
            }
          }
        });
      }
      group.Wait();
    }
    PutResult result;
    try {
      result = context.client.CompleteMultipartUpload(dest.bucket, dest.key, upload->id(), parts);
    } catch (const Error& e) {
      const ObjectInfo found =
          AcceptIfWritten(context.client, dest, ExpectedObject{length, options.metadata, ""}, e);
      result = PutResult{found.etag, found.version_id, ""};
    }
    upload->Completed();
    CopiedObject copied;
    copied.info.size = length;
    copied.info.etag = result.etag;
    copied.info.version_id = result.version_id;
    copied.info.content_type =
        options.content_type.empty() ? "application/octet-stream" : options.content_type;
    copied.info.metadata = options.metadata;
    copied.crc32 = FullObjectCrc32(result.checksum_crc32);
    return copied;
  } catch (const Error& e) {
    throw e.WithContext(what);
  }
}

}  // namespace unpackd::s3
