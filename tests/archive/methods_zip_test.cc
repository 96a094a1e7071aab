// End to end: ZIP archives whose members use every supported method, made by 7-Zip and
// Python's zipfile (and, for zstd and xz, which neither writes, by the zstd CLI and Python's
// lzma module with tests/tools/zipcraft.py laying out the records), read through ZipArchive
// with its CRC and size checks.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <set>

#include "archive/methods_test_helpers.h"
#include "archive/zip/zip_archive.h"
#include "archive/zip/zip_method.h"
#include "support/file_object.h"
#include "support/temp_dir.h"
#include "util/error.h"

namespace unpackd {
namespace {

using methods_test::Bytes;
using testing::RunCommandOutput;
using testing::ShellQuote;

// Writes a ZIP with every input twice: as a zstd (93) member "<name>.zst" and as an xz (95)
// member "<name>.xz", compressed by the zstd CLI and Python's lzma module and laid out by
// tests/tools/zipcraft.py (no real ZIP writer here supports either method).
constexpr char kZstdXzZipWriter[] = R"(
import lzma, os, subprocess, sys
sys.path.insert(0, os.path.dirname(sys.argv[1]))
import zipcraft
out, inputs = sys.argv[2], sys.argv[3:]
entries = []
for name, path in zip(inputs[::2], inputs[1::2]):
    data = open(path, 'rb').read()
    zstd = subprocess.run(['zstd', '-q', '-c'], input=data, capture_output=True, check=True)
    entries.append({'name': name + '.zst', 'data': data, 'method': 93, 'compressed': zstd.stdout})
    entries.append({'name': name + '.xz', 'data': data, 'method': 95,
                    'compressed': lzma.compress(data, format=lzma.FORMAT_XZ)})
zipcraft.write({'entries': entries}, out)
)";

class MethodsZipTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directory(inputs_);
    contents_["big.bin"] = methods_test::SampleContent((size_t{1} << 20) + 300'000, 11);
    const std::string text = "a small text member\n";
    contents_["small.txt"] = Bytes(reinterpret_cast<const std::byte*>(text.data()),
                                   reinterpret_cast<const std::byte*>(text.data() + text.size()));
    contents_["empty"] = {};
    for (const auto& [name, content] : contents_) {
      methods_test::WriteFileBytes(inputs_ / name, content);
    }
  }

  std::string InputList() const {
    std::string list;
    for (const auto& [name, content] : contents_) list += " " + ShellQuote(name);
    return list;
  }

  std::filesystem::path SevenZip(const std::string& options) {
    const auto zip = dir_.path() / "7z.zip";
    RunCommandOutput("cd " + ShellQuote(inputs_) + " && 7z a -bd -tzip " + options + " " +
                     ShellQuote(zip) + InputList() + " > /dev/null");
    return zip;
  }

  std::filesystem::path PythonZip(const std::string& compression) {
    const auto zip = dir_.path() / "python.zip";
    RunCommandOutput("cd " + ShellQuote(inputs_) + " && " + testing::Python() +
                     " -c 'import sys, zipfile\n"
                     "with zipfile.ZipFile(sys.argv[1], \"w\", zipfile." +
                     compression + ") as z:\n    for n in sys.argv[2:]: z.write(n)' " +
                     ShellQuote(zip) + InputList());
    return zip;
  }

  std::filesystem::path ZstdXzZip() {
    const auto zip = dir_.path() / "zstd-xz.zip";
    std::string args;
    for (const auto& [name, content] : contents_) {
      args += " " + ShellQuote(name) + " " + ShellQuote(inputs_ / name);
    }
    RunCommandOutput(testing::Python() + " -c " + ShellQuote(kZstdXzZipWriter) + " " +
                     ShellQuote(testing::ToolPath("zipcraft.py")) + " " + ShellQuote(zip) + args);
    return zip;
  }

