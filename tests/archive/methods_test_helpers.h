// Helpers shared by the compression-method tests: deterministic sample content, a member's
// raw data as Python's zipfile finds it, and a caller that drives a Decompressor in chosen
// chunk sizes. Temp dirs and running tools come from tests/support.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <random>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "archive/zip/zip_method.h"
#include "codec/codec.h"
#include "codec/decompressor.h"
#include "support/file_object.h"
#include "util/error.h"

namespace unpackd {

// A decoder chosen the way a ZIP member chooses it: by APPNOTE method number and flags.
struct ZipDecoderParams {
  uint16_t method = 0;
  uint16_t flags = 0;  // bit 1: LZMA end marker
  uint64_t uncompressed_size = 0;
  uint64_t max_dictionary = uint64_t{64} << 20;
};

// Throws Error(kArchiveRefused) "unsupported compression method N (name)" for methods without
// a codec, as extraction refuses them.
inline std::unique_ptr<Decompressor> MakeZipDecompressor(const ZipDecoderParams& zip) {
  const auto codec = CodecForZipMethod(zip.method);
  if (!codec) {
    throw Error(ErrorKind::kArchiveRefused, "unsupported compression method " +
                                                std::to_string(zip.method) + " (" +
                                                ZipMethodName(zip.method) + ")");
  }
  DecompressorParams params;
  params.lzma_end_marker = (zip.flags & 0x2) != 0;
  params.uncompressed_size = zip.uncompressed_size;
  params.max_dictionary = zip.max_dictionary;
  return MakeDecompressor(*codec, params);
}

}  // namespace unpackd

namespace unpackd::methods_test {

using Bytes = std::vector<std::byte>;

// Writes `bytes` as the whole file at `path`.
inline void WriteFileBytes(const std::filesystem::path& path, std::span<const std::byte> bytes) {
  std::ofstream file(path, std::ios::binary);
  file.write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(file.good()) << "cannot write " << path;
}

// `size` bytes mixing text, incompressible noise, a noise block repeated at distances beyond
// 32 KiB (Deflate64's extra distance codes), and long runs; the same for the same seed.
inline Bytes SampleContent(size_t size, uint32_t seed) {
  std::mt19937 random(seed);
  static const char* const kWords[] = {"archive",    "member", "stream", "window",    "deflate",
                                       "bucket",     "object", "range",  "upload",    "zip",
                                       "dictionary", "\n",     "  ",     "0123456789"};
  Bytes out;
  out.reserve(size);
  auto push_text = [&](size_t n) {
    while (n > 0) {
      const std::string_view word = kWords[random() % std::size(kWords)];
      for (size_t i = 0; i < word.size() && n > 0; ++i, --n) {
        out.push_back(static_cast<std::byte>(word[i]));
      }
      if (n > 0) {
        out.push_back(std::byte{' '});
        --n;
      }
    }
  };
  auto push_noise = [&](size_t n) {
    for (size_t i = 0; i < n; ++i) out.push_back(static_cast<std::byte>(random()));
  };
  for (int section = 0; out.size() < size; ++section) {
    switch (section % 4) {
      case 0:
        push_text(150'000);
        break;
      case 1:
        push_noise(70'000);
        break;
      case 2: {
        // A noise block repeated: matches 40000 and 50000 bytes back, some as long as the
        // format allows.
        const size_t start = out.size();
        push_noise(40'000);
        for (int copy = 0; copy < 3; ++copy) {
          for (size_t i = 0; i < 40'000; ++i) out.push_back(out[start + i]);
          push_noise(10'000);
        }
        break;
      }
      case 3:
        out.insert(out.end(), 120'000, static_cast<std::byte>(section));
        break;
    }
  }
  out.resize(size);
  return out;
}

// What a ZIP member holds, as Python's zipfile module reads it (an independent parser).
struct ZipMemberData {
  uint16_t method = 0;
  uint16_t flags = 0;
  uint64_t uncompressed_size = 0;
  Bytes compressed;  // the member's raw compressed bytes
};

inline ZipMemberData ExtractFirstMember(const std::filesystem::path& zip) {
  const std::filesystem::path raw = zip.string() + ".raw";
  static const char kScript[] = R"(
import struct, sys, zipfile
info = zipfile.ZipFile(sys.argv[1]).infolist()[0]
with open(sys.argv[1], 'rb') as f:
    f.seek(info.header_offset)
    header = f.read(30)
    name_len, extra_len = struct.unpack('<HH', header[26:30])
    f.seek(info.header_offset + 30 + name_len + extra_len)
    data = f.read(info.compress_size)
open(sys.argv[2], 'wb').write(data)
print(info.compress_type, info.flag_bits, info.file_size)
)";
  const std::string output =
      testing::RunCommandOutput(testing::Python() + " -c " + testing::ShellQuote(kScript) + " " +
                                testing::ShellQuote(zip) + " " + testing::ShellQuote(raw));
  ZipMemberData member;
  std::istringstream fields(output);
  fields >> member.method >> member.flags >> member.uncompressed_size;
  member.compressed = testing::ReadFileBytes(raw);
  return member;
}

// Drives `decompressor` like a member reader would: input arrives in chunks of `in_chunk`
// bytes (the last one flagged), output is taken `out_chunk` bytes at a time. Fails the test
// if the decompressor stalls while it has room and input. Returns the output; sets
// *consumed to the input bytes used when the stream finished. Stops early, unfinished, once
// more than `max_output` bytes came out (for decoding garbage).
inline Bytes DecodeInChunks(Decompressor& decompressor, std::span<const std::byte> input,
                            size_t in_chunk, size_t out_chunk, size_t* consumed = nullptr,
                            size_t max_output = SIZE_MAX) {
  Bytes out;
  Bytes buffer(out_chunk);
  size_t pos = 0;
  for (;;) {
    const size_t chunk_end = pos + std::min(in_chunk, input.size() - pos);
    const bool last = chunk_end == input.size();
    // Offer the chunk until it is used up, as a caller holding one fetched chunk would.
    const Decompressor::Step step =
        decompressor.Decompress(input.subspan(pos, chunk_end - pos), last, buffer);
    EXPECT_LE(step.consumed, chunk_end - pos);
    EXPECT_LE(step.produced, buffer.size());
    pos += step.consumed;
    out.insert(out.end(), buffer.begin(), buffer.begin() + step.produced);
    if (step.finished || out.size() > max_output) break;
    if (step.consumed == 0 && step.produced == 0) {
      // Allowed only while waiting for input that has not arrived yet, which this loop never
      // does: the chunk it offers is either non-empty or the last, and there is room.
      ADD_FAILURE() << "decompressor made no progress at input offset " << pos;
      break;
    }
  }
  if (consumed) *consumed = pos;
  return out;
}

// Expects `action` to throw Error(kArchiveRefused) whose message contains `needle`.
inline void ExpectRefused(const std::function<void()>& action, std::string_view needle) {
  try {
    action();
    ADD_FAILURE() << "expected Error(kArchiveRefused) containing \"" << needle << "\"";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kArchiveRefused) << error.what();
    EXPECT_NE(std::string_view(error.what()).find(needle), std::string_view::npos)
        << "message: " << error.what();
  }
}

}  // namespace unpackd::methods_test
