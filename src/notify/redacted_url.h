// Naming a target's URL in a log without its secrets: a Slack incoming-webhook URL is itself the
// credential (its path is the token), and webhook URLs may carry user info or tokens in the
// query. Only the scheme and the host (and port) are kept.
#pragma once

#include <string>
#include <string_view>

namespace unpackd::notify {

// "https://hooks.slack.com/…" for "https://hooks.slack.com/services/T0/B0/XYZ";
// "http://127.0.0.1:8080/" for "http://user:pw@127.0.0.1:8080/"; "(not a URL)" when `url` has no
// "://". Pure.
std::string Redacted(std::string_view url);

// `text` with every spelling of `url` that a message may quote (as given; without its query;
// with its password masked) replaced by Redacted(url).
std::string ScrubUrl(std::string text, std::string_view url);

}  // namespace unpackd::notify
