// The User-Agent unpackd's notification requests carry, so a receiver's logs say who called.
#pragma once

namespace unpackd::notify {

inline constexpr const char* kUserAgent = "unpackd/" UNPACKD_VERSION;

}  // namespace unpackd::notify
