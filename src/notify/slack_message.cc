#include "notify/slack_message.h"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "notify/utf8_text.h"
#include "util/error.h"

namespace unpackd::notify {
namespace {

using Json = nlohmann::ordered_json;

// The value of a string member, or "" when absent or null (the schema's "unknown").
std::string Text(const Json& object, const char* name) {
  const auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

uint64_t Count(const Json& object, const char* name) {
  const auto it = object.find(name);
  return it != object.end() && it->is_number_unsigned() ? it->get<uint64_t>() : 0;
}

// mrkdwn gives '&', '<' and '>' meaning (links, mentions); a member named "<!channel>" must
// not ping anyone.
std::string Escape(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (const char c : raw) {
    if (c == '&') {
      out += "&amp;";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else {
      out += c;
    }
  }
  return out;
}

// Escaped mrkdwn cut to `limit` without leaving half an entity ("&am…") behind.
std::string FitMrkdwn(const std::string& escaped, size_t limit) {
  if (Utf16Length(escaped) <= limit) return escaped;
  std::string cut = TruncateChars(escaped, limit);
  cut.resize(cut.size() - kEllipsis.size());
  // Every '&' of escaped text starts an entity, so one without its ';' was cut.
  const size_t amp = cut.rfind('&');
  if (amp != std::string::npos && cut.find(';', amp) == std::string::npos) cut.resize(amp);
  cut += kEllipsis;
  return cut;
}

std::string HumanBytes(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
  if (bytes < 1024) return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
  double value = static_cast<double>(bytes) / 1024;
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, value < 10 ? "%.1f %s" : "%.0f %s", value, kUnits[unit]);
  return text;
}

std::string HumanDuration(double seconds) {
  char text[48];
  if (seconds < 60) {
    std::snprintf(text, sizeof text, seconds < 10 ? "%.1f s" : "%.0f s", seconds);
  } else if (seconds < 3600) {
    const auto whole = static_cast<long>(std::lround(seconds));
    std::snprintf(text, sizeof text, "%ld min %ld s", whole / 60, whole % 60);
  } else {
    const auto minutes = static_cast<long>(std::lround(seconds / 60));
    std::snprintf(text, sizeof text, "%ld h %ld min", minutes / 60, minutes % 60);
  }
  return text;
}

std::string FileName(const std::string& key) {
  const size_t slash = key.rfind('/');
  return slash == std::string::npos ? key : key.substr(slash + 1);
}

Json MrkdwnText(const std::string& escaped, size_t limit) {
  return Json{{"type", "mrkdwn"}, {"text", FitMrkdwn(escaped, limit)}};
}

Json Field(const char* label, const std::string& raw_value) {
  return MrkdwnText(std::string("*") + label + "*\n" + Escape(raw_value), SlackLimits::kFieldText);
}

Json Section(const std::string& escaped) {
  return Json{{"type", "section"}, {"text", MrkdwnText(escaped, SlackLimits::kSectionText)}};
}

// What the message is about, parsed back from the payload once.
struct Facts {
  NotificationKind kind = NotificationKind::kJobSucceeded;
  Json payload;
  std::string archive_url, archive_name, destination_url;
};

Facts Parse(const Notification& notification) {
  Facts facts;
  try {
    facts.payload = Json::parse(notification.payload_json);
  } catch (const Json::exception& e) {
    throw Error(ErrorKind::kInternal, "notification " + notification.event_id +
                                          " has a payload that is not JSON: " + e.what());
  }
  const Json& p = facts.payload;
  const std::optional<NotificationKind> kind =
      p.is_object() ? ParseNotificationKind(Text(p, "kind")) : std::nullopt;
  if (!kind || !p.contains("archive") || !p.contains("destination")) {
    throw Error(ErrorKind::kInternal, "notification " + notification.event_id +
                                          " has a payload that is not " + kNotificationSchema);
  }
  facts.kind = *kind;
  const Json& archive = p["archive"];
  const Json& destination = p["destination"];
  facts.archive_url = "s3://" + Text(archive, "bucket") + "/" + Text(archive, "key");
  facts.archive_name = FileName(Text(archive, "key"));
  facts.destination_url = "s3://" + Text(destination, "bucket") + "/" + Text(destination, "prefix");
  return facts;
}

std::string HeaderText(const Facts& facts) {
  switch (facts.kind) {
    case NotificationKind::kJobSucceeded:
      return "\u2705 Extracted " + facts.archive_name;
    case NotificationKind::kJobFailed:
      return "\u274C Extraction failed: " + facts.archive_name;
    case NotificationKind::kArchiveRefused:
      return "\u26D4 Archive refused: " + facts.archive_name;
  }
  return facts.archive_name;
}

Json Fields(const Facts& facts) {
  const Json& p = facts.payload;
  const Json& archive = p["archive"];
  Json fields = Json::array();
  fields.push_back(Field("Archive", facts.archive_url));
  if (const auto result = p.find("result"); result != p.end()) {
    std::string members = std::to_string(Count(*result, "members"));
    if (const uint64_t skipped = Count(*result, "skipped_count"); skipped > 0) {
      members += " (" + std::to_string(skipped) + " skipped)";
    }
    fields.push_back(Field("Members", members));
    std::string size = HumanBytes(Count(*result, "bytes"));
    if (Count(archive, "size") > 0) size += " from " + HumanBytes(Count(archive, "size"));
    fields.push_back(Field("Size", size));
    const double seconds = result->value("duration_seconds", 0.0);
    std::string duration = HumanDuration(seconds);
    if (result->value("already_complete", false)) duration += " (already complete)";
    fields.push_back(Field("Duration", duration));
  } else {
    if (Count(archive, "size") > 0)
      fields.push_back(Field("Size", HumanBytes(Count(archive, "size"))));
    const Json& job = p["job"];
    fields.push_back(Field("Attempts", std::to_string(job.value("attempts", 1))));
    fields.push_back(Field("Duration", HumanDuration(job.value("duration_seconds", 0.0))));
  }
  fields.push_back(Field("Destination", facts.destination_url));
  fields.push_back(Field("When", Text(p, "occurred_at")));
  if (fields.size() > SlackLimits::kFields)
    fields.erase(fields.begin() + SlackLimits::kFields, fields.end());
  return fields;
}

// "*Reason* (`code`)\n```message```" and the member, for a failed or refused job.
std::string ReasonText(const Json& error) {
  std::string text = "*Reason*";
  if (const std::string code = Text(error, "code"); !code.empty()) {
    text += " (`" + Escape(code) + "`)";
  }
  if (const std::string member = Text(error, "member"); !member.empty()) {
    text += "\n*Member*: " + Escape(member);
  }
  text += "\n" + Escape(Text(error, "message"));
  return text;
}

// The skipped members, one a line, as many as fit in one section.
std::string SkippedText(const Json& result) {
  const auto skipped = result.find("skipped");
  if (skipped == result.end() || !skipped->is_array() || skipped->empty()) return {};
  const uint64_t total = Count(result, "skipped_count");
  std::string text = "*Skipped members*";
  uint64_t listed = 0;
  // Room for the closing "…and N more" line, whatever N.
  const size_t budget = SlackLimits::kSectionText - 40;
  for (const Json& skip : *skipped) {
    const std::string line = "\n\u2022 " + Escape(Text(skip, "name")) + " \u2014 `" +
                             Escape(Text(skip, "code")) + "` " + Escape(Text(skip, "reason"));
    const std::string fitted = FitMrkdwn(line, 300);  // one long reason must not crowd out all
    if (Utf16Length(text) + Utf16Length(fitted) > budget) break;
    text += fitted;
    ++listed;
  }
  if (total > listed) text += "\n\u2026and " + std::to_string(total - listed) + " more";
  return text;
}

std::string FallbackText(const Facts& facts) {
  const Json& p = facts.payload;
  std::string text = HeaderText(facts) + " (" + facts.archive_url + ")";
  if (const auto result = p.find("result"); result != p.end()) {
    text += ": " + std::to_string(Count(*result, "members")) + " members, " +
            HumanBytes(Count(*result, "bytes")) + " to " + facts.destination_url;
  } else if (const auto error = p.find("error"); error != p.end()) {
    text += ": " + Text(*error, "message");
  }
  return FitMrkdwn(Escape(text), SlackLimits::kFallbackText);
}

}  // namespace

std::string SlackMessageJson(const Notification& notification) {
  const Facts facts = Parse(notification);
  const Json& p = facts.payload;
  Json blocks = Json::array();
  blocks.push_back({{"type", "header"},
                    {"text",
                     {{"type", "plain_text"},
                      {"text", TruncateChars(HeaderText(facts), SlackLimits::kHeaderText)},
                      {"emoji", true}}}});
  blocks.push_back({{"type", "section"}, {"fields", Fields(facts)}});
  if (const auto error = p.find("error"); error != p.end()) {
    blocks.push_back(Section(ReasonText(*error)));
  }
  if (const auto result = p.find("result"); result != p.end()) {
    if (std::string skipped = SkippedText(*result); !skipped.empty()) {
      blocks.push_back(Section(skipped));
    }
  }
  blocks.push_back(
      {{"type", "context"},
       {"elements", Json::array({MrkdwnText("unpackd \u00B7 " + Escape(Text(p, "event_id")) +
                                                " \u00B7 job " + Escape(Text(p["job"], "id")),
                                            SlackLimits::kFieldText)})}});
  if (blocks.size() > SlackLimits::kBlocks) {
    blocks.erase(blocks.begin() + SlackLimits::kBlocks, blocks.end());
  }
  const Json message{{"text", FallbackText(facts)}, {"blocks", std::move(blocks)}};
  return message.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace unpackd::notify
