#include "support/archive_maker.h"

#include <fstream>
#include <random>
#include <stdexcept>

#include "support/file_object.h"

namespace unpackd::testing {

void WriteTree(const std::filesystem::path& dir, const MemberMap& members) {
  for (const auto& [name, content] : members) {
    const auto path = dir / name;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << content;
  }
}

void RunPythonZip(const std::filesystem::path& out, const MemberMap& members,
                  const std::string& script) {
  // Members travel through files so any bytes survive.
  const auto staging = out.string() + ".members";
  std::filesystem::create_directories(staging);
  std::string listing;
  int i = 0;
  for (const auto& [name, content] : members) {
    const auto file = std::filesystem::path(staging) / std::to_string(i++);
    std::ofstream(file, std::ios::binary) << content;
    std::ofstream(file.string() + ".name", std::ios::binary) << name;
  }
  const auto script_path = out.string() + ".py";
  std::ofstream(script_path) << "import os, sys, zipfile, io\n"
                             << "out = "
                             << "sys.argv[1]\n"
                             << "staging = sys.argv[2]\n"
                             << "members = {}\n"
                             << "for i in range(" << members.size() << "):\n"
                             << "    p = os.path.join(staging, str(i))\n"
                             << "    members[open(p + '.name', 'rb').read().decode('utf-8')] = "
                                "open(p, 'rb').read()\n"
                             << script << "\n";
  const int rc = RunCommand(Python() + " " + ShellQuote(script_path) + " " +
                            ShellQuote(out.string()) + " " + ShellQuote(staging));
  std::filesystem::remove_all(staging);
  std::filesystem::remove(script_path);
  if (rc != 0) throw std::runtime_error("python zip script failed for " + out.string());
}

void MakeZipWithPython(const std::filesystem::path& out, const MemberMap& members,
                       const std::string& compression) {
  RunPythonZip(out, members,
               "with zipfile.ZipFile(out, 'w', zipfile." + compression +
                   ") as z:\n"
                   "    for name, data in members.items():\n"
                   "        z.writestr(name, data)\n");
}

void CraftZip(const std::filesystem::path& out, const std::string& spec_json) {
  const auto spec = out.string() + ".spec.json";
  std::ofstream(spec) << spec_json;
  const int rc = RunCommand(Python() + " " + ShellQuote(ToolPath("zipcraft.py")) + " --spec " +
                            ShellQuote(spec) + " " + ShellQuote(out.string()));
  std::filesystem::remove(spec);
  if (rc != 0) throw std::runtime_error("zipcraft failed for " + out.string());
}

std::string RandomBytes(size_t size, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(size, '\0');
  for (auto& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

std::string TextBytes(size_t size, uint32_t seed) {
  static const char* kWords[] = {"unpackd ", "archive ", "member ", "결과 ", "stream ",
                                 "bucket ",  "object ",  "데이터 ", "\n"};
  std::mt19937 rng(seed);
  std::string s;
  s.reserve(size + 16);
  while (s.size() < size) s += kWords[rng() % 9];
  s.resize(size);
  return s;
}

MemberMap ToolTestTree() {
  return {{"readme.txt", "plain text\n"},
          {"data/result.json", R"({"결과": [1, 2, 3]})"},
          {"data/blob.bin", RandomBytes(200'000, 11)},
          {"big/text.log", TextBytes(3'000'000, 12)},
          {"한글 폴더/파일 이름.txt", "한국어 내용\n"},
          {"empty.txt", ""}};
}

}  // namespace unpackd::testing
