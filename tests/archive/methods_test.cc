// Every supported compression method decodes streams made by real tools (bzip2, xz and zstd
// command-line tools, Python's zipfile, 7-Zip), fed in odd chunk sizes into small output
// buffers, and refuses corrupt, truncated and over-demanding streams.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <random>
#include <string>

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

constexpr size_t kSampleSize = (size_t{1} << 20) + 300'000;  // past 1 MiB: many windows

// A compressed member made by a real tool from `input`; `expected` is what it decodes to.
struct Made {
  ZipMemberData member;
  Bytes expected;
};
using Maker = std::function<Made(const TempDir& dir, const std::filesystem::path& input,
                                 const Bytes& content)>;

// A bare stream from a command-line compressor reading `input` on stdin.
Maker FromCommand(uint16_t method, std::string command) {
  return [method, command](const TempDir& dir, const std::filesystem::path& input,
                           const Bytes& content) {
    const auto output = dir.path() / "stream";
    RunCommandOutput(command + " < " + ShellQuote(input) + " > " + ShellQuote(output));
    return Made{ZipMemberData{method, 0, content.size(), testing::ReadFileBytes(output)}, content};
  };
}

// The first member of a ZIP made by `command`, which gets the zip path and input path.
Maker FromZipTool(
    std::function<std::string(const std::string& zip, const std::string& input)> command) {
  return [command](const TempDir& dir, const std::filesystem::path& input, const Bytes& content) {
    const auto zip = dir.path() / "sample.zip";
    RunCommandOutput(command(ShellQuote(zip), ShellQuote(input)));
    return Made{ExtractFirstMember(zip), content};
  };
}

Maker PythonZipfile(const std::string& compression) {
  return FromZipTool([compression](const std::string& zip, const std::string& input) {
    return testing::Python() +
           " -c 'import sys, zipfile; "
           "zipfile.ZipFile(sys.argv[1], \"w\", zipfile." +
           compression + ").write(sys.argv[2], \"member\")' " + zip + " " + input;
  });
}

Maker SevenZipZip(const std::string& options) {
  return FromZipTool([options](const std::string& zip, const std::string& input) {
    return "7z a -bd -tzip " + options + " " + zip + " " + input + " > /dev/null";
  });
}

struct Sample {
  std::string name;
  uint16_t method;
  Maker make;
  // Damages a good stream so that this method must notice: its integrity checks, or a part
  // of the format whose damage is always detectable. `corrupt_reason` is in the error.
  std::function<void(Bytes&)> corrupt;
  std::string corrupt_reason;
  int expected_flags = -1;  // checked when >= 0
};

void FlipMiddleByte(Bytes& stream) { stream[stream.size() / 2] ^= std::byte{0x5a}; }

std::ostream& operator<<(std::ostream& os, const Sample& sample) { return os << sample.name; }

std::vector<Sample> Samples() {
  // LZMA: a range-coded stream always starts with a zero byte (after the 9-byte ZIP header).
  auto corrupt_lzma = [](Bytes& stream) { stream[9] = std::byte{0x80}; };
  // Deflate64: block type 3 is reserved.
  auto corrupt_deflate64 = [](Bytes& stream) { stream[0] |= std::byte{0x06}; };
  return {
      {"bzip2_cli", 12, FromCommand(12, "bzip2 -9 -c"), FlipMiddleByte, "bzip2"},
      {"bzip2_python_zipfile", 12, PythonZipfile("ZIP_BZIP2"), FlipMiddleByte, "bzip2"},
      {"bzip2_7z_zip", 12, SevenZipZip("-mm=BZip2 -mx=9"), FlipMiddleByte, "bzip2"},
      {"lzma_python_zipfile_end_marker", 14, PythonZipfile("ZIP_LZMA"), corrupt_lzma, "LZMA", 2},
      {"lzma_7z_zip_end_marker", 14, SevenZipZip("-mm=LZMA -md=1m"), corrupt_lzma, "LZMA", 2},
      {"lzma_7z_zip_no_end_marker", 14, SevenZipZip("-mm=LZMA -md=1m -meos=off"), corrupt_lzma,
       "LZMA", 0},
      {"zstd_cli", 93, FromCommand(93, "zstd -q -19 -c"), FlipMiddleByte, "zstd"},
      {"zstd_cli_fast_long", 93, FromCommand(93, "zstd -q -1 --long=20 -c"), FlipMiddleByte,
       "zstd"},
      {"zstd_cli_two_frames", 93,
       [](const TempDir& dir, const std::filesystem::path& input, const Bytes& content) {
         const auto output = dir.path() / "two.zst";
         RunCommandOutput("(zstd -q -3 -c < " + ShellQuote(input) +
                          "; printf 'second frame' | zstd -q -c) > " + ShellQuote(output));
         Bytes expected = content;
         for (const char c : std::string("second frame")) expected.push_back(std::byte(c));
         return Made{ZipMemberData{93, 0, expected.size(), testing::ReadFileBytes(output)},
                     expected};
       },
       FlipMiddleByte, "zstd"},
      {"xz_cli", 95, FromCommand(95, "xz -6 -c"), FlipMiddleByte, "xz"},
      {"xz_python_bcj_sha256", 95,
       FromCommand(95,
                   testing::Python() +
                       " -c 'import lzma, sys; sys.stdout.buffer.write(lzma.compress("
                       "sys.stdin.buffer.read(), format=lzma.FORMAT_XZ, check=lzma.CHECK_SHA256, "
                       "filters=[{\"id\": lzma.FILTER_X86}, {\"id\": lzma.FILTER_LZMA2, "
                       "\"preset\": 6}]))'"),
       FlipMiddleByte, "xz"},
      {"deflate64_7z_zip_best", 9, SevenZipZip("-mm=Deflate64 -mx=9"), corrupt_deflate64,
       "block type 3", 0},
      {"deflate64_7z_zip_fast", 9, SevenZipZip("-mm=Deflate64 -mx=1"), corrupt_deflate64,
       "block type 3", 0},
  };
}

