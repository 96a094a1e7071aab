#include "support/file_object.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace unpackd::testing {
namespace {

class FileObject final : public RandomAccessObject {
 public:
  explicit FileObject(const std::filesystem::path& path)
      : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (fd_ < 0) throw std::runtime_error("cannot open " + path.string());
    info_.size = std::filesystem::file_size(path);
    info_.etag = "file";
  }
  ~FileObject() override { ::close(fd_); }
  const ObjectInfo& info() const override { return info_; }
  size_t ReadAt(uint64_t offset, std::span<std::byte> dst) override {
    size_t got = 0;
    while (got < dst.size()) {
      const ssize_t n =
          ::pread(fd_, dst.data() + got, dst.size() - got, static_cast<off_t>(offset + got));
      if (n < 0) throw std::runtime_error(std::strerror(errno));
      if (n == 0) break;
      got += static_cast<size_t>(n);
    }
    return got;
  }

 private:
  int fd_;
  ObjectInfo info_;
};

class MemoryObject final : public RandomAccessObject {
 public:
  explicit MemoryObject(std::vector<std::byte> bytes) : bytes_(std::move(bytes)) {
    info_.size = bytes_.size();
    info_.etag = "memory";
  }
  const ObjectInfo& info() const override { return info_; }
  size_t ReadAt(uint64_t offset, std::span<std::byte> dst) override {
    if (offset >= bytes_.size()) return 0;
    const size_t n = std::min<size_t>(dst.size(), bytes_.size() - offset);
    std::memcpy(dst.data(), bytes_.data() + offset, n);
    return n;
  }

 private:
  std::vector<std::byte> bytes_;
  ObjectInfo info_;
};

}  // namespace

std::unique_ptr<RandomAccessObject> OpenFileObject(const std::filesystem::path& path) {
  return std::make_unique<FileObject>(path);
}

std::unique_ptr<RandomAccessObject> MakeMemoryObject(std::vector<std::byte> bytes) {
  return std::make_unique<MemoryObject>(std::move(bytes));
}

std::unique_ptr<RandomAccessObject> MakeMemoryObject(const std::string& bytes) {
  std::vector<std::byte> v(bytes.size());
  std::memcpy(v.data(), bytes.data(), bytes.size());
  return MakeMemoryObject(std::move(v));
}

std::vector<std::byte> ReadFileBytes(const std::filesystem::path& path) {
  const std::string s = ReadFileString(path);
  std::vector<std::byte> v(s.size());
  std::memcpy(v.data(), s.data(), s.size());
  return v;
}

std::string ReadFileString(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int RunCommand(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

std::string RunCommandOutput(const std::string& command) {
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) throw std::runtime_error("popen failed: " + command);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  const int status = ::pclose(pipe);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error("command failed (" + std::to_string(status) + "): " + command);
  }
  return out;
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

std::string Python() {
  return std::filesystem::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
}

std::string ToolPath(const std::string& name) {
  const char* dir = std::getenv("UNPACKD_TEST_TOOLS");
  std::filesystem::path base =
      dir && *dir ? std::filesystem::path(dir) : std::filesystem::path(UNPACKD_TEST_TOOLS_DIR);
  return (base / name).string();
}

}  // namespace unpackd::testing
