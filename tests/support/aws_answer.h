// AwsAnswer: an HTTP answer as an AWS service sends it, for the AWS clients' error-mapping tests
// (pure functions that take a net::HttpResponse).
#pragma once

#include <map>
#include <string>

#include "net/http_client.h"

namespace unpackd::testing {

// HTTP `status` with `body` and `headers` (lower-case names; an empty value is left out), and
// x-amzn-requestid "req-1".
inline net::HttpResponse AwsAnswer(long status, std::string body,
                                   const std::map<std::string, std::string>& headers = {}) {
  net::HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  for (const auto& [name, value] : headers) {
    if (!value.empty()) response.headers[name] = value;
  }
  response.headers["x-amzn-requestid"] = "req-1";
  return response;
}

}  // namespace unpackd::testing
