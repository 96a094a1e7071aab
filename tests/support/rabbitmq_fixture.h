// RabbitMqFixture: a private RabbitMQ (Debian's rabbitmq-server) on 127.0.0.1 for one test.
// Everything it needs lives in a fresh temporary folder (node data, logs, Erlang cookie);
// its own epmd (Erlang's port mapper) runs on a free loopback port, so nothing binds 0.0.0.0
// and nothing is shared with another test or a system broker. Stop()/Start() restart the
// broker on the same ports with the same data (durable queues and persistent messages stay).
// The destructor stops the broker and the epmd it started, by process id.
//
// The broker needs ~2.5 s to answer on an idle machine and much longer on a busy one: the
// fixture waits up to two minutes for the AMQP handshake.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "queue/amqp/amqp_connection.h"
#include "queue/amqp/amqp_url.h"
#include "support/temp_dir.h"

namespace unpackd::testing {

class RabbitMqFixture {
 public:
  // False when rabbitmq-server or epmd is missing: tests then GTEST_SKIP with kNotInstalled.
  static bool Installed();
  static constexpr const char* kNotInstalled =
      "rabbitmq-server is not installed (scripts/install-deps.sh installs it)";

  // Starts epmd and, unless `start` is false, the broker. Throws std::runtime_error with the
  // broker's log if it exits or does not answer in time.
  explicit RabbitMqFixture(bool start = true);
  ~RabbitMqFixture();
  RabbitMqFixture(const RabbitMqFixture&) = delete;
  RabbitMqFixture& operator=(const RabbitMqFixture&) = delete;

  // Starts the broker and waits until it answers. No-op if running.
  void Start();
  // Stops the broker gracefully (SIGTERM; SIGKILL after a minute). Idempotent.
  void Stop();
  bool running() const { return server_pid_ > 0; }

  int port() const { return port_; }
  // amqp://guest:guest@127.0.0.1:<port>/%2f (guest may log in from loopback).
  std::string url() const;
  amqp::AmqpEndpoint endpoint() const;
  // A new connection as guest; throws the connection's Error.
  std::unique_ptr<amqp::AmqpConnection> Connect() const;
  std::string log() const;

 private:
  std::vector<std::string> Environment() const;
  void WaitUntilAnswering();

  TempDir dir_;  // first: removed only after the processes have ended
  int port_ = 0;
  int dist_port_ = 0;
  int epmd_port_ = 0;
  pid_t epmd_pid_ = -1;
  pid_t server_pid_ = -1;
};

}  // namespace unpackd::testing
