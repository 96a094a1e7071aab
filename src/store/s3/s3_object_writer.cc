#include "store/s3/s3_object_writer.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "store/s3/lost_reply.h"
#include "store/upload_record.h"
#include "util/error.h"
#include "util/random_id.h"

namespace unpackd::s3 {

namespace {

// A conditional write refused with 412 is accepted as this writer's own when the object found
// is the one it was writing (an earlier attempt took effect, its reply was lost). Two writers
// of identical bytes (two runs racing to record the same outcome) would both pass that check
// and both believe they won; a name of this write in the object's metadata tells them apart.
WriteOptions WithWriteId(WriteOptions options) {
  if (!options.if_absent) return options;
  options.metadata["unpackd-write-id"] = RandomHexId();
  return options;
}

}  // namespace

S3ObjectWriter::S3ObjectWriter(std::shared_ptr<S3StoreContext> context, ObjectRef ref,
                               WriteOptions options)
    : context_(std::move(context)),
      ref_(std::move(ref)),
      options_(WithWriteId(std::move(options))),
      plan_(context_->client.config().part_size, options_.size_hint) {}

S3ObjectWriter::~S3ObjectWriter() { Abort(); }

void S3ObjectWriter::StartBuffer() {
  uint64_t capacity = plan_.PartSize(next_part_);
  if (options_.size_hint && *options_.size_hint >= total_bytes_) {
    // Small members only hold what they announced, so many can be in flight at once.
    capacity = std::min(capacity, *options_.size_hint - total_bytes_);
  }
  context_->budget.Acquire(capacity);
  buffer_.reservation = BudgetReservation(&context_->budget, capacity);
  buffer_.bytes.clear();
  buffer_.bytes.reserve(capacity);
  buffer_started_ = true;
}

void S3ObjectWriter::Append(std::span<const std::byte> data) {
  if (finished_)
    throw Error(ErrorKind::kInternal, "Append on a finished writer for " + ref_.ToString());
  try {
    ThrowIfFailed();
    while (!data.empty()) {
      if (!buffer_started_) StartBuffer();
      const uint64_t part_size = plan_.PartSize(next_part_);
      const size_t take =
          static_cast<size_t>(std::min<uint64_t>(data.size(), part_size - buffer_.bytes.size()));
      const uint64_t needed = buffer_.bytes.size() + take;
      if (needed > buffer_.reservation.bytes()) {
        buffer_.reservation.GrowWithoutWaiting(needed - buffer_.reservation.bytes());
      }
      buffer_.bytes.insert(buffer_.bytes.end(), data.begin(), data.begin() + take);
      data = data.subspan(take);
      total_bytes_ += take;
      if (buffer_.bytes.size() == part_size) SubmitPart();
    }
  } catch (...) {
    FailAndRethrow();
  }
}

void S3ObjectWriter::SubmitPart() {
  if (upload_id_.empty()) {
    upload_id_ = context_->client.CreateMultipartUpload(ref_.bucket, ref_.key, options_);
    // Before any part: a crash from here on leaves a record naming this upload.
    WriteUploadRecord();
  }
  const int number = next_part_++;
  auto part = std::make_shared<Buffer>(std::move(buffer_));
  buffer_ = Buffer{};
  buffer_started_ = false;
  {
    MutexLock lock(uploads_->mutex);
    ++uploads_->in_flight;
  }
  // The task owns the part's bytes and reservation; it captures the shared Uploads state and
  // the context (never `this`), and the writer waits for it before it goes away. The context is
  // borrowed, not shared: the writer keeps it alive until in_flight drops to zero, and a task
  // holding the last reference would destroy the store from inside an executor thread.
  context_->executor.Submit(Lane::kIo, [context = context_.get(), uploads = uploads_, part, number,
                                        ref = ref_, upload_id = upload_id_]() {
    UploadedPart uploaded;
    std::exception_ptr error;
    bool skip = false;
    {
      MutexLock lock(uploads->mutex);
      skip = uploads->first_error != nullptr;  // another part failed: don't bother
    }
    if (!skip) {
      try {
        uploaded = context->client.UploadPart(ref.bucket, ref.key, upload_id, number, part->bytes);
      } catch (...) {
        error = std::current_exception();
      }
    }
    part->bytes = {};
    part->reservation.Reset();
    MutexLock lock(uploads->mutex);
    if (error && !uploads->first_error) uploads->first_error = error;
    if (!error && !skip) uploads->parts[number] = std::move(uploaded);
    --uploads->in_flight;
    uploads->changed.NotifyAll();
  });
}

void S3ObjectWriter::WriteUploadRecord() {
  if (options_.upload_records_prefix.empty()) return;
  const UploadRecord record{ref_.key, upload_id_};
  const std::string key = UploadRecordKey(options_.upload_records_prefix, record);
  const std::string body = UploadRecordBody(record);
  try {
    context_->client.PutObject(ref_.bucket, key, std::as_bytes(std::span(body)), WriteOptions{});
  } catch (const Error& e) {
    throw e.WithContext("recording multipart upload " + upload_id_ + " in s3://" + ref_.bucket +
                        "/" + key);
  }
  record_key_ = key;
}

void S3ObjectWriter::DeleteUploadRecord() noexcept {
  if (record_key_.empty()) return;
  try {
    context_->client.DeleteObject(ref_.bucket, record_key_);
  } catch (...) {
    // See the header: a stale record is harmless.
  }
  record_key_.clear();
}

void S3ObjectWriter::WaitForParts() {
  MutexLock lock(uploads_->mutex);
  while (uploads_->in_flight > 0) uploads_->changed.Wait(uploads_->mutex);
}

void S3ObjectWriter::ThrowIfFailed() {
  MutexLock lock(uploads_->mutex);
  if (uploads_->first_error) std::rethrow_exception(uploads_->first_error);
}

void S3ObjectWriter::FailAndRethrow() {
  Abort();
  try {
    throw;
  } catch (const Error& e) {
    throw e.WithContext("writing s3://" + ref_.ToString());
  }
}

ObjectInfo S3ObjectWriter::Commit() {
  if (finished_)
    throw Error(ErrorKind::kInternal, "Commit on a finished writer for " + ref_.ToString());
  try {
    ThrowIfFailed();
    ObjectInfo info;
    info.size = total_bytes_;
    info.content_type =
        options_.content_type.empty() ? "application/octet-stream" : options_.content_type;
    info.metadata = options_.metadata;
    PutResult result;
    if (upload_id_.empty()) {
      result = WriteOrAcceptWritten(
          [&] {
            return context_->client.PutObject(ref_.bucket, ref_.key, buffer_.bytes, options_);
          },
          [&] { return SinglePartEtag(buffer_.bytes); });
      buffer_ = Buffer{};
    } else {
      if (!buffer_.bytes.empty()) SubmitPart();
      WaitForParts();
      ThrowIfFailed();
      std::vector<UploadedPart> parts;
      {
        MutexLock lock(uploads_->mutex);
        for (const auto& [number, part] : uploads_->parts) parts.push_back(part);
      }
      if (options_.if_absent) ThrowIfKeyTaken();
      result = WriteOrAcceptWritten(
          [&] {
            return context_->client.CompleteMultipartUpload(ref_.bucket, ref_.key, upload_id_,
                                                            parts, options_.if_absent);
          },
          [&] { return MultipartEtag(parts); });
      upload_id_.clear();
      DeleteUploadRecord();
    }
    finished_ = true;
    info.etag = result.etag;
    info.version_id = result.version_id;
    return info;
  } catch (...) {
    FailAndRethrow();
  }
}

void S3ObjectWriter::ThrowIfKeyTaken() {
  try {
    context_->client.HeadObject(ref_.bucket, ref_.key);
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kNotFound) return;
    throw;
  }
  throw Error(ErrorKind::kPrecondition,
              "s3://" + ref_.ToString() + ": another writer's object is already under the key",
              "object-exists");
}

