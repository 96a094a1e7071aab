#include "queue/amqp/amqp_connection.h"

#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <sys/time.h>

#include <array>

#include "util/error.h"

namespace unpackd::amqp {

namespace {

constexpr amqp_channel_t kChannel = 1;  // one channel per connection: errors close both
constexpr int kFrameMax = 131072;       // RabbitMQ's default

amqp_bytes_t Bytes(std::string_view text) {
  return {text.size(), const_cast<char*>(text.data())};  // the library only reads it
}

std::string String(amqp_bytes_t bytes) {
  return {static_cast<const char*>(bytes.bytes), bytes.len};
}

timeval Timeval(std::chrono::milliseconds duration) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(duration).count();
  return {static_cast<time_t>(us / 1'000'000), static_cast<suseconds_t>(us % 1'000'000)};
}

bool IsConnectionLoss(int status) {
  switch (status) {
    case AMQP_STATUS_CONNECTION_CLOSED:
    case AMQP_STATUS_SOCKET_ERROR:
    case AMQP_STATUS_SOCKET_CLOSED:
    case AMQP_STATUS_HEARTBEAT_TIMEOUT:
    case AMQP_STATUS_TIMEOUT:
    case AMQP_STATUS_TCP_ERROR:
      return true;
    default:
      return false;
  }
}

// AMQP 0-9-1 reply codes (the specification's constants) to what a retry can do.
ErrorKind KindOfReply(uint16_t code) {
  switch (code) {
    case 403:  // access-refused
      return ErrorKind::kAccessDenied;
    case 404:  // not-found
      return ErrorKind::kNotFound;
    case 320:  // connection-forced: the broker is shutting down
    case 505:  // unexpected-frame, after a lost frame
    case 541:  // internal-error
      return ErrorKind::kTransient;
    case 406:  // precondition-failed: declared differently before
      return ErrorKind::kUsage;
    default:
      return ErrorKind::kIo;
  }
}

}  // namespace

void AmqpConnection::StateCloser::operator()(amqp_connection_state_t_* state) const {
  amqp_destroy_connection(state);  // closes the socket too
}

AmqpConnection::AmqpConnection(const AmqpEndpoint& endpoint, const AmqpConnectOptions& options)
    : endpoint_(endpoint), state_(amqp_new_connection()) {
  if (!state_) Fail(AMQP_STATUS_NO_MEMORY, "connecting");
  amqp_socket_t* socket = amqp_tcp_socket_new(state_.get());  // owned by the state
  if (socket == nullptr) Fail(AMQP_STATUS_NO_MEMORY, "connecting");
  timeval connect_timeout = Timeval(options.connect_timeout);
  const int opened =
      amqp_socket_open_noblock(socket, endpoint_.host.c_str(), endpoint_.port, &connect_timeout);
  if (opened != AMQP_STATUS_OK) {
    throw Error(
        ErrorKind::kTransient,
        "AMQP broker " + endpoint_.Describe() + ": cannot connect: " + amqp_error_string2(opened),
        "amqp-connect-failed");
  }
  amqp_set_handshake_timeout(state_.get(), &connect_timeout);
  const timeval rpc_timeout = Timeval(options.rpc_timeout);
  amqp_set_rpc_timeout(state_.get(), &rpc_timeout);
  const amqp_rpc_reply_t login =
      amqp_login(state_.get(), endpoint_.vhost.c_str(), 0, kFrameMax, options.heartbeat_seconds,
                 AMQP_SASL_METHOD_PLAIN, endpoint_.user.c_str(), endpoint_.password.c_str());
  if (login.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
      login.library_error == AMQP_STATUS_CONNECTION_CLOSED) {
    // RabbitMQ answers a wrong user or password by closing the socket.
    throw Error(ErrorKind::kAccessDenied,
                "AMQP broker " + endpoint_.Describe() +
                    ": login refused (wrong user or password, or no access to the vhost)",
                "amqp-403");
  }
  Check(login, "logging in");  // amqp_login returns its reply; it is not the state's
  amqp_channel_open(state_.get(), kChannel);
  CheckReply("opening a channel");
  healthy_ = true;
}

