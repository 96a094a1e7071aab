#include "store/s3/lost_reply.h"

#include "cloud/aws/hashing.h"

namespace unpackd::s3 {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The 16 bytes of an MD5 ETag ("\"9e107d9d...\""), or nullopt if it is not one.
std::optional<aws::Md5Digest> Md5FromEtag(const std::string& quoted) {
  const std::string etag = UnquoteEtag(quoted);
  aws::Md5Digest digest;
  if (etag.size() != 2 * digest.size()) return std::nullopt;
  for (size_t i = 0; i < digest.size(); ++i) {
    const int high = HexDigit(etag[2 * i]), low = HexDigit(etag[2 * i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    digest[i] = static_cast<unsigned char>(high * 16 + low);
  }
  return digest;
}

Error Extended(const Error& error, const std::string& note) {
  return Error(error.kind(), std::string(error.what()) + "; " + note, error.code());
}

}  // namespace

std::string SinglePartEtag(std::span<const std::byte> body) {
  return aws::HexEncode(aws::Md5(body));
}

std::string MultipartEtag(const std::vector<UploadedPart>& parts) {
  std::vector<std::byte> digests;
  for (const UploadedPart& part : parts) {
    const std::optional<aws::Md5Digest> digest = Md5FromEtag(part.etag);
    if (!digest) return {};
    for (unsigned char c : *digest) digests.push_back(static_cast<std::byte>(c));
  }
  return aws::HexEncode(aws::Md5(digests)) + "-" + std::to_string(parts.size());
}

bool MayHaveTakenEffect(const Error& error) {
  return error.kind() == ErrorKind::kTransient || error.code() == "NoSuchUpload";
}

std::optional<std::string> DifferenceFrom(const ObjectInfo& found, const ExpectedObject& expected) {
  if (found.size != expected.size) {
    return "size " + std::to_string(found.size) + ", expected " + std::to_string(expected.size);
  }
  for (const auto& [name, value] : expected.metadata) {
    auto it = found.metadata.find(name);
    if (it == found.metadata.end()) return "no " + name + " metadata, expected '" + value + "'";
    if (it->second != value) return name + " '" + it->second + "', expected '" + value + "'";
  }
  if (expected.metadata.empty() &&
      (expected.content_etag.empty() || found.etag != expected.content_etag)) {
    return "ETag " + found.etag + ", expected " +
           (expected.content_etag.empty() ? std::string("unknown") : expected.content_etag);
  }
  return std::nullopt;
}

ObjectInfo AcceptIfWritten(S3Client& client, const ObjectRef& ref, const ExpectedObject& expected,
                           const Error& error) {
  if (!MayHaveTakenEffect(error)) throw error;
  ObjectInfo found;
  try {
    found = client.HeadObject(ref.bucket, ref.key);
  } catch (const Error& head_error) {
    if (head_error.kind() == ErrorKind::kNotFound) {
      throw Extended(error, "the object is not there either");
    }
    throw Extended(error,
                   std::string("checking whether it was written failed too: ") + head_error.what());
  }
  if (std::optional<std::string> difference = DifferenceFrom(found, expected)) {
    throw Extended(error,
                   "the object under the key is not the one being written (" + *difference + ")");
  }
  return found;
}

ObjectInfo AcceptIfOwnObject(S3Client& client, const ObjectRef& ref, const ExpectedObject& expected,
                             const Error& error) {
  std::string why;
  try {
    ObjectInfo found = client.HeadObject(ref.bucket, ref.key);
    const std::optional<std::string> difference = DifferenceFrom(found, expected);
    if (!difference) return found;
    why = *difference;
  } catch (const Error& head_error) {
    // Gone again (deleted since): still not this writer's, and the caller decides anew.
    if (head_error.kind() != ErrorKind::kNotFound) throw;
    why = "deleted since";
  }
  throw Error(ErrorKind::kPrecondition,
              "s3://" + ref.ToString() + ": another writer's object is already under the key (" +
                  why + "; " + error.what() + ")",
              "object-exists");
}

}  // namespace unpackd::s3
