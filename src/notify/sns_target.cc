#include "notify/sns_target.h"

#include <nlohmann/json.hpp>

#include "notify/aws_delivery.h"
#include "util/ascii.h"

namespace unpackd::notify {
namespace {

constexpr size_t kMaxSubject = 99;

// "bucket/key" from the payload's archive; "" when the payload has none.
std::string ArchiveOf(const std::string& payload_json) {
  const nlohmann::json payload = nlohmann::json::parse(payload_json, nullptr, false);
  if (!payload.is_object()) return {};
  const auto archive = payload.find("archive");
  if (archive == payload.end() || !archive->is_object()) return {};
  const auto bucket = archive->find("bucket");
  const auto key = archive->find("key");
  if (bucket == archive->end() || key == archive->end() || !bucket->is_string() ||
      !key->is_string()) {
    return {};
  }
  return bucket->get<std::string>() + "/" + key->get<std::string>();
}

}  // namespace

std::string SnsSubject(const Notification& n) {
  std::string subject = "unpackd: " + AsciiLower(NotificationKindTitle(n.kind));
  if (const std::string archive = ArchiveOf(n.payload_json); !archive.empty()) {
    subject += ": " + archive;
  }
  for (char& c : subject) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7f) c = '?';
  }
  if (subject.size() > kMaxSubject) subject = subject.substr(0, kMaxSubject - 3) + "...";
  return subject;
}

SnsTarget::SnsTarget(SnsTargetOptions options)
    : options_(std::move(options)), client_(options_.client) {}

DeliveryResult SnsTarget::Deliver(const Notification& n) {
  try {
    const std::string id = client_.Publish(options_.topic_arn, n.payload_json, SnsSubject(n));
    return DeliveryResult::Delivered("SNS message id " + id);
  } catch (const Error& e) {
    return AwsDeliveryFailure(e, "SNS topic " + options_.topic_arn, "sns:Publish");
  }
}

}  // namespace unpackd::notify
