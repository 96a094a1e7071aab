#include "support/s3rver_fixture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/loopback_port.h"
#include "support/spawn_process.h"

namespace unpackd::testing {
namespace {

namespace fs = std::filesystem;

// One plain HTTP/1.0 exchange; returns the raw response ("" if nothing answered).
std::string RawHttp(int port, const std::string& request) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return {};
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  timeval timeout{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  std::string response;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(request.size())) {
    char buf[4096];
    ssize_t n;
    while ((n = ::recv(fd, buf, sizeof(buf), 0)) > 0) response.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return response;
}

bool CanConnect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::string S3rverFixture::ScriptPath() {
  const char* source_dir = std::getenv("UNPACKD_SOURCE_DIR");
  // The build's own source folder otherwise (a compile definition: __FILE__ may be relative).
  fs::path root = source_dir != nullptr ? fs::path(source_dir) : fs::path(UNPACKD_SOURCE_DIR_PATH);
  return (root / "tests/s3/node_modules/s3rver/bin/s3rver.js").string();
}

void S3rverFixture::ExportCredentials() {
  ::setenv("AWS_ACCESS_KEY_ID", kAccessKeyId, 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", kSecretAccessKey, 1);
  ::unsetenv("AWS_SESSION_TOKEN");
}

S3rverFixture::S3rverFixture(Options options)
    : buckets_(std::move(options.buckets)),
      tls_(options.tls),
      virtual_hosts_(options.virtual_hosts) {
  if (!fs::exists(ScriptPath())) {
    throw std::runtime_error("s3rver is not installed at " + ScriptPath() +
                             " (run scripts/install-deps.sh, or npm ci in tests/s3)");
  }
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
      std::string(tmp != nullptr && *tmp ? tmp : "/tmp") + "/unpackd-s3rver-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  root_dir_ = pattern;
  data_dir_ = root_dir_ + "/data";
  log_path_ = root_dir_ + "/s3rver.log";
  fs::create_directories(data_dir_);
  if (tls_) {
    ca_file_ = root_dir_ + "/cert.pem";
    key_file_ = root_dir_ + "/key.pem";
    const std::string command =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 "
        "-addext subjectAltName=IP:127.0.0.1 -keyout '" +
        key_file_ + "' -out '" + ca_file_ + "' >/dev/null 2>&1";
    if (std::system(command.c_str()) != 0) {
      fs::remove_all(root_dir_);
      throw std::runtime_error("cannot make a test certificate with the openssl command");
    }
  }
  // The port is free when probed but could be taken before s3rver binds it: retry a few times.
  for (int attempt = 0;; ++attempt) {
    port_ = FreeLoopbackPort();
    try {
      Start();
      return;
    } catch (const std::exception&) {
      Stop();
      if (attempt == 2) {
        fs::remove_all(root_dir_);
        throw;
      }
    }
  }
}

S3rverFixture::~S3rverFixture() {
  Stop();
  const char* verbose = std::getenv("UNPACKD_S3RVER_VERBOSE");
  if (verbose != nullptr && std::string(verbose) == "1") {
    std::fprintf(stderr, "s3rver log:\n%s\n", ReadFile(log_path_).c_str());
  }
  std::error_code ignored;
  fs::remove_all(root_dir_, ignored);
}

std::string S3rverFixture::endpoint() const {
  return std::string(tls_ ? "https" : "http") + "://" +
         (virtual_hosts_ ? "s3.localhost" : "127.0.0.1") + ":" + std::to_string(port_);
}

void S3rverFixture::Launch() {
  // s3rver encrypts ListObjectsV2 continuation tokens with DES, which Node's OpenSSL 3 only
  // offers through the legacy provider; without it every paginated listing fails with a 500.
  std::vector<std::string> args = {"node",
                                   "--openssl-legacy-provider",
                                   ScriptPath(),
                                   "--directory",
                                   data_dir_,
                                   "--address",
                                   "127.0.0.1",
                                   "--port",
                                   std::to_string(port_),
                                   "--no-vhost-buckets"};
  if (virtual_hosts_) {
    // s3rver maps <bucket>.s3.<service endpoint> to the bucket.
    args.push_back("--service-endpoint");
    args.push_back("localhost");
  }
  // UNPACKD_S3RVER_VERBOSE=1 keeps s3rver's request log and prints it when the fixture ends.
  const char* verbose = std::getenv("UNPACKD_S3RVER_VERBOSE");
  if (verbose == nullptr || std::string(verbose) != "1") args.push_back("--silent");
  if (tls_) {
    for (const std::string& arg :
         {std::string("--key"), key_file_, std::string("--cert"), ca_file_}) {
      args.push_back(arg);
    }
  }
  for (const auto& bucket : buckets_) {
    args.push_back("--configure-bucket");
    args.push_back(bucket);
  }
  try {
    pid_ = SpawnProcess(args, log_path_, log_path_);
  } catch (const std::runtime_error&) {
    throw std::runtime_error("cannot start node (is Node.js installed?)");
  }
}

void S3rverFixture::WaitUntilAnswering() {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("s3rver exited at startup: " + ReadFile(log_path_));
    }
    // Over TLS a plain request gets no HTTP answer; an accepted connection shows readiness.
    if (tls_ ? CanConnect(port_)
             : RawHttp(port_, "GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").rfind("HTTP/1.", 0) ==
                   0) {
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("s3rver did not answer on port " + std::to_string(port_) +
                           " within 20 s: " + ReadFile(log_path_));
}

void S3rverFixture::Start() {
  if (running()) return;
  Launch();
  WaitUntilAnswering();
}

void S3rverFixture::Stop() {
  if (!running()) return;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  int status = 0;
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  pid_ = -1;
}

void S3rverFixture::CreateBucket(const std::string& name) {
  if (tls_) throw std::runtime_error("CreateBucket needs plain http; pass the bucket at start");
  // s3rver serves unsigned requests as an anonymous owner, which is all bucket creation needs.
  std::string response = RawHttp(port_, "PUT /" + name +
                                            " HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: "
                                            "0\r\n\r\n");
  if (response.rfind("HTTP/1.1 200", 0) != 0 && response.rfind("HTTP/1.0 200", 0) != 0) {
    throw std::runtime_error("s3rver refused to create bucket " + name + ": " + response);
  }
  buckets_.push_back(name);
}

}  // namespace unpackd::testing
