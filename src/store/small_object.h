// Reading a small object whole, for the records unpackd keeps beside its outputs (shard
// records, upload records, the notified marker, the failure claim).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "store/object_store.h"

namespace unpackd {

// The bytes of `ref`, or nullopt when there is no such object or it is bigger than
// `max_bytes` (then it is not one of the records the caller looks for, and is not read).
// Other store errors propagate.
std::optional<std::string> ReadSmallObject(ObjectStore& store, const ObjectRef& ref,
                                           uint64_t max_bytes);

}  // namespace unpackd
