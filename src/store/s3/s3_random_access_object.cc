#include "store/s3/s3_random_access_object.h"

#include <algorithm>
#include <cstring>

#include "util/error.h"

namespace unpackd::s3 {

S3RandomAccessObject::S3RandomAccessObject(std::shared_ptr<S3StoreContext> context, ObjectRef ref,
                                           ObjectInfo info)
    : context_(std::move(context)), ref_(std::move(ref)), info_(std::move(info)) {}

size_t S3RandomAccessObject::ReadAt(uint64_t offset, std::span<std::byte> dst) {
  if (offset >= info_.size || dst.empty()) return 0;
  const uint64_t length = std::min<uint64_t>(dst.size(), info_.size - offset);
  const uint64_t last = offset + length - 1;
  uint64_t received = 0;

  S3Call call = NewS3Call("GetObject", "GET", ref_.bucket, ref_.key);
  call.before_attempt = [&](net::HeaderList& headers) {
    headers.emplace_back("Range",
                         "bytes=" + std::to_string(offset + received) + "-" + std::to_string(last));
    headers.emplace_back("If-Match", "\"" + info_.etag + "\"");
  };
  const std::string where = "GetObject s3://" + ref_.ToString();
  call.on_body = [&](std::span<const std::byte> chunk) {
    if (received + chunk.size() > length) {
      throw Error(ErrorKind::kIo, where + ": the server sent more bytes than the range asked for");
    }
    std::memcpy(dst.data() + received, chunk.data(), chunk.size());
    received += chunk.size();
  };
  // Runs on every attempt before any byte is copied.
  auto check_start = [&](const net::HttpResponse& start) {
    std::string etag = UnquoteEtag(start.Header("etag"));
    if (!etag.empty() && etag != info_.etag) {
      throw Error(ErrorKind::kPrecondition, where +
                                                ": the object was replaced since it was opened"
                                                " (ETag was " +
                                                info_.etag + ", now " + etag + ")");
    }
    const std::string expected = "bytes " + std::to_string(offset + received) + "-";
    if (start.status != 206 || start.Header("content-range").rfind(expected, 0) != 0) {
      // A server that ignores Range would send the whole object from byte 0; that is only
      // acceptable when the whole object is what we asked for.
      if (!(start.status == 200 && offset + received == 0 && last + 1 == info_.size)) {
        throw Error(ErrorKind::kIo, where + ": the server did not honour the byte range (HTTP " +
                                        std::to_string(start.status) + ", Content-Range '" +
                                        start.Header("content-range") + "')");
      }
    }
  };
  call.on_response_start = check_start;
  // A body that ends early without a transport error (a proxy closing cleanly) is resumed
  // like a broken one, as long as every round makes progress.
  for (;;) {
    const uint64_t before = received;
    context_->client.Execute(call);
    if (received == length || received == before) break;
  }
  if (received != length) {
    throw Error(ErrorKind::kIo, where + ": short body (" + std::to_string(received) + " of " +
                                    std::to_string(length) + " bytes)");
  }
  return static_cast<size_t>(length);
}

}  // namespace unpackd::s3