AmqpConnection::~AmqpConnection() {
  if (state_ && healthy_) {
    // Best effort, and brief (a stuck broker must not hold up a shutdown): the broker
    // requeues unacknowledged deliveries either way.
    const timeval brief = Timeval(std::chrono::seconds(2));
    amqp_set_rpc_timeout(state_.get(), &brief);
    amqp_channel_close(state_.get(), kChannel, AMQP_REPLY_SUCCESS);
    amqp_connection_close(state_.get(), AMQP_REPLY_SUCCESS);
  }
}

void AmqpConnection::DeclareExchange(std::string_view name, std::string_view type) {
  amqp_exchange_declare(state_.get(), kChannel, Bytes(name), Bytes(type), /*passive=*/0,
                        /*durable=*/1, /*auto_delete=*/0, /*internal=*/0, amqp_empty_table);
  CheckReply("declaring exchange " + std::string(name));
}

AmqpQueueState AmqpConnection::DeclareQueue(std::string_view name,
                                            const AmqpQueueOptions& options) {
  std::array<amqp_table_entry_t, 2> entries{};
  int count = 0;
  if (options.dead_letter_exchange) {
    entries[count].key = amqp_cstring_bytes("x-dead-letter-exchange");
    entries[count].value.kind = AMQP_FIELD_KIND_UTF8;
    entries[count].value.value.bytes = Bytes(*options.dead_letter_exchange);
    ++count;
    if (!options.dead_letter_routing_key.empty()) {
      entries[count].key = amqp_cstring_bytes("x-dead-letter-routing-key");
      entries[count].value.kind = AMQP_FIELD_KIND_UTF8;
      entries[count].value.value.bytes = Bytes(options.dead_letter_routing_key);
      ++count;
    }
  }
  const amqp_table_t arguments{count, entries.data()};
  const amqp_queue_declare_ok_t* ok =
      amqp_queue_declare(state_.get(), kChannel, Bytes(name), /*passive=*/0,
                         options.durable ? 1 : 0, /*exclusive=*/0, /*auto_delete=*/0, arguments);
  CheckReply("declaring queue " + std::string(name));
  return {ok->message_count, ok->consumer_count};
}

AmqpQueueState AmqpConnection::InspectQueue(std::string_view name) {
  const amqp_queue_declare_ok_t* ok = amqp_queue_declare(state_.get(), kChannel, Bytes(name),
                                                         /*passive=*/1, 0, 0, 0, amqp_empty_table);
  CheckReply("inspecting queue " + std::string(name));
  return {ok->message_count, ok->consumer_count};
}

void AmqpConnection::BindQueue(std::string_view queue, std::string_view exchange,
                               std::string_view binding_key) {
  amqp_queue_bind(state_.get(), kChannel, Bytes(queue), Bytes(exchange), Bytes(binding_key),
                  amqp_empty_table);
  CheckReply("binding queue " + std::string(queue) + " to exchange " + std::string(exchange));
}

void AmqpConnection::SetPrefetch(uint16_t count) {
  amqp_basic_qos(state_.get(), kChannel, /*prefetch_size=*/0, count, /*global=*/0);
  CheckReply("setting prefetch");
}

void AmqpConnection::Consume(std::string_view queue) {
  amqp_basic_consume(state_.get(), kChannel, Bytes(queue), amqp_empty_bytes, /*no_local=*/0,
                     /*no_ack=*/0, /*exclusive=*/0, amqp_empty_table);
  CheckReply("consuming queue " + std::string(queue));
}

std::optional<AmqpDelivery> AmqpConnection::Receive(std::chrono::milliseconds timeout) {
  if (!held_.empty()) {
    AmqpDelivery delivery = std::move(held_.front());
    held_.pop_front();
    return delivery;
  }
  return ReadDelivery(timeout, nullptr);
}

