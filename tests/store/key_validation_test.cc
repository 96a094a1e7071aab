#include "store/key_validation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "util/error.h"

namespace unpackd {
namespace {

using ::testing::HasSubstr;

// The error ValidateUserMetadata throws for `metadata`, or nullopt when it accepts it.
std::optional<Error> MetadataError(const UserMetadata& metadata) {
  try {
    ValidateUserMetadata(metadata, "test write b/k");
  } catch (const Error& error) {
    return error;
  }
  return std::nullopt;
}

TEST(ValidateUserMetadataTest, AcceptsTheRuleBothStoresCanHold) {
  EXPECT_FALSE(MetadataError({}));
  EXPECT_FALSE(MetadataError({{"source-archive", "in/a.zip"},
                              {"crc_32", "deadbeef"},
                              {"0-9_a-z", " ~printable ASCII, spaces too~ "},
                              {"empty-value", ""}}));
}

TEST(ValidateUserMetadataTest, RejectsOtherNamesAndValues) {
  const std::vector<std::pair<UserMetadata, std::string>> cases = {
      {{{"", "v"}}, "empty user metadata name"},
      {{{"Upper", "v"}}, "\"Upper\" must use only lower-case ASCII letters, digits, '-' and '_'"},
      {{{"dot.name", "v"}}, "\"dot.name\""},
      {{{"space name", "v"}}, "\"space name\""},
      {{{"x-amz-meta-\xc3\xa9", "v"}}, "must use only"},
      {{{"ok", "new\nline"}}, "\"ok\" has a value that is not printable ASCII"},
      {{{"ok", "del\x7f"}}, "not printable ASCII"},
      {{{"ok", "caf\xc3\xa9"}}, "not printable ASCII"},
  };
  for (const auto& [metadata, reason] : cases) {
    SCOPED_TRACE(reason);
    const std::optional<Error> error = MetadataError(metadata);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->kind(), ErrorKind::kUsage);
    EXPECT_EQ(error->code(), "invalid-metadata");
    EXPECT_THAT(error->what(), HasSubstr("test write b/k: "));
    EXPECT_THAT(error->what(), HasSubstr(reason));
  }
}

TEST(ValidateContentTypeTest, PrintableAsciiOnly) {
  ValidateContentType("", "ctx");
  ValidateContentType("text/plain; charset=utf-8", "ctx");
  try {
    ValidateContentType("text/\x01", "ctx");
    ADD_FAILURE() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kUsage);
    EXPECT_THAT(error.what(), HasSubstr("ctx: content type"));
  }
}

TEST(S3KeyProblemTest, LengthAndUtf8Only) {
  EXPECT_FALSE(S3KeyProblem("a//b/../c\\d"));
  EXPECT_FALSE(S3KeyProblem(".unpackd-meta/k"));
  EXPECT_FALSE(S3KeyProblem(std::string(1024, 'k')));
  EXPECT_THAT(S3KeyProblem("").value_or(""), HasSubstr("is empty"));
  EXPECT_THAT(S3KeyProblem(std::string(1025, 'k')).value_or(""), HasSubstr("1025 bytes long"));
  EXPECT_THAT(S3KeyProblem("bad\xff").value_or(""), HasSubstr("not valid UTF-8 (at byte 3)"));
}

}  // namespace
}  // namespace unpackd
