#include "queue/amqp/amqp_url.h"

#include <amqp.h>

#include <vector>

#include "util/error.h"

namespace unpackd::amqp {

std::string AmqpEndpoint::Describe() const {
  return host + ":" + std::to_string(port) + " vhost " + vhost + ", user " + user;
}

AmqpEndpoint ParseAmqpUrl(std::string_view url) {
  constexpr const char* kShape = "amqp://user:password@host:port/vhost";
  // amqp_parse_url decodes in place and points into the buffer it was given.
  std::vector<char> buffer(url.begin(), url.end());
  buffer.push_back('\0');
  amqp_connection_info parsed{};
  amqp_default_connection_info(&parsed);
  if (url.find('\0') != std::string_view::npos ||
      amqp_parse_url(buffer.data(), &parsed) != AMQP_STATUS_OK) {
    throw Error(ErrorKind::kUsage, std::string("the AMQP URL is not of the form ") + kShape,
                "bad-config");
  }
  if (parsed.ssl) {
    throw Error(ErrorKind::kUsage, "amqps:// (TLS) is not supported yet; use amqp://",
                "bad-config");
  }
  if (parsed.host == nullptr || *parsed.host == '\0') {
    throw Error(ErrorKind::kUsage, std::string("the AMQP URL names no host (") + kShape + ")",
                "bad-config");
  }
  if (parsed.port <= 0 || parsed.port > 65535) {
    throw Error(ErrorKind::kUsage, "the AMQP URL's port is not from 1 to 65535", "bad-config");
  }
  AmqpEndpoint endpoint;
  endpoint.host = parsed.host;
  endpoint.port = parsed.port;
  endpoint.user = parsed.user != nullptr ? parsed.user : "";
  endpoint.password = parsed.password != nullptr ? parsed.password : "";
  endpoint.vhost = parsed.vhost != nullptr ? parsed.vhost : "/";
  return endpoint;
}

}  // namespace unpackd::amqp