std::optional<AmqpDelivery> AmqpConnection::ReadDelivery(std::chrono::milliseconds timeout,
                                                         OtherFrame* other) {
  amqp_maybe_release_buffers(state_.get());
  const timeval wait = Timeval(timeout);
  amqp_envelope_t envelope{};
  const amqp_rpc_reply_t reply = amqp_consume_message(state_.get(), &envelope, &wait, 0);
  if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION) {
    if (reply.library_error == AMQP_STATUS_TIMEOUT) return std::nullopt;
    if (reply.library_error == AMQP_STATUS_UNEXPECTED_STATE) {
      const OtherFrame frame = HandleOtherFrame();
      if (other != nullptr) *other = frame;
      return std::nullopt;
    }
  }
  Check(reply, "receiving");
  AmqpDelivery delivery;
  delivery.delivery_tag = envelope.delivery_tag;
  delivery.redelivered = envelope.redelivered != 0;
  delivery.exchange = String(envelope.exchange);
  delivery.routing_key = String(envelope.routing_key);
  delivery.body = String(envelope.message.body);
  amqp_destroy_envelope(&envelope);
  return delivery;
}

AmqpConnection::OtherFrame AmqpConnection::HandleOtherFrame() {
  amqp_frame_t frame{};
  timeval none{0, 0};  // the frame is already buffered
  const int status = amqp_simple_wait_frame_noblock(state_.get(), &frame, &none);
  if (status == AMQP_STATUS_TIMEOUT) return {};
  CheckStatus(status, "receiving");
  if (frame.frame_type != AMQP_FRAME_METHOD) return {};  // e.g. the body of a returned message
  switch (frame.payload.method.id) {
    case AMQP_CHANNEL_CLOSE_METHOD: {
      const auto* close = static_cast<amqp_channel_close_t*>(frame.payload.method.decoded);
      FailClosed(close->reply_code, String(close->reply_text), "receiving");
    }
    case AMQP_CONNECTION_CLOSE_METHOD: {
      const auto* close = static_cast<amqp_connection_close_t*>(frame.payload.method.decoded);
      FailClosed(close->reply_code, String(close->reply_text), "receiving");
    }
    case AMQP_BASIC_CANCEL_METHOD:
      healthy_ = false;
      throw Error(ErrorKind::kTransient,
                  "AMQP broker " + endpoint_.Describe() +
                      ": the broker cancelled the consumer (was the queue deleted?)",
                  "amqp-consumer-cancelled");
    case AMQP_BASIC_ACK_METHOD: {
      const auto* ack = static_cast<amqp_basic_ack_t*>(frame.payload.method.decoded);
      return {OtherFrame::Kind::kPublishAck, ack->delivery_tag, ack->multiple != 0};
    }
    case AMQP_BASIC_NACK_METHOD: {
      const auto* nack = static_cast<amqp_basic_nack_t*>(frame.payload.method.decoded);
      return {OtherFrame::Kind::kPublishNack, nack->delivery_tag, nack->multiple != 0};
    }
    default:
      return {};  // basic.return and the like: nothing a consumer needs
  }
}

void AmqpConnection::Ack(uint64_t delivery_tag) {
  CheckStatus(amqp_basic_ack(state_.get(), kChannel, delivery_tag, /*multiple=*/0), "acking");
}

void AmqpConnection::Nack(uint64_t delivery_tag, bool requeue) {
  CheckStatus(
      amqp_basic_nack(state_.get(), kChannel, delivery_tag, /*multiple=*/0, requeue ? 1 : 0),
      "nacking");
}

void AmqpConnection::Reject(uint64_t delivery_tag, bool requeue) {
  CheckStatus(amqp_basic_reject(state_.get(), kChannel, delivery_tag, requeue ? 1 : 0),
              "rejecting");
}

