// ZipArchive over archives written by real tools, and over hand-damaged bytes.
#include "archive/zip/zip_archive.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>

#include "codec/crc32.h"
#include "io/range_source.h"
#include "support/archive_maker.h"
#include "support/file_object.h"
#include "support/temp_dir.h"
#include "util/error.h"

namespace unpackd {
namespace {

using testing::MemberMap;

std::string ReadMember(const ZipArchive& archive, const ArchiveEntry& entry, size_t buffer = 4096) {
  auto reader = archive.OpenMember(entry, {}, 64 << 10);
  std::string out;
  std::vector<std::byte> buf(buffer);
  for (size_t n; (n = reader->Read(buf)) > 0;) out.append(reinterpret_cast<char*>(buf.data()), n);
  return out;
}

// Opens `path` and checks every member's bytes against `expected` (directories excluded).
void ExpectArchiveHolds(const std::filesystem::path& path, const MemberMap& expected) {
  auto object = testing::OpenFileObject(path);
  auto archive = ZipArchive::Open(*object, {});
  size_t files = 0;
  for (const auto& e : archive->entries()) {
    if (e.kind == EntryKind::kDirectory) continue;
    ++files;
    auto it = expected.find(std::string(e.name));
    ASSERT_NE(it, expected.end()) << "unexpected member " << e.name;
    // Compared as a boolean: a failure printing megabytes of diff helps nobody.
    EXPECT_TRUE(ReadMember(*archive, e) == it->second) << "content differs: " << e.name;
  }
  EXPECT_EQ(files, expected.size());
}

MemberMap SampleMembers() {
  return {{"hello.txt", "hello, world\n"},
          {"data/result.json", R"({"score": 0.97, "label": "고양이"})"},
          {"images/blob.bin", testing::RandomBytes(300000, 1)},
          {"텍스트/결과 파일.txt", testing::TextBytes(2'000'000, 2)},
          {"empty.txt", ""}};
}

class ZipArchiveTest : public ::testing::Test {
 protected:
  std::filesystem::path Path(const std::string& name) { return dir_.path() / name; }
  testing::TempDir dir_;
};

TEST_F(ZipArchiveTest, Crc32MatchesZlib) {
  const std::string data = testing::RandomBytes(100000, 7);
  const auto expected = static_cast<uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
  uint32_t crc = Crc32Update(0, std::as_bytes(std::span(data).first(1000)));
  crc = Crc32Update(crc, std::as_bytes(std::span(data).subspan(1000)));
  EXPECT_EQ(crc, expected);
}

TEST_F(ZipArchiveTest, ReadsPythonDeflateAndStored) {
  for (const char* method : {"ZIP_DEFLATED", "ZIP_STORED"}) {
    const auto path = Path(std::string(method) + ".zip");
    testing::MakeZipWithPython(path, SampleMembers(), method);
    ExpectArchiveHolds(path, SampleMembers());
  }
}

TEST_F(ZipArchiveTest, ReadsInfoZipArchiveWithDirectories) {
  const auto tree = Path("tree");
  testing::WriteTree(tree, SampleMembers());
  ASSERT_EQ(testing::RunCommand("cd " + testing::ShellQuote(tree.string()) + " && zip -qr " +
                                testing::ShellQuote(Path("infozip.zip").string()) + " ."),
            0);
  auto object = testing::OpenFileObject(Path("infozip.zip"));
  auto archive = ZipArchive::Open(*object, {});
  int directories = 0;
  for (const auto& e : archive->entries()) directories += e.kind == EntryKind::kDirectory;
  EXPECT_GE(directories, 3);
  ExpectArchiveHolds(Path("infozip.zip"), SampleMembers());
}

TEST_F(ZipArchiveTest, ReadsForcedZip64Entries) {
  const auto path = Path("zip64.zip");
  testing::RunPythonZip(path, SampleMembers(),
                        "with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as z:\n"
                        "    for name, data in members.items():\n"
                        "        with z.open(name, 'w', force_zip64=True) as f:\n"
                        "            f.write(data)\n");
  auto object = testing::OpenFileObject(path);
  auto archive = ZipArchive::Open(*object, {});
  bool any_zip64 = false;
  for (const auto& e : archive->entries()) any_zip64 |= archive->record(e).zip64;
  // Python writes ZIP64 extras in the local headers; the central sizes fit 32 bits.
  ExpectArchiveHolds(path, SampleMembers());
  (void)any_zip64;
}

TEST_F(ZipArchiveTest, ReadsZip64EndRecordWithManyEntries) {
  const auto path = Path("many.zip");
  testing::RunPythonZip(path, {},
                        "with zipfile.ZipFile(out, 'w', zipfile.ZIP_STORED) as z:\n"
                        "    for i in range(70000):\n"
                        "        z.writestr(f'f/{i}.txt', str(i))\n");
  auto object = testing::OpenFileObject(path);
  auto archive = ZipArchive::Open(*object, {});
  EXPECT_TRUE(archive->info().zip64);
  ASSERT_EQ(archive->entries().size(), 70000u);
  EXPECT_EQ(archive->entries()[69999].name, "f/69999.txt");
  EXPECT_EQ(ReadMember(*archive, archive->entries()[69999]), "69999");
}

TEST_F(ZipArchiveTest, ReadsDataDescriptorsFromUnseekableStream) {
  const auto path = Path("stream.zip");
  testing::RunPythonZip(
      path, SampleMembers(),
      "class Unseekable(io.RawIOBase):\n"
      "    def __init__(self, f): self.f = f\n"
      "    def writable(self): return True\n"
      "    def write(self, b): return self.f.write(b)\n"
      "with open(out, 'wb') as raw:\n"
      "    with zipfile.ZipFile(Unseekable(raw), 'w', zipfile.ZIP_DEFLATED) as z:\n"
      "        for name, data in members.items():\n"
      "            with z.open(name, 'w') as f:\n"
      "                f.write(data)\n");
  auto object = testing::OpenFileObject(path);
  auto archive = ZipArchive::Open(*object, {});
  for (const auto& e : archive->entries()) {
    EXPECT_TRUE(archive->record(e).has_data_descriptor()) << e.name;
  }
  ExpectArchiveHolds(path, SampleMembers());
}

TEST_F(ZipArchiveTest, ReadsEmptyArchive) {
  testing::MakeZipWithPython(Path("empty.zip"), {});
  auto object = testing::OpenFileObject(Path("empty.zip"));
  auto archive = ZipArchive::Open(*object, {});
  EXPECT_TRUE(archive->entries().empty());
}

TEST_F(ZipArchiveTest, HandlesPrependedDataAndFakeEndRecordInComment) {
  const auto plain = Path("plain.zip");
  testing::RunPythonZip(plain, SampleMembers(),
                        "with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as z:\n"
                        "    z.comment = b'note PK\\x05\\x06' + bytes(18) + b' end'\n"
                        "    for name, data in members.items():\n"
                        "        z.writestr(name, data)\n");
  ExpectArchiveHolds(plain, SampleMembers());
  // A self-extractor: an executable stub in front, offsets not adjusted.
  const auto sfx = Path("sfx.zip");
  std::ofstream(sfx, std::ios::binary) << std::string(12345, 'X') << testing::ReadFileString(plain);
  auto object = testing::OpenFileObject(sfx);
  auto archive = ZipArchive::Open(*object, {});
  EXPECT_EQ(archive->info().prepended_bytes, 12345u);
  ExpectArchiveHolds(sfx, SampleMembers());
}

TEST_F(ZipArchiveTest, RefusesCrcMismatchWhileStreaming) {
  const auto path = Path("stored.zip");
  testing::MakeZipWithPython(path, {{"a.txt", "the quick brown fox"}}, "ZIP_STORED");
  std::string bytes = testing::ReadFileString(path);
  const size_t at = bytes.find("quick");
  ASSERT_NE(at, std::string::npos);
  bytes[at] = 'Q';
  auto object = testing::MakeMemoryObject(bytes);
  auto archive = ZipArchive::Open(*object, {});
  try {
    ReadMember(*archive, archive->entries()[0]);
    FAIL() << "expected a CRC mismatch";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kArchiveRefused);
    EXPECT_NE(std::string(e.what()).find("CRC-32 mismatch"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("a.txt"), std::string::npos) << e.what();
  }
}

TEST_F(ZipArchiveTest, RefusesTruncatedArchive) {
  const auto path = Path("t.zip");
  testing::MakeZipWithPython(path, SampleMembers());
  const std::string bytes = testing::ReadFileString(path);
  for (size_t keep : {bytes.size() - 10, bytes.size() / 2, size_t{100}, size_t{10}}) {
    auto object = testing::MakeMemoryObject(bytes.substr(0, keep));
    try {
      auto archive = ZipArchive::Open(*object, {});
      for (const auto& e : archive->entries()) ReadMember(*archive, e);
      FAIL() << "truncation to " << keep << " bytes was not detected";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kArchiveRefused) << e.what();
    }
  }
}

TEST_F(ZipArchiveTest, RefusesTruncatedDeflateStream) {
  const auto path = Path("d.zip");
  testing::MakeZipWithPython(path, {{"big.txt", testing::TextBytes(500000, 3)}});
  std::string bytes = testing::ReadFileString(path);
  auto object = testing::MakeMemoryObject(bytes);
  auto archive = ZipArchive::Open(*object, {});
  const ArchiveEntry& entry = archive->entries()[0];
  const MemberExtent extent = archive->LocateMember(entry);
  try {
    // The reader gets only half the stream.
    auto reader = archive->OpenMember(
        entry,
        std::make_unique<RangeSource>(*object, extent.data_offset, extent.data_size / 2, 4096), {});
    std::vector<std::byte> buf(4096);
    while (reader->Read(buf) > 0) {
    }
    FAIL() << "a half deflate stream was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kArchiveRefused) << e.what();
  }
}

TEST_F(ZipArchiveTest, RefusesMemberLargerThanDeclared) {
  const auto path = Path("lie.zip");
  testing::MakeZipWithPython(path, {{"big.txt", testing::TextBytes(500000, 3)}});
  auto object = testing::OpenFileObject(path);
  auto archive = ZipArchive::Open(*object, {});
  ArchiveEntry lying = archive->entries()[0];
  const MemberExtent extent = archive->LocateMember(lying);
  lying.size = 1000;
  try {
    auto reader = archive->OpenMember(
        lying, std::make_unique<RangeSource>(*object, extent.data_offset, extent.data_size, 4096),
        {});
    std::vector<std::byte> buf(4096);
    while (reader->Read(buf) > 0) {
    }
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("larger than its declared size"), std::string::npos);
  }
}

