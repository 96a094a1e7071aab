// RandomHexId: a name for one writer among the writers racing for one key (a conditional
// write's owner, a manifest's author), so each can tell its own object from another's. From
// std::random_device: unique enough among a handful of racers, and never a secret.
#pragma once

#include <string>

namespace unpackd {

// `hex_digits` random lowercase hex digits (rounded up to a multiple of 8).
std::string RandomHexId(int hex_digits = 32);

}  // namespace unpackd
