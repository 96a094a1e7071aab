// AmqpConnection: one connection to an AMQP 0-9-1 broker (RabbitMQ) with the one channel it
// uses, over rabbitmq-c. What a consumer needs (prefetch, consume with manual
// acknowledgements, receive with a timeout, ack/nack/reject), what its set-up needs (declare
// and bind queues and exchanges) and a plain publish (for tests and notifications).
//
// Ownership: owns the client library's connection state and socket; the destructor closes the
// channel and the connection politely when they are still healthy, then frees everything.
//
// Errors: every method throws unpackd::Error naming the broker (host, port, vhost, user; never
// the password) and what was being done:
//   kTransient "amqp-connect-failed"   the broker did not answer (not up, refused, timed out);
//   kTransient "amqp-connection-lost"  the socket failed or closed, or heartbeats stopped;
//   kAccessDenied "amqp-403"           the broker refused the login or the operation;
//   kNotFound "amqp-404"               no such queue, exchange or vhost;
//   k* "amqp-<reply code>"             any other refusal, with the broker's reply text;
//   kTransient "amqp-consumer-cancelled"  the broker cancelled the consumer (queue deleted).
// The broker closes the channel (or the connection) on every refusal, so after ANY error the
// object is unusable: destroy it and connect again.
//
// Thread safety: none (the client library's state is not thread-safe). One thread at a time;
// a consumer loop owns its connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "queue/amqp/amqp_delivery.h"
#include "queue/amqp/amqp_url.h"

// rabbitmq-c's, kept out of this header.
struct amqp_connection_state_t_;
struct amqp_rpc_reply_t_;

namespace unpackd::amqp {

struct AmqpConnectOptions {
  // TCP connect, then the login handshake, each at most this long.
  std::chrono::milliseconds connect_timeout{5000};
  // Each synchronous request (declare, bind, qos, consume): a broker that never answers is a
  // lost connection, not a hang.
  std::chrono::milliseconds rpc_timeout{30000};
  // Asked of the broker; 0 turns heartbeats off. The library answers heartbeats only while it
  // is inside a call (Receive), so processing one delivery must take less than about twice
  // this, or the broker drops the connection (the delivery is then redelivered).
  uint16_t heartbeat_seconds = 60;
};

struct AmqpQueueOptions {
  bool durable = true;  // survives a broker restart (its persistent messages too)
  // Where rejected (and expired) messages go: x-dead-letter-exchange; "" is the default
  // exchange, which routes by queue name. Unset: they are dropped.
  std::optional<std::string> dead_letter_exchange;
  std::string dead_letter_routing_key;  // empty: the message keeps its own routing key
};

// What a queue declaration answered.
struct AmqpQueueState {
  uint32_t messages = 0;  // ready for delivery (not counting unacknowledged ones)
  uint32_t consumers = 0;
};

class AmqpConnection {
 public:
  // Connects, logs in and opens the channel. Throws as above.
  AmqpConnection(const AmqpEndpoint& endpoint, const AmqpConnectOptions& options);
  ~AmqpConnection();
  AmqpConnection(const AmqpConnection&) = delete;
  AmqpConnection& operator=(const AmqpConnection&) = delete;

  // Declares a durable exchange of `type` ("topic", "direct", "fanout"); a no-op when it
  // exists with the same type, a refusal (406) when with another.
  void DeclareExchange(std::string_view name, std::string_view type);
  // Declares the queue (a no-op when it exists with the same options; 406 when not).
  AmqpQueueState DeclareQueue(std::string_view name, const AmqpQueueOptions& options);
  // The state of an existing queue; 404 when there is none.
  AmqpQueueState InspectQueue(std::string_view name);
  void BindQueue(std::string_view queue, std::string_view exchange, std::string_view binding_key);

  // At most `count` deliveries unacknowledged at once on this channel (basic.qos).
  void SetPrefetch(uint16_t count);
  // Starts consuming `queue` with manual acknowledgements; deliveries then arrive in Receive.
  void Consume(std::string_view queue);
  // The next delivery, or nullopt when none arrived within `timeout`. Answers heartbeats
  // while it waits.
  std::optional<AmqpDelivery> Receive(std::chrono::milliseconds timeout);
  // Done with it: the broker forgets the message.
  void Ack(uint64_t delivery_tag);
  // Gives it back: requeued for another delivery, or (requeue false) dead-lettered or dropped.
  void Nack(uint64_t delivery_tag, bool requeue);
  // The same as Nack for one delivery, as basic.reject (the AMQP 0-9-1 original).
  void Reject(uint64_t delivery_tag, bool requeue);

  // Publishes a persistent message (delivery mode 2). Asynchronous: a refusal (no such
  // exchange) closes the channel and surfaces on a later call.
  void Publish(std::string_view exchange, std::string_view routing_key, std::string_view body,
               std::string_view content_type = "application/json");

  // Puts the channel in confirm mode (confirm.select): from then on, the broker acknowledges
  // each publish once it has taken responsibility for it (for a persistent message to a durable
  // queue: written to disk). Needed by PublishConfirmed.
  void EnableConfirms();
  // Publishes like Publish and waits up to `timeout` for the broker's acknowledgement, so a
  // caller may then ack what the message replaces. Deliveries that arrive meanwhile are kept
  // for Receive. Throws Error(kTransient) when the broker refuses it (basic.nack) or does not
  // answer in time, and the connection's errors.
  void PublishConfirmed(std::string_view exchange, std::string_view routing_key,
                        std::string_view body, std::chrono::milliseconds timeout);

  const AmqpEndpoint& endpoint() const { return endpoint_; }

 private:
  struct StateCloser {
    void operator()(amqp_connection_state_t_* state) const;
  };

  // Turns the last synchronous reply into an Error unless it was normal.
  void CheckReply(std::string_view doing);
  // The same for a reply a call returned (amqp_login, amqp_consume_message).
  void Check(const amqp_rpc_reply_t_& reply, std::string_view doing);
  // Throws unless a send returned AMQP_STATUS_OK.
  void CheckStatus(int status, std::string_view doing);
  [[noreturn]] void Fail(int status, std::string_view doing);
  [[noreturn]] void FailClosed(uint16_t reply_code, std::string_view reply_text,
                               std::string_view doing);
  // What a frame other than a delivery was, when it matters to a publisher.
  struct OtherFrame {
    enum class Kind { kNone, kPublishAck, kPublishNack } kind = Kind::kNone;
    uint64_t delivery_tag = 0;
    bool multiple = false;
  };
  // Reads the non-delivery frame that interrupted a consume; throws if it closes the channel.
  OtherFrame HandleOtherFrame();
  // Reads the next delivery or other frame within `timeout`.
  std::optional<AmqpDelivery> ReadDelivery(std::chrono::milliseconds timeout, OtherFrame* other);

  const AmqpEndpoint endpoint_;
  std::unique_ptr<amqp_connection_state_t_, StateCloser> state_;
  bool healthy_ = false;    // logged in, channel open, no error since: worth closing politely
  uint64_t published_ = 0;  // publishes since EnableConfirms: the broker's tags count them
  std::deque<AmqpDelivery> held_;  // arrived while PublishConfirmed waited
};

}  // namespace unpackd::amqp
