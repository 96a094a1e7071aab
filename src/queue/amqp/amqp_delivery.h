// AmqpDelivery: one message the broker delivered to a consumer, copied out of the client
// library's buffers so it outlives the next receive.
//
// Thread safety: a plain value.
#pragma once

#include <cstdint>
#include <string>

namespace unpackd::amqp {

struct AmqpDelivery {
  // Names the delivery in Ack/Nack/Reject on the connection (and channel) it came from; it
  // means nothing on another connection.
  uint64_t delivery_tag = 0;
  // The broker delivered it before and it was not acknowledged (a consumer died or gave it
  // back): processing must be idempotent.
  bool redelivered = false;
  std::string exchange;
  std::string routing_key;
  std::string body;
};

}  // namespace unpackd::amqp
