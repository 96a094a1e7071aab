// CompareSequencers (event_message.h).
#include <algorithm>
#include <string>
#include <string_view>

#include "event/event_message.h"
#include "util/ascii.h"

namespace unpackd {

// AWS, "Event message structure" (Amazon S3 User Guide,
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html)
// and the re:Post article "Why do I see duplicate messages in Amazon SQS for the same Amazon S3
// event?": "The sequencers can be different lengths. To compare these values, right-pad the
// shorter value with zeros, and then do a lexicographical comparison." (An older revision of
// the page said "left pad"; the current text and AWS's knowledge center say right.) Hex digits
// are compared case-insensitively: S3 sends upper case, other servers may not.
int CompareSequencers(std::string_view a, std::string_view b) {
  if (a.empty() || b.empty()) return 0;
  const size_t width = std::max(a.size(), b.size());
  for (size_t i = 0; i < width; ++i) {
    const char x = i < a.size() ? AsciiLower(a[i]) : '0';
    const char y = i < b.size() ? AsciiLower(b[i]) : '0';
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

}  // namespace unpackd
