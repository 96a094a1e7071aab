// S3rverFixture: a real S3-compatible server (s3rver, pinned in tests/s3/package-lock.json)
// on 127.0.0.1 for one test or test suite. Starts on a free port with a fresh temporary data
// directory, waits until it answers, creates the buckets asked for; stops it and deletes the
// directory when destroyed. Stop()/Start() simulate an outage mid-run (same port, same data).
//
// s3rver accepts any request whose access key id is "S3RVER" without checking the SigV4
// signature, rejects other key ids with InvalidAccessKeyId, and does not implement
// AbortMultipartUpload/ListMultipartUploads or If-Match on GET: tests must not rely on its
// quirks (signing is proven by AWS's test vectors instead).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace unpackd::testing {

class S3rverFixture {
 public:
  static constexpr const char* kAccessKeyId = "S3RVER";
  static constexpr const char* kSecretAccessKey = "S3RVER";

  // Throws std::runtime_error (with the server's log) if node or s3rver is missing
  // (run scripts/install-deps.sh) or the server does not answer within 20 seconds.
  struct Options {
    std::vector<std::string> buckets = {"unpackd-test"};
    // Serve https with a fresh self-signed certificate for 127.0.0.1 (made with the openssl
    // command); ca_file() is the PEM file to trust.
    bool tls = false;
    // Also answer virtual-hosted requests: http://<bucket>.s3.localhost:<port>/key (libcurl
    // resolves every *.localhost name to the loopback address by itself).
    bool virtual_hosts = false;
  };

  explicit S3rverFixture(std::vector<std::string> buckets = {"unpackd-test"})
      : S3rverFixture(Options{std::move(buckets)}) {}
  explicit S3rverFixture(Options options);
  ~S3rverFixture();
  S3rverFixture(const S3rverFixture&) = delete;
  S3rverFixture& operator=(const S3rverFixture&) = delete;

  // "http://127.0.0.1:<port>" ("https://..." with tls; "http://s3.localhost:<port>" with
  // virtual_hosts)
  std::string endpoint() const;
  // The self-signed certificate (tls only).
  const std::string& ca_file() const { return ca_file_; }
  int port() const { return port_; }
  const std::string& data_dir() const { return data_dir_; }

  // Creates a bucket on the running server (plain http only).
  void CreateBucket(const std::string& name);

  // Stops the server (SIGTERM, then SIGKILL after 5 s). Idempotent.
  void Stop();
  // Starts it again on the same port with the same data. No-op if running.
  void Start();
  bool running() const { return pid_ > 0; }

  // Sets AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (and clears AWS_SESSION_TOKEN) so that
  // processes started by the test, and the default credential chain, talk to this server.
  static void ExportCredentials();

  // Path of s3rver's entry script (under UNPACKD_SOURCE_DIR, else next to this source file).
  static std::string ScriptPath();

 private:
  void Launch();
  void WaitUntilAnswering();

  std::vector<std::string> buckets_;
  std::string root_dir_;
  std::string data_dir_;
  std::string log_path_;
  bool tls_ = false;
  bool virtual_hosts_ = false;
  std::string ca_file_;
  std::string key_file_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace unpackd::testing
