// ListedObjects: the objects under a destination prefix before a run (what an interrupted run
// or an older version left), as a hash and a size each: 16 bytes an object, not its key, so a
// destination holding a million objects costs 16 MiB to resume from rather than a heap string
// and a node per object.
//
// A hash stands for its key: a lookup may answer for another key of the same hash (2^-64), so
// every use confirms with the object itself (its metadata) before relying on it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/object_store.h"

namespace unpackd {

class ListedObjects {
 public:
  ListedObjects() = default;

  // Lists `bucket` under `prefix` (nothing for an empty prefix: a bucket's root is never
  // resumed into). Store errors propagate.
  static ListedObjects List(ObjectStore& store, const std::string& bucket,
                            const std::string& prefix);

  // Adds one object, in its place (linear: for a few objects; List adds in bulk).
  void Add(std::string_view key, uint64_t size);

  // The listed size of `key`, or nullopt when it was not listed. Thread-safe (const).
  std::optional<uint64_t> SizeOf(std::string_view key) const;
  bool Contains(std::string_view key) const { return SizeOf(key).has_value(); }
  bool empty() const { return objects_.empty(); }
  size_t size() const { return objects_.size(); }

 private:
  static uint64_t Hash(std::string_view key);

  std::vector<std::pair<uint64_t, uint64_t>> objects_;  // (key hash, size), sorted
};

}  // namespace unpackd