class MethodTest : public ::testing::TestWithParam<Sample> {
 protected:
  void SetUp() override {
    content_ = SampleContent(kSampleSize, 0x5eed);
    const auto input = dir_.path() / "content.bin";
    methods_test::WriteFileBytes(input, content_);
    made_ = GetParam().make(dir_, input, content_);
    ASSERT_EQ(made_.member.method, GetParam().method);
    if (GetParam().expected_flags >= 0) {
      ASSERT_EQ(made_.member.flags & 0x2, GetParam().expected_flags);
    }
    ASSERT_GT(made_.member.compressed.size(), 16u);
  }

  ZipDecoderParams Params() const {
    ZipDecoderParams params;
    params.method = made_.member.method;
    params.flags = made_.member.flags;
    params.uncompressed_size = made_.member.uncompressed_size;
    return params;
  }

  TempDir dir_;
  Bytes content_;
  Made made_;
};

TEST_P(MethodTest, DecodesInAnyChunking) {
  struct Chunking {
    size_t in, out;
  };
  for (const Chunking chunking : {Chunking{1, 65536}, Chunking{7, 13}, Chunking{65536, 65536},
                                  Chunking{SIZE_MAX, size_t{1} << 20}}) {
    SCOPED_TRACE("input chunk " + std::to_string(chunking.in) + ", output chunk " +
                 std::to_string(chunking.out));
    auto decompressor = MakeZipDecompressor(Params());
    size_t consumed = 0;
    const Bytes out = DecodeInChunks(*decompressor, made_.member.compressed, chunking.in,
                                     chunking.out, &consumed);
    ASSERT_EQ(out.size(), made_.expected.size());
    EXPECT_TRUE(std::memcmp(out.data(), made_.expected.data(), out.size()) == 0)
        << "decoded bytes differ from the original";
    EXPECT_EQ(consumed, made_.member.compressed.size());
    // Finished means finished: later calls produce nothing.
    Bytes more(16);
    const auto after = decompressor->Decompress({}, true, more);
    EXPECT_TRUE(after.finished);
    EXPECT_EQ(after.produced, 0u);
  }
}

TEST_P(MethodTest, RefusesTruncatedStreams) {
  const Bytes& stream = made_.member.compressed;
  for (const size_t keep : {size_t{0}, size_t{5}, stream.size() / 2, stream.size() - 1}) {
    SCOPED_TRACE("keeping " + std::to_string(keep) + " of " + std::to_string(stream.size()));
    auto decompressor = MakeZipDecompressor(Params());
    const std::span<const std::byte> cut(stream.data(), keep);
    ExpectRefused([&] { DecodeInChunks(*decompressor, cut, 4096, 65536); }, "truncated");
  }
}

TEST_P(MethodTest, RefusesCorruptStreams) {
  Bytes stream = made_.member.compressed;
  GetParam().corrupt(stream);
  auto decompressor = MakeZipDecompressor(Params());
  ExpectRefused([&] { DecodeInChunks(*decompressor, stream, 65536, 65536); },
                GetParam().corrupt_reason);
}

// Damage anywhere must end in a clean refusal or a (wrong) finished stream, never a crash,
// hang or unbounded output; ASan/UBSan builds make this meaningful for memory safety.
TEST_P(MethodTest, SurvivesRandomDamage) {
  std::mt19937 random(7);
  for (int round = 0; round < 12; ++round) {
    Bytes stream = made_.member.compressed;
    for (int flips = 0; flips < 3; ++flips) {
      stream[random() % stream.size()] ^= static_cast<std::byte>(1 + random() % 255);
    }
    auto decompressor = MakeZipDecompressor(Params());
    try {
      DecodeInChunks(*decompressor, stream, 4093, 65536, nullptr, 4 * kSampleSize);
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::kArchiveRefused) << error.what();
    }
  }
}

INSTANTIATE_TEST_SUITE_P(RealTools, MethodTest, ::testing::ValuesIn(Samples()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace unpackd
