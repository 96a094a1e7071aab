#include "store/key_validation.h"

#include <unicode/utf8.h>

#include <cstdint>
#include <cstdio>

#include "util/error.h"

namespace unpackd {
namespace {

constexpr size_t kMaxKeyBytes = 1024;
constexpr size_t kMaxSegmentBytes = 255;  // NAME_MAX on every Linux filesystem we care about

bool IsControl(UChar32 c) { return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f); }

// Checks the character-level rules shared by keys and bucket names; with `utf8_only`, just that
// `text` is valid UTF-8 (what S3 asks of a key).
std::optional<std::string> CharacterProblem(std::string_view text, bool utf8_only = false) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  const auto length = static_cast<int32_t>(text.size());
  int32_t i = 0;
  while (i < length) {
    const int32_t start = i;
    UChar32 c;
    U8_NEXT(bytes, i, length, c);
    if (c < 0) return "is not valid UTF-8 (at byte " + std::to_string(start) + ")";
    if (utf8_only) continue;
    if (IsControl(c)) {
      char code[16];
      std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned>(c));
      return std::string("contains the control character ") + code + " (at byte " +
             std::to_string(start) + ")";
    }
    if (c == '\\') {
      return "contains a backslash (at byte " + std::to_string(start) +
             "), which would mean a folder separator on some systems";
    }
  }
  return std::nullopt;
}

std::optional<std::string> SegmentProblem(std::string_view segment) {
  if (segment.empty()) return "has an empty segment (a leading, doubled or trailing '/')";
  if (segment == "." || segment == "..") {
    return "has a \"" + std::string(segment) + "\" segment, which would leave its folder";
  }
  if (segment.size() > kMaxSegmentBytes) {
    return "has a segment longer than " + std::to_string(kMaxSegmentBytes) + " bytes";
  }
  if (segment.starts_with(kReservedNamePrefix)) {
    return "has a segment starting with \"" + std::string(kReservedNamePrefix) +
           "\", which is reserved for the store's own files";
  }
  return std::nullopt;
}

// The length rule S3 and the local store share.
std::optional<std::string> KeyLengthProblem(std::string_view key) {
  if (key.empty()) return "is empty";
  if (key.size() > kMaxKeyBytes) {
    return "is " + std::to_string(key.size()) + " bytes long; the limit is " +
           std::to_string(kMaxKeyBytes);
  }
  return std::nullopt;
}

bool IsPrintableAscii(std::string_view text) {
  for (const char c : text) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

bool IsMetadataNameCharacter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

}  // namespace

std::optional<std::string> S3KeyProblem(std::string_view key) {
  if (auto problem = KeyLengthProblem(key)) return problem;
  return CharacterProblem(key, /*utf8_only=*/true);
}

std::optional<std::string> ObjectKeyProblem(std::string_view key) {
  if (auto problem = KeyLengthProblem(key)) return problem;
  if (auto problem = CharacterProblem(key)) return problem;
  if (key.front() == '/') return "starts with '/'";
  size_t start = 0;
  while (true) {
    const size_t slash = key.find('/', start);
    const std::string_view segment =
        key.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (auto problem = SegmentProblem(segment)) return problem;
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return std::nullopt;
}

std::optional<std::string> BucketNameProblem(std::string_view name) {
  if (name.empty()) return "is empty";
  if (auto problem = CharacterProblem(name)) return problem;
  if (name.find('/') != std::string_view::npos) return "contains '/'";
  if (name.front() == '.') return "starts with '.' (hidden folders are never buckets)";
  if (auto problem = SegmentProblem(name)) return problem;
  return std::nullopt;
}

void ValidateObjectKey(std::string_view bucket, std::string_view key) {
  if (auto problem = ObjectKeyProblem(key)) {
    throw Error(ErrorKind::kUsage, "local store: invalid object key \"" + EscapeForMessage(key) +
                                       "\" in bucket \"" + EscapeForMessage(bucket) +
                                       "\": the key " + *problem);
  }
}

void ValidateBucketName(std::string_view name) {
  if (auto problem = BucketNameProblem(name)) {
    throw Error(ErrorKind::kUsage, "local store: invalid bucket name \"" + EscapeForMessage(name) +
                                       "\": the name " + *problem);
  }
}

void ValidateUserMetadata(const UserMetadata& metadata, std::string_view context) {
  const auto fail = [&](const std::string& what) {
    throw Error(ErrorKind::kUsage, std::string(context) + ": " + what, "invalid-metadata");
  };
  for (const auto& [name, value] : metadata) {
    if (name.empty()) fail("empty user metadata name");
    for (const char c : name) {
      if (!IsMetadataNameCharacter(c)) {
        fail("user metadata name \"" + EscapeForMessage(name) +
             "\" must use only lower-case ASCII letters, digits, '-' and '_'");
      }
    }
    if (!IsPrintableAscii(value)) {
      fail("user metadata \"" + name + "\" has a value that is not printable ASCII");
    }
  }
}

void ValidateContentType(std::string_view content_type, std::string_view context) {
  if (!IsPrintableAscii(content_type)) {
    throw Error(ErrorKind::kUsage, std::string(context) + ": content type is not printable ASCII");
  }
}

std::string EscapeForMessage(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto byte = static_cast<unsigned char>(ch);
    if (byte < 0x20 || byte == 0x7f || byte == '\\') {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
      out += escaped;
    } else {
      out += ch;  // UTF-8 sequences stay readable
    }
  }
  return out;
}

}  // namespace unpackd
