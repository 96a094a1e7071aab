// Makes test archives with real tools (Python's zipfile, Info-ZIP zip) at test time.
#pragma once

#include <filesystem>
#include <map>
#include <string>

namespace unpackd::testing {

// Member name -> content.
using MemberMap = std::map<std::string, std::string>;

// Writes `members` as files under `dir` (creating folders) - the input for zip/7z/bsdtar.
void WriteTree(const std::filesystem::path& dir, const MemberMap& members);

// Runs a Python snippet with Debian's python3; `script` may use the variables `out` (the
// output path as str) and `members` (a dict str -> bytes, from `members`). Throws on failure.
void RunPythonZip(const std::filesystem::path& out, const MemberMap& members,
                  const std::string& script);

// The usual case: zipfile with `compression` ("ZIP_DEFLATED", "ZIP_STORED", ...).
void MakeZipWithPython(const std::filesystem::path& out, const MemberMap& members,
                       const std::string& compression = "ZIP_DEFLATED");

// Builds a tests/tools/zipcraft.py spec (JSON text, see the tool's header) into `out`. Throws
// on failure.
void CraftZip(const std::filesystem::path& out, const std::string& spec_json);

// What the real-tool tests pack and compare: text, JSON, an incompressible blob, a 3 MB log,
// Korean folder and file names with a space, an empty file.
MemberMap ToolTestTree();

// Deterministic pseudo-random bytes (incompressible) and compressible text of `size` bytes.
std::string RandomBytes(size_t size, uint32_t seed);
std::string TextBytes(size_t size, uint32_t seed);

}  // namespace unpackd::testing
