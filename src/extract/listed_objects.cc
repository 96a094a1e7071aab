#include "extract/listed_objects.h"

#include <algorithm>
#include <functional>

namespace unpackd {

ListedObjects ListedObjects::List(ObjectStore& store, const std::string& bucket,
                                  const std::string& prefix) {
  ListedObjects listed;
  if (prefix.empty()) return listed;
  store.List(bucket, prefix, [&](const ListEntry& e) {
    listed.objects_.emplace_back(Hash(e.key), e.size);
    return true;
  });
  std::sort(listed.objects_.begin(), listed.objects_.end());
  return listed;
}

void ListedObjects::Add(std::string_view key, uint64_t size) {
  const std::pair<uint64_t, uint64_t> object(Hash(key), size);
  objects_.insert(std::upper_bound(objects_.begin(), objects_.end(), object), object);
}

std::optional<uint64_t> ListedObjects::SizeOf(std::string_view key) const {
  const uint64_t hash = Hash(key);
  const auto it =
      std::lower_bound(objects_.begin(), objects_.end(), std::make_pair(hash, uint64_t{0}));
  if (it == objects_.end() || it->first != hash) return std::nullopt;
  return it->second;
}

uint64_t ListedObjects::Hash(std::string_view key) { return std::hash<std::string_view>{}(key); }

}  // namespace unpackd