  static Bytes ReadAll(const ZipArchive& archive, const ArchiveEntry& entry) {
    auto reader = archive.OpenMember(entry, {}, 64 << 10);
    Bytes out;
    Bytes buffer(4093);
    for (size_t n; (n = reader->Read(buffer)) > 0;) {
      out.insert(out.end(), buffer.begin(), buffer.begin() + n);
    }
    return out;
  }

  // Reads every member and checks its method and content; `original` maps a member name
  // to the input it was made from.
  void ExpectMembers(
      const std::filesystem::path& zip, const std::set<uint16_t>& methods,
      const std::function<std::string(const std::string&)>& original = [](const std::string& name) {
        return name;
      }) {
    auto object = testing::OpenFileObject(zip);
    auto archive = ZipArchive::Open(*object, {});
    std::set<uint16_t> seen;
    size_t checked = 0;
    for (const ArchiveEntry& entry : archive->entries()) {
      const uint16_t method = archive->record(entry).method;
      SCOPED_TRACE(std::string(entry.name) + " (" + ZipMethodName(method) + ")");
      seen.insert(method);
      const auto expected = contents_.find(original(std::string(entry.name)));
      ASSERT_NE(expected, contents_.end());
      const Bytes out = ReadAll(*archive, entry);
      EXPECT_TRUE(out == expected->second) << "content differs";
      ++checked;
    }
    EXPECT_GE(checked, contents_.size());
    // Tools store empty members uncompressed, so only require that the method was used.
    for (const uint16_t method : methods) EXPECT_TRUE(seen.count(method)) << method;
  }

  testing::TempDir dir_;
  std::filesystem::path inputs_ = dir_.path() / "inputs";
  std::map<std::string, Bytes> contents_;
};

TEST_F(MethodsZipTest, SevenZipDeflate64) { ExpectMembers(SevenZip("-mm=Deflate64"), {9}); }

TEST_F(MethodsZipTest, SevenZipBzip2) { ExpectMembers(SevenZip("-mm=BZip2"), {12}); }

TEST_F(MethodsZipTest, SevenZipLzmaWithEndMarker) {
  ExpectMembers(SevenZip("-mm=LZMA -md=1m"), {14});
}

TEST_F(MethodsZipTest, SevenZipLzmaWithoutEndMarker) {
  ExpectMembers(SevenZip("-mm=LZMA -md=1m -meos=off"), {14});
}

TEST_F(MethodsZipTest, PythonZipfileBzip2AndLzma) {
  ExpectMembers(PythonZip("ZIP_BZIP2"), {12});
  ExpectMembers(PythonZip("ZIP_LZMA"), {14});
}

TEST_F(MethodsZipTest, ZstdAndXzMembers) {
  ExpectMembers(ZstdXzZip(), {93, 95},
                [](const std::string& name) { return name.substr(0, name.rfind('.')); });
}

// A method unpackd does not decode refuses that member, naming the method, and nothing else.
TEST_F(MethodsZipTest, UnsupportedMethodIsRefusedPerMember) {
  const auto zip = SevenZip("-mm=PPMd");
  auto object = testing::OpenFileObject(zip);
  auto archive = ZipArchive::Open(*object, {});
  size_t refused = 0;
  size_t read = 0;
  for (const ArchiveEntry& entry : archive->entries()) {
    if (archive->record(entry).method != 98) {
      EXPECT_TRUE(ReadAll(*archive, entry) == contents_[std::string(entry.name)]);
      ++read;
      continue;
    }
    ++refused;
    try {
      ReadAll(*archive, entry);
      ADD_FAILURE() << "ppmd member was not refused: " << entry.name;
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::kArchiveRefused);
      const std::string message = error.what();
      EXPECT_NE(message.find("98 (ppmd)"), std::string::npos) << message;
      EXPECT_NE(message.find(entry.name), std::string::npos) << message;
    }
  }
  // 7-Zip keeps a member stored when PPMd would not shrink it (the empty one, at least).
  EXPECT_GE(refused, 1u);
  EXPECT_GE(read, 1u);
}

}  // namespace
}  // namespace unpackd
