// SqsDoubleFixture: tests/tools/sqs_double.py, a test double of Amazon SQS's documented JSON
// API (no SQS server can run here), on 127.0.0.1 for one test. Starts it with the given queues
// and redrive policies, waits for its "listening" line, and stops it when destroyed. It checks
// every request's SigV4 signature against the key pair S3RVER/S3RVER (as s3rver's), so the
// same credentials serve both in a test.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/listening_tool.h"

namespace unpackd::testing {

class SqsDoubleFixture {
 public:
  static constexpr const char* kRegion = "us-east-1";

  struct Options {
    std::vector<std::string> queues = {"incoming"};
    // "SOURCE=DLQ:maxReceiveCount"
    std::vector<std::string> redrive;
    int visibility_timeout_seconds = 30;
  };

  // Throws std::runtime_error with the double's output if it does not start within 10 s.
  explicit SqsDoubleFixture(const Options& options);

  int port() const { return tool_.port(); }
  // http://127.0.0.1:<port>/000000000000/<name>
  std::string QueueUrl(const std::string& name) const;
  // The double's view: {"queues": {name: {"depth", "messages": [{"body", "state",
  // "receive_count"}]}}, "requests": {action: count}}; null when it does not answer.
  nlohmann::json Snapshot() const;
  // Messages in `queue` (visible, delayed or in flight); -1 when the double does not answer.
  int Depth(const std::string& queue) const;
  std::string log() const { return tool_.log(); }

 private:
  ListeningTool tool_;
};

}  // namespace unpackd::testing
