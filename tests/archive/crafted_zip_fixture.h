// A fixture for ZIP parser tests: builds archives (tests/tools/zipcraft.py specs, or any file a
// test wrote), opens them with ZipReader, and checks refusals, names, findings and contents.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "archive/zip/zip_reader.h"
#include "support/archive_maker.h"
#include "support/file_object.h"
#include "support/temp_dir.h"
#include "util/error.h"

namespace unpackd::testing {

class CraftedZipTest : public ::testing::Test {
 protected:
  std::filesystem::path Craft(const std::string& name, const std::string& spec_json) {
    const auto path = dir_.path() / name;
    CraftZip(path, spec_json);
    return path;
  }

  // The reader and the file it reads live as long as the test.
  const ZipReader& Open(const std::filesystem::path& path) {
    objects_.push_back(OpenFileObject(path));
    readers_.push_back(ZipReader::Open(*objects_.back(), {}));
    return *readers_.back();
  }

  // Expects Open to refuse the archive with a message holding every one of `needles`.
  void ExpectRefused(const std::filesystem::path& path, const std::vector<std::string>& needles) {
    try {
      const ZipReader& reader = Open(path);
      ADD_FAILURE() << path.filename() << " was opened with " << reader.entries().size()
                    << " members";
    } catch (const Error& e) {
      ExpectRefusal(e, needles);
    }
  }

  static void ExpectRefusal(const Error& e, const std::vector<std::string>& needles) {
    EXPECT_EQ(e.kind(), ErrorKind::kArchiveRefused) << e.what();
    for (const auto& n : needles) {
      EXPECT_NE(std::string(e.what()).find(n), std::string::npos)
          << "'" << n << "' not in: " << e.what();
    }
  }

  static std::vector<std::string> Names(const ZipReader& reader) {
    std::vector<std::string> names;
    for (const ArchiveEntry& e : reader.entries()) names.emplace_back(e.name);
    return names;
  }

  static std::vector<std::string> FindingCodes(const ZipReader& reader) {
    std::vector<std::string> codes;
    for (const Finding& f : reader.StructuralFindings()) codes.push_back(f.code);
    return codes;
  }

  // Member `index`'s content, read with every local-header and data-descriptor check.
  static std::string Content(const ZipReader& reader, size_t index) {
    auto member = reader.zip().OpenMember(reader.entries().at(index));
    std::string out;
    std::vector<std::byte> buf(4096);
    for (size_t n; (n = member->Read(buf)) > 0;) out.append(reinterpret_cast<char*>(buf.data()), n);
    return out;
  }

  TempDir dir_;
  std::vector<std::unique_ptr<RandomAccessObject>> objects_;
  std::vector<std::unique_ptr<ZipReader>> readers_;
};

}  // namespace unpackd::testing