void AmqpConnection::Publish(std::string_view exchange, std::string_view routing_key,
                             std::string_view body, std::string_view content_type) {
  amqp_basic_properties_t properties{};
  properties._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG;
  properties.content_type = Bytes(content_type);
  properties.delivery_mode = 2;  // persistent
  CheckStatus(amqp_basic_publish(state_.get(), kChannel, Bytes(exchange), Bytes(routing_key),
                                 /*mandatory=*/0, /*immediate=*/0, &properties, Bytes(body)),
              "publishing to exchange " + std::string(exchange));
}

void AmqpConnection::CheckStatus(int status, std::string_view doing) {
  if (status != AMQP_STATUS_OK) Fail(status, doing);
}

void AmqpConnection::CheckReply(std::string_view doing) {
  Check(amqp_get_rpc_reply(state_.get()), doing);
}

void AmqpConnection::Check(const amqp_rpc_reply_t_& reply, std::string_view doing) {
  switch (reply.reply_type) {
    case AMQP_RESPONSE_NORMAL:
      return;
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
      Fail(reply.library_error, doing);
    case AMQP_RESPONSE_SERVER_EXCEPTION:
      if (reply.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
        const auto* close = static_cast<amqp_connection_close_t*>(reply.reply.decoded);
        FailClosed(close->reply_code, String(close->reply_text), doing);
      }
      if (reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
        const auto* close = static_cast<amqp_channel_close_t*>(reply.reply.decoded);
        FailClosed(close->reply_code, String(close->reply_text), doing);
      }
      FailClosed(0, "an unexpected method", doing);
    case AMQP_RESPONSE_NONE:
      break;
  }
  Fail(AMQP_STATUS_UNEXPECTED_STATE, doing);
}

void AmqpConnection::Fail(int status, std::string_view doing) {
  healthy_ = false;
  const bool lost = IsConnectionLoss(status);
  throw Error(lost ? ErrorKind::kTransient : ErrorKind::kIo,
              "AMQP broker " + endpoint_.Describe() + ": " + std::string(doing) + ": " +
                  amqp_error_string2(status),
              lost ? "amqp-connection-lost" : "amqp-protocol");
}

void AmqpConnection::FailClosed(uint16_t reply_code, std::string_view reply_text,
                                std::string_view doing) {
  healthy_ = false;
  throw Error(KindOfReply(reply_code),
              "AMQP broker " + endpoint_.Describe() + ": " + std::string(doing) + ": " +
                  std::to_string(reply_code) + " " + std::string(reply_text),
              "amqp-" + std::to_string(reply_code));
}

void AmqpConnection::EnableConfirms() {
  amqp_confirm_select(state_.get(), kChannel);
  CheckReply("selecting publisher confirms");
  published_ = 0;
}

void AmqpConnection::PublishConfirmed(std::string_view exchange, std::string_view routing_key,
                                      std::string_view body, std::chrono::milliseconds timeout) {
  Publish(exchange, routing_key, body);
  const uint64_t tag = ++published_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    OtherFrame other;
    if (auto delivery = ReadDelivery(left, &other)) {
      held_.push_back(std::move(*delivery));
      continue;
    }
    // Tags of earlier publishes (all confirmed before they returned) are below ours.
    const bool ours = other.delivery_tag == tag || (other.multiple && other.delivery_tag >= tag);
    if (!ours) continue;
    if (other.kind == OtherFrame::Kind::kPublishAck) return;
    if (other.kind == OtherFrame::Kind::kPublishNack) {
      throw Error(ErrorKind::kTransient,
                  "AMQP broker " + endpoint_.Describe() + " refused a message published to " +
                      std::string(routing_key),
                  "amqp-publish-refused");
    }
  }
  throw Error(ErrorKind::kTransient,
              "AMQP broker " + endpoint_.Describe() + " did not confirm a message published to " +
                  std::string(routing_key) + " within " + std::to_string(timeout.count()) + " ms",
              "amqp-publish-unconfirmed");
}

}  // namespace unpackd::amqp
