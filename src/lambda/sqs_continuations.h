// SqsContinuations: continuations sent as messages to the queue that feeds the function, for
// functions fed by SQS (deploy/aws/template.yaml's UseQueue). The message comes back to the
// function as an ordinary SQS record whose body is the continuation, with the queue's own
// retries and dead-letter queue behind it; the record that started the job is then answered as
// done. The function's role needs sqs:SendMessage on its queue.
#pragma once

#include <memory>
#include <string>

#include "lambda/continuation.h"

namespace unpackd::aws {
class SqsClient;
struct SqsClientConfig;
}  // namespace unpackd::aws

namespace unpackd::lambda {

class SqsContinuations final : public ContinuationSender {
 public:
  // Sends to the queue `client` names. Throws Error(kUsage, "bad-config") for a malformed queue
  // URL or endpoint.
  explicit SqsContinuations(const aws::SqsClientConfig& client);
  ~SqsContinuations() override;

  void Send(const Continuation& continuation) override;

 private:
  std::unique_ptr<aws::SqsClient> client_;
};

}  // namespace unpackd::lambda
