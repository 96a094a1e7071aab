// ServiceConfig: what `unpackd serve` (and later `lambda` and queue workers) runs with: the
// rules that turn events into jobs, and where events come from. Loaded from a TOML file
// (docs/serve.md shows every field), each field overridable by an environment variable;
// without a file, one default rule (every bucket, the suffixes of every format unpackd reads,
// the default destination).
//
// Thread safety: immutable after loading; share it freely.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "extract/limits.h"
#include "notify/target_config.h"

namespace unpackd {

struct Rule {
  std::string name;
  std::vector<std::string> buckets;   // empty: any bucket
  std::vector<std::string> prefixes;  // empty: any key
  // Case-insensitive. The default: every format unpackd reads (a .gz that holds no tar is one
  // file); the format itself is decided from content.
  std::vector<std::string> suffixes{".zip",     ".tar",    ".tar.gz",  ".tgz",
                                    ".tar.bz2", ".tar.xz", ".tar.zst", ".gz"};
  std::string destination_template;  // empty: kDefaultDestinationTemplate
  std::string destination_bucket;    // empty: the archive's bucket
  ExtractionLimits limits;
  OnErrorPolicy on_error = OnErrorPolicy::kFail;
  bool prune = true;
  std::vector<std::string> notify;  // notification target names (notifications)
};

struct HttpSourceConfig {
  std::string listen = "127.0.0.1:8650";  // host:port of the event webhook and /healthz
  std::string path = "/events";           // where S3 servers POST event records
  std::string bearer_token;               // accepted as "Authorization: Bearer <token>"
  std::string hmac_secret;                // accepted as a signature header (docs/serve.md)
  size_t max_body_bytes = size_t{1} << 20;
};

// An Amazon SQS queue that S3 event notifications reach (directly, through SNS or through
// EventBridge), consumed with long polls (serve/sqs_source.h, docs/serve.md).
struct SqsSourceConfig {
  std::string queue_url;  // https://sqs.<region>.amazonaws.com/<account>/<queue>
  std::string endpoint;   // empty: the queue URL's scheme and host
  // Signing region. Empty: from a sqs.<region>.amazonaws.com host, else AWS_REGION or
  // AWS_DEFAULT_REGION.
  std::string region;
  int wait_seconds = 20;                // long poll, 0 to 20
  int max_messages = 10;                // per receive, 1 to 10
  int visibility_timeout_seconds = 60;  // 1 to 43200; extended while a message is offered

  bool operator==(const SqsSourceConfig&) const = default;
};

// An AMQP 0-9-1 queue (RabbitMQ) that S3 servers publish bucket events to (docs/serve.md).
struct AmqpSourceConfig {
  // amqp://user:password@host:port/vhost (the vhost percent-encoded: "%2f" is "/"); without
  // user and password RabbitMQ's default "guest", which it accepts from loopback only.
  std::string url;
  std::string queue = "unpackd";  // consumed with manual acknowledgements
  // Empty: the queue must already exist (declared by the operator, with its dead-letter
  // exchange). Set: the queue is declared durable and bound to this exchange (which must
  // exist: radosgw and MinIO declare their own) with binding_key.
  std::string exchange;
  std::string binding_key = "#";
  uint16_t prefetch = 16;           // unacknowledged deliveries at once (basic.qos)
  uint16_t heartbeat_seconds = 60;  // 0: no heartbeats
};

// Fleet mode (docs/scaling.md): many `serve` processes on any hosts consume one queue (the
// SQS or AMQP source) as competing consumers and share nothing else but the object store. A
// queue message is then settled only when its job has ended (not when it is recorded in the
// local job store), notifications go out before that, and an archive above the shard bounds is
// handed out as shard jobs on the same queue.
struct FleetConfig {
  bool enabled = false;
  // Fan out an archive whose plan holds more than either (0: no bound), into as many shards as
  // keep each within both.
  uint64_t max_shard_bytes = uint64_t{4} << 30;
  uint64_t max_shard_members = 20'000;
  // Runs of one job or shard (each retry is a new message) before it fails for good.
  int max_attempts = 5;

  bool operator==(const FleetConfig&) const = default;
};

struct ServiceConfig {
  std::vector<Rule> rules;
  std::string state_dir = "./unpackd-state";  // the job store (SQLite) lives here
  size_t workers = 4;                         // jobs at once
  std::string memory = "1GiB";                // one budget for all jobs
  // Sources; any number at once.
  std::optional<std::string> watch_root;  // local store root watched with inotify
  std::optional<HttpSourceConfig> http;
  std::optional<SqsSourceConfig> sqs;
  std::optional<AmqpSourceConfig> amqp;
  FleetConfig fleet;
  std::string store_endpoint;  // S3 endpoint for s3:// sources (empty: AWS)
  // Where notifications go ([targets.<name>]; docs/notifications.md), by the names rules use.
  // Secrets are named here (an environment variable or a file), not held.
  std::map<std::string, notify::TargetConfig> targets;
  // A notification not delivered for this long is dead-lettered ([notifications] max_age).
  std::chrono::seconds notification_max_age{24 * 3600};
  // The longest pause between two delivery attempts ([notifications] max_retry_interval_seconds).
  std::chrono::seconds notification_max_retry_interval{600};
};

// Reads `path` (empty: the TOML text in $UNPACKD_CONFIG_TOML, for functions configured by their
// environment alone; neither: no file) then the environment (UNPACKD_* variables, named in
// docs/serve.md). Throws Error(kUsage, code "bad-config") saying which field and why, including
// a rule whose destination could match its own source filter (it would extract its own output
// forever).
ServiceConfig LoadServiceConfig(const std::string& path);

// One environment variable's value, "" when unset or empty (util/env.h's GetEnv).
using EnvLookup = std::function<std::string(const std::string& name)>;

// The same, reading the environment through `env` (tests pass a map).
ServiceConfig LoadServiceConfig(const std::string& path, const EnvLookup& env);

}  // namespace unpackd