PutResult S3ObjectWriter::WriteOrAcceptWritten(const std::function<PutResult()>& write,
                                               const std::function<std::string()>& content_etag) {
  try {
    return write();
  } catch (const Error& e) {
    const ExpectedObject expected{total_bytes_, options_.metadata,
                                  options_.metadata.empty() ? content_etag() : std::string()};
    const ObjectInfo found = options_.if_absent && e.kind() == ErrorKind::kPrecondition
                                 ? AcceptIfOwnObject(context_->client, ref_, expected, e)
                                 : AcceptIfWritten(context_->client, ref_, expected, e);
    return PutResult{found.etag, found.version_id};
  }
}

void S3ObjectWriter::Abort() noexcept {
  if (finished_) return;
  finished_ = true;
  {
    MutexLock lock(uploads_->mutex);
    // Parts still queued see this and skip their upload.
    if (!uploads_->first_error) {
      uploads_->first_error =
          std::make_exception_ptr(Error(ErrorKind::kIo, "aborted: " + ref_.ToString()));
    }
  }
  WaitForParts();
  buffer_ = Buffer{};
  if (!upload_id_.empty()) {
    try {
      context_->client.AbortMultipartUpload(ref_.bucket, ref_.key, upload_id_);
      DeleteUploadRecord();
    } catch (...) {
      // Nothing more can be done here; the retries inside have already been spent. The upload
      // record, if any, stays so that a later run aborts the upload; without one, servers
      // expire abandoned uploads by lifecycle rule.
    }
    upload_id_.clear();
  }
}

}  // namespace unpackd::s3
