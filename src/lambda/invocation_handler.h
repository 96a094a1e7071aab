// InvocationHandler: one Lambda invocation, from its event to its answer. The event's archives
// are admitted by the same rules as `serve` (rules/event_admission.h: loop prevention included),
// each runs as one ExtractJob, and each job's end is delivered to the rule's notification
// targets before the invocation answers (Lambda has no outbox: a delivery that fails fails the
// invocation, and AWS's retry brings the same event id, which receivers drop).
//
// Deadlines: the invocation stops starting members a safety margin before Lambda's deadline
// (lambda_settings.h), keeps what it wrote, and hands the rest of the job to a new invocation
// (continuation.h); the invocation that finishes the archive writes its manifest and notifies.
//
// Outcomes: an S3 or EventBridge event, or a continuation, succeeds when its jobs are done or
// handed over, and fails otherwise (a refused archive too: AWS then keeps the event for the
// function's on-failure destination). An SQS batch always answers with a response naming the
// failed records in batchItemFailures, so SQS deletes the others and redelivers only those.
//
// Thread safety: one invocation at a time (the runtime loop's).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "extract/extract_job.h"
#include "lambda/continuation.h"
#include "lambda/invocation.h"
#include "lambda/lambda_log.h"
#include "lambda/lambda_settings.h"
#include "notify/notification.h"
#include "notify/notification_target.h"
#include "rules/service_config.h"
#include "store/object_store.h"
#include "util/executor.h"

namespace unpackd::lambda {

using TargetsByName = std::map<std::string, std::unique_ptr<notify::NotificationTarget>>;

// What the handler works with; everything is borrowed and must outlive it.
struct HandlerServices {
  const ServiceConfig* config = nullptr;
  const LambdaSettings* settings = nullptr;
  ObjectStore* store = nullptr;  // where archives are read and their members written (S3)
  Executor* executor = nullptr;  // shaped by settings->plan, plus one service thread
  ContinuationSender* continuations = nullptr;
  const TargetsByName* targets = nullptr;  // every configured target, by name
  LambdaLog* log = nullptr;
};

class InvocationHandler {
 public:
  explicit InvocationHandler(const HandlerServices& services);

  // Runs everything `invocation` carries and returns its answer. Never throws for anything the
  // event, the store or a target does: those become the answer (an error, or batch item
  // failures) and log lines.
  InvocationReply Handle(const Invocation& invocation);

 private:
  struct Context;
  struct Outcome;
  struct Job;

  Outcome RunItem(const std::string& message, Context& context);
  Outcome RunJob(const Job& job, Context& context);
  Outcome Continue(const Job& job, uint64_t members_written, Context& context);
  // The Step Functions fan-out (deploy/aws): its planning state, and its failure state.
  Outcome Plan(const Job& job, Context& context);
  Outcome ReportFailure(const Job& job, const std::string& why, Context& context);
  // Whether this run is the one to tell of a final failure (notify/notified_marker.h).
  bool ClaimFailure(const notify::JobOutcome& outcome, const std::string& etag);
  // Delivers `outcome`'s notification to the rule's targets; false when one was not delivered.
  bool Notify(const Job& job, const notify::JobOutcome& outcome, bool already_complete,
              Context& context);

  HandlerServices services_;
};

}  // namespace unpackd::lambda
