// Upload records: how unpackd proves, after a crash, that it started a multipart upload.
//
// S3 lists incomplete uploads with their key and id but no metadata, so nothing on an upload
// says who started it. A writer given WriteOptions::upload_records_prefix therefore stores one
// small record object per multipart upload under that prefix, before it sends the first part,
// and deletes it once the upload is completed or aborted. A record still present on a later run
// names an upload a crash left behind; an upload without one is someone else's (or was started
// in the instant between CreateMultipartUpload and the record's write, see README) and is never
// touched.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace unpackd {

struct UploadRecord {
  std::string key;        // the object the upload was writing
  std::string upload_id;  // as CreateMultipartUpload returned it
};

// The record's key under `records_prefix`: one per (key, upload id), short whatever the key's
// length, so an old record is never overwritten by a newer upload of the same key.
std::string UploadRecordKey(std::string_view records_prefix, const UploadRecord& record);

// The record's body: a format tag line, the upload id line, then the key verbatim (a key may
// hold any character, so it comes last and runs to the end).
std::string UploadRecordBody(const UploadRecord& record);

// The record in `body`, or nullopt when `body` is not a record of this format.
std::optional<UploadRecord> ParseUploadRecord(std::string_view body);

}  // namespace unpackd