TEST_F(ZipArchiveTest, RefusesNonZipAndMultiDisk) {
  auto junk = testing::MakeMemoryObject(testing::RandomBytes(5000, 9));
  EXPECT_THROW(ZipArchive::Open(*junk, {}), Error);

  const auto path = Path("m.zip");
  testing::MakeZipWithPython(path, {{"a.txt", "a"}});
  std::string bytes = testing::ReadFileString(path);
  const size_t eocd = bytes.rfind(std::string("PK\x05\x06", 4));
  bytes[eocd + 4] = 1;  // "this is disk 1"
  auto object = testing::MakeMemoryObject(bytes);
  try {
    ZipArchive::Open(*object, {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("multi-disk"), std::string::npos) << e.what();
  }
}

TEST_F(ZipArchiveTest, LocalHeaderDisagreementIsRefused) {
  const auto path = Path("lh.zip");
  testing::MakeZipWithPython(path, {{"a.txt", "aaaa"}, {"b.txt", "bbbb"}}, "ZIP_STORED");
  std::string bytes = testing::ReadFileString(path);
  // Rename the first local header's name only: "a.txt" -> "x.txt".
  bytes[30] = 'x';
  auto object = testing::MakeMemoryObject(bytes);
  auto archive = ZipArchive::Open(*object, {});
  EXPECT_THROW(archive->LocateMember(archive->entries()[0]), Error);
  EXPECT_NO_THROW(archive->LocateMember(archive->entries()[1]));
}

// Issue 14: the member table of a million-member archive must fit a 256 MiB budget beside
// the plan, so an entry owns no heap string and the table costs its structs plus the names'
// bytes once (shared by raw and decoded name when they are the same).
TEST_F(ZipArchiveTest, MemberTableStaysCompact) {
  static_assert(sizeof(ArchiveEntry) <= 96, "ArchiveEntry grew: see issue 14's budget");
  static_assert(sizeof(ZipEntry) <= 32, "ZipEntry grew: see issue 14's budget");
  const auto path = Path("compact.zip");
  constexpr size_t kMembers = 100000;
  // Names as a build's output tree has them: project/module-NN/pkg-NNNN/file-NNNNNNN.txt.
  const std::string script =
      "with zipfile.ZipFile(out, 'w', zipfile.ZIP_STORED) as z:\n"
      "    for i in range(100000):\n"
      "        z.writestr(f'project/module-{i % 1000 // 32:02d}/pkg-{i % 1000:04d}/"
      "file-{i:07d}.txt', 'x')\n";
  testing::RunPythonZip(path, {}, script);
  const std::unique_ptr<RandomAccessObject> file = testing::OpenFileObject(path);
  const std::unique_ptr<ZipArchive> archive = ZipArchive::Open(*file, {});
  ASSERT_EQ(archive->entries().size(), kMembers);
  // 43-byte names: the structs, the name once, and under 10% for the arena's block tails.
  const size_t name_bytes = 43;
  const size_t per_entry = archive->table_bytes() / kMembers;
  EXPECT_LE(per_entry, sizeof(ArchiveEntry) + sizeof(ZipEntry) + name_bytes + 8) << per_entry;
  EXPECT_EQ(archive->entries()[kMembers - 1].name, "project/module-31/pkg-0999/file-0099999.txt");
}

}  // namespace
}  // namespace unpackd
