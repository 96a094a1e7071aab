// The method registry, and the memory limits and header checks each decoder enforces.
#include <gtest/gtest.h>

#include <cstring>

#include "archive/methods_test_helpers.h"
#include "archive/zip/zip_method.h"
#include "support/file_object.h"
#include "support/temp_dir.h"
#include "util/error.h"

namespace unpackd {
namespace {

using methods_test::Bytes;
using methods_test::DecodeInChunks;
using methods_test::ExpectRefused;
using methods_test::ExtractFirstMember;
using methods_test::SampleContent;
using methods_test::ZipMemberData;
using testing::RunCommandOutput;
using testing::ShellQuote;
using testing::TempDir;

constexpr size_t kContentSize = 1'300'000;

TEST(CompressionMethodTest, NamesAndSupport) {
  EXPECT_EQ(ZipMethodName(9), "deflate64");
  EXPECT_EQ(ZipMethodName(12), "bzip2");
  EXPECT_EQ(ZipMethodName(14), "lzma");
  EXPECT_EQ(ZipMethodName(93), "zstd");
  EXPECT_EQ(ZipMethodName(95), "xz");
  for (const uint16_t method : {0, 8, 9, 12, 14, 93, 95}) {
    EXPECT_TRUE(CodecForZipMethod(method).has_value()) << method;
    ZipDecoderParams params;
    params.method = method;
    EXPECT_NE(MakeZipDecompressor(params), nullptr) << method;
  }
  for (const uint16_t method : {1, 6, 10, 98, 99, 17}) {
    EXPECT_FALSE(CodecForZipMethod(method).has_value()) << method;
  }
}

TEST(CompressionMethodTest, RefusesOtherMethodsNamingThem) {
  ZipDecoderParams params;
  params.method = 98;
  ExpectRefused([&] { MakeZipDecompressor(params); }, "98 (ppmd)");
  params.method = 6;
  ExpectRefused([&] { MakeZipDecompressor(params); }, "6 (implode)");
  params.method = 4242;
  ExpectRefused([&] { MakeZipDecompressor(params); }, "4242");
}

// No bytes at all (a null, empty span) is a truncated stream for every method with a format;
// and empty input that is not the last makes no progress without complaint.
TEST(CompressionMethodTest, EmptyInputIsTruncated) {
  for (const uint16_t method : {9, 12, 14, 93, 95}) {
    SCOPED_TRACE(ZipMethodName(method));
    ZipDecoderParams params;
    params.method = method;
    auto decompressor = MakeZipDecompressor(params);
    Bytes out(64);
    const auto step = decompressor->Decompress({}, false, out);
    EXPECT_EQ(step.consumed, 0u);
    EXPECT_EQ(step.produced, 0u);
    EXPECT_FALSE(step.finished);
    ExpectRefused([&] { decompressor->Decompress({}, true, out); }, "truncated");
  }
}

// A scratch directory holding the sample content, for tools to compress.
class LimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    content_ = SampleContent(kContentSize, 99);
    methods_test::WriteFileBytes(input_, content_);
  }

  ZipMemberData SevenZipMember(const std::string& options) {
    const auto zip = dir_.path() / "sample.zip";
    RunCommandOutput("7z a -bd -tzip " + options + " " + ShellQuote(zip) + " " +
                     ShellQuote(input_) + " > /dev/null");
    return ExtractFirstMember(zip);
  }

  Bytes Compress(const std::string& command) {
    const auto output = dir_.path() / "stream";
    RunCommandOutput(command + " < " + ShellQuote(input_) + " > " + ShellQuote(output));
    return testing::ReadFileBytes(output);
  }

  static ZipDecoderParams ParamsFor(const ZipMemberData& member) {
    ZipDecoderParams params;
    params.method = member.method;
    params.flags = member.flags;
    params.uncompressed_size = member.uncompressed_size;
    return params;
  }

  TempDir dir_;
  std::filesystem::path input_ = dir_.path() / "content.bin";
  Bytes content_;
};

TEST_F(LimitsTest, LzmaDictionaryAboveTheLimitIsRefused) {
  const ZipMemberData member = SevenZipMember("-mm=LZMA -md=4m");
  ZipDecoderParams params = ParamsFor(member);
  // 7-Zip shrinks the dictionary to the content's size, which is still far above the limit.
  params.max_dictionary = 512 << 10;
  auto decompressor = MakeZipDecompressor(params);
  ExpectRefused([&] { DecodeInChunks(*decompressor, member.compressed, 65536, 65536); },
                "is larger than the allowed 512 KiB");
  // The same member within the limit decodes.
  params.max_dictionary = 4 << 20;
  auto allowed = MakeZipDecompressor(params);
  EXPECT_EQ(DecodeInChunks(*allowed, member.compressed, 65536, 65536), content_);
}

