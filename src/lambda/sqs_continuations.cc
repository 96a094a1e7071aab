#include "lambda/sqs_continuations.h"

#include "cloud/aws/sqs_client.h"

namespace unpackd::lambda {

SqsContinuations::SqsContinuations(const aws::SqsClientConfig& client)
    : client_(std::make_unique<aws::SqsClient>(client)) {}

SqsContinuations::~SqsContinuations() = default;

void SqsContinuations::Send(const Continuation& continuation) {
  client_->SendMessage(ContinuationJson(continuation));
}

}  // namespace unpackd::lambda
