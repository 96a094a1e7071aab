// Reading a manifest back without holding it: its summary alone (what "is this archive version
// already extracted?" needs: it stops before the member list), or its members one at a time.
#pragma once

#include <functional>
#include <optional>

#include "extract/manifest.h"
#include "store/object_store.h"

namespace unpackd {

// The summary of the manifest at `ref`, or nullopt when there is none or it is not a manifest
// of this format (it will then be rewritten). Reads only up to the member list of a manifest
// this version writes; one whose summary follows its lists (keys in alphabetical order, as
// earlier versions wrote) is read through once, in bounded memory. Store errors other than
// kNotFound propagate.
std::optional<ManifestSummary> ReadManifestSummary(ObjectStore& store, const ObjectRef& ref);

// Calls `on_member` for every member the manifest at `ref` lists, in order; returning false
// stops early. Throws Error(kNotFound) when there is none, Error(kIo) when it is malformed.
void ForEachManifestMember(ObjectStore& store, const ObjectRef& ref,
                           const std::function<bool(const ManifestMember&)>& on_member);

}  // namespace unpackd