TEST_F(LimitsTest, LzmaHeaderChecks) {
  const ZipMemberData member = SevenZipMember("-mm=LZMA -md=1m -meos=off");
  {
    Bytes stream = member.compressed;
    stream[2] = std::byte{6};  // properties size must be 5
    auto decompressor = MakeZipDecompressor(ParamsFor(member));
    ExpectRefused([&] { DecodeInChunks(*decompressor, stream, 1, 65536); }, "properties size 6");
  }
  {
    Bytes stream = member.compressed;
    stream[4] = std::byte{225};  // lc/lp/pb byte beyond (pb 4, lp 4, lc 8)
    auto decompressor = MakeZipDecompressor(ParamsFor(member));
    ExpectRefused([&] { DecodeInChunks(*decompressor, stream, 1, 65536); },
                  "unsupported LZMA properties");
  }
}

TEST_F(LimitsTest, LzmaWithoutEndMarkerStopsAtTheDeclaredSize) {
  const ZipMemberData member = SevenZipMember("-mm=LZMA -md=1m -meos=off");
  ASSERT_EQ(member.flags & 2, 0);
  // A declared size shorter than the data: liblzma finds the stream does not end there.
  ZipDecoderParams params = ParamsFor(member);
  params.uncompressed_size = member.uncompressed_size - 1000;
  auto shorter = MakeZipDecompressor(params);
  ExpectRefused([&] { DecodeInChunks(*shorter, member.compressed, 65536, 65536); }, "LZMA");
  // A declared size longer than the data: the input runs out first.
  params.uncompressed_size = member.uncompressed_size + 1000;
  auto longer = MakeZipDecompressor(params);
  ExpectRefused([&] { DecodeInChunks(*longer, member.compressed, 65536, 65536); }, "LZMA");
}

TEST_F(LimitsTest, ZstdWindowAboveTheLimitIsRefused) {
  const Bytes stream = Compress("zstd -q -19 -c");
  ZipDecoderParams params;
  params.method = 93;
  params.max_dictionary = 1 << 20;  // the frame's window covers all 1.3 MB of content
  auto decompressor = MakeZipDecompressor(params);
  ExpectRefused([&] { DecodeInChunks(*decompressor, stream, 65536, 65536); },
                "larger than the limit of 1 MiB");
}

TEST_F(LimitsTest, XzDictionaryAboveTheLimitIsRefused) {
  const Bytes stream = Compress("xz -6 -c");  // 8 MiB dictionary
  ZipDecoderParams params;
  params.method = 95;
  params.max_dictionary = 1 << 20;
  auto decompressor = MakeZipDecompressor(params);
  ExpectRefused([&] { DecodeInChunks(*decompressor, stream, 65536, 65536); },
                "xz data needs 9 MiB to decode, over the limit of 2 MiB");
}

// Empty members: each format still has a stream (header, end marker), and it decodes to
// nothing.
TEST_F(LimitsTest, EmptyContentDecodesToNothing) {
  const auto empty = dir_.path() / "empty";
  methods_test::WriteFileBytes(empty, {});
  struct Case {
    std::string name;
    uint16_t method;
    std::string command;  // writes the stream for an empty input to stdout
  };
  const std::string zipfile = testing::Python() +
                              " -c 'import sys, zipfile; "
                              "zipfile.ZipFile(sys.argv[1], \"w\", zipfile.";
  for (const Case& c :
       {Case{"bzip2", 12, "bzip2 -c"}, Case{"zstd", 93, "zstd -q -c"}, Case{"xz", 95, "xz -c"}}) {
    SCOPED_TRACE(c.name);
    const auto output = dir_.path() / (c.name + ".out");
    RunCommandOutput(c.command + " < " + ShellQuote(empty) + " > " + ShellQuote(output));
    ZipDecoderParams params;
    params.method = c.method;
    auto decompressor = MakeZipDecompressor(params);
    EXPECT_TRUE(DecodeInChunks(*decompressor, testing::ReadFileBytes(output), 1, 1).empty());
  }
  for (const std::string compression : {"ZIP_LZMA", "ZIP_BZIP2"}) {
    SCOPED_TRACE(compression);
    const auto zip = dir_.path() / (compression + ".zip");
    RunCommandOutput(zipfile + compression + ").write(sys.argv[2], \"empty\")' " + ShellQuote(zip) +
                     " " + ShellQuote(empty));
    const ZipMemberData member = ExtractFirstMember(zip);
    auto decompressor = MakeZipDecompressor(ParamsFor(member));
    EXPECT_TRUE(DecodeInChunks(*decompressor, member.compressed, 1, 1).empty());
  }
}

}  // namespace
}  // namespace unpackd
