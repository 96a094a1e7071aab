// AmqpEndpoint and ParseAmqpUrl: where an AMQP 0-9-1 broker is and who we are to it, from the
// URL form RabbitMQ documents (amqp://user:password@host:port/vhost, the vhost
// percent-encoded, so "%2f" is the default vhost "/").
//
// Thread safety: plain values.
#pragma once

#include <string>
#include <string_view>

namespace unpackd::amqp {

struct AmqpEndpoint {
  std::string host;
  int port = 5672;
  std::string user = "guest";
  std::string password = "guest";
  std::string vhost = "/";

  // "host:port vhost /x, user u": for logs and error messages; never the password.
  std::string Describe() const;
};

// Throws Error(kUsage, "bad-config") for anything that is not an amqp:// URL with a host, and
// for amqps:// (TLS is not supported yet). The message never repeats the URL, which may hold
// a password.
AmqpEndpoint ParseAmqpUrl(std::string_view url);

}  // namespace unpackd::amqp
