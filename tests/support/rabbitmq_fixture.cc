#include "support/rabbitmq_fixture.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "support/file_object.h"
#include "support/loopback_port.h"
#include "support/spawn_process.h"
#include "util/error.h"

namespace unpackd::testing {

namespace {

// Debian's /usr/sbin/rabbitmq-server wrapper switches to the rabbitmq user and the system
// node's folders; the script behind it runs the broker as we are, with our environment.
constexpr const char* kServer = "/usr/lib/rabbitmq/bin/rabbitmq-server";
constexpr const char* kEpmd = "/usr/bin/epmd";

// Ends `pid` with `signal`, then SIGKILL after `patience`; reaps it. False if it had to be
// killed.
bool EndProcess(pid_t pid, int signal, std::chrono::seconds patience) {
  ::kill(pid, signal);
  const auto deadline = std::chrono::steady_clock::now() + patience;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

}  // namespace

bool RabbitMqFixture::Installed() {
  return ::access(kServer, X_OK) == 0 && ::access(kEpmd, X_OK) == 0;
}

RabbitMqFixture::RabbitMqFixture(bool start) {
  port_ = FreeLoopbackPort();
  dist_port_ = FreeLoopbackPort();
  epmd_port_ = FreeLoopbackPort();
  std::filesystem::create_directories(dir_.path() / "mnesia");
  std::filesystem::create_directories(dir_.path() / "log");
  // Started here (not by the broker, which would daemonize it out of reach) so that its pid
  // is ours to end, and bound to loopback only.
  epmd_pid_ =
      SpawnProcess({kEpmd, "-address", "127.0.0.1", "-port", std::to_string(epmd_port_)},
                   (dir_.path() / "epmd.log").string(), (dir_.path() / "epmd.log").string());
  if (!start) return;
  try {
    Start();
  } catch (...) {
    // No destructor runs for a constructor that throws: end epmd here.
    EndProcess(epmd_pid_, SIGTERM, std::chrono::seconds(5));
    throw;
  }
}

RabbitMqFixture::~RabbitMqFixture() {
  Stop();
  if (epmd_pid_ > 0) EndProcess(epmd_pid_, SIGTERM, std::chrono::seconds(5));
}

std::vector<std::string> RabbitMqFixture::Environment() const {
  const std::string dir = dir_.path().string();
  return {
      "HOME=" + dir,  // the Erlang cookie
      "ERL_EPMD_ADDRESS=127.0.0.1",
      "ERL_EPMD_PORT=" + std::to_string(epmd_port_),
      "ERL_CRASH_DUMP=" + dir + "/erl_crash.dump",
      "RABBITMQ_NODENAME=rabbit@localhost",
      "RABBITMQ_NODE_IP_ADDRESS=127.0.0.1",
      "RABBITMQ_NODE_PORT=" + std::to_string(port_),
      "RABBITMQ_DIST_PORT=" + std::to_string(dist_port_),
      "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=-kernel inet_dist_use_interface {127,0,0,1}",
      "RABBITMQ_MNESIA_BASE=" + dir + "/mnesia",
      "RABBITMQ_LOG_BASE=" + dir + "/log",
      "RABBITMQ_PID_FILE=" + dir + "/rabbit.pid",
      // Nothing from /etc/rabbitmq: the system's settings are not the test's.
      "RABBITMQ_CONF_ENV_FILE=" + dir + "/rabbitmq-env.conf",
      "RABBITMQ_CONFIG_FILE=" + dir + "/rabbitmq",
      "RABBITMQ_ADVANCED_CONFIG_FILE=" + dir + "/advanced.config",
      "RABBITMQ_ENABLED_PLUGINS_FILE=" + dir + "/enabled_plugins",
  };
}

void RabbitMqFixture::Start() {
  if (running()) return;
  std::vector<std::string> args = {"env"};
  for (std::string& variable : Environment()) args.push_back(std::move(variable));
  args.emplace_back(kServer);
  const std::string log_path = (dir_.path() / "server.log").string();
  server_pid_ = SpawnProcess(args, log_path, log_path);
  WaitUntilAnswering();
}

void RabbitMqFixture::WaitUntilAnswering() {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
  amqp::AmqpConnectOptions options;
  options.connect_timeout = std::chrono::seconds(2);
  std::string last_error;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(server_pid_, &status, WNOHANG) == server_pid_) {
      server_pid_ = -1;
      throw std::runtime_error("rabbitmq-server exited at startup:\n" + log());
    }
    try {
      amqp::AmqpConnection probe(endpoint(), options);
      return;
    } catch (const Error& e) {
      last_error = e.what();
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  const std::string text = log();
  Stop();
  throw std::runtime_error("rabbitmq-server did not answer on port " + std::to_string(port_) +
                           " within 2 minutes (" + last_error + "):\n" + text);
}

void RabbitMqFixture::Stop() {
  if (!running()) return;
  // The script forwards SIGTERM to the Erlang VM, which stops the broker gracefully (the
  // same as `rabbitmqctl stop`, without starting a second VM for the CLI).
  const bool graceful = EndProcess(server_pid_, SIGTERM, std::chrono::seconds(60));
  server_pid_ = -1;
  // If the script had to be killed, its VM is left: end it by the pid the broker wrote.
  std::ifstream pid_file(dir_.path() / "rabbit.pid");
  pid_t vm = -1;
  if (!graceful && pid_file >> vm && vm > 0) ::kill(vm, SIGKILL);
}

std::string RabbitMqFixture::url() const {
  return "amqp://guest:guest@127.0.0.1:" + std::to_string(port_) + "/%2f";
}

amqp::AmqpEndpoint RabbitMqFixture::endpoint() const {
  amqp::AmqpEndpoint endpoint;
  endpoint.host = "127.0.0.1";
  endpoint.port = port_;
  return endpoint;
}

std::unique_ptr<amqp::AmqpConnection> RabbitMqFixture::Connect() const {
  return std::make_unique<amqp::AmqpConnection>(endpoint(), amqp::AmqpConnectOptions{});
}

std::string RabbitMqFixture::log() const { return ReadFileString(dir_.path() / "server.log"); }

}  // namespace unpackd::testing
