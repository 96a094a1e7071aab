// Whether an object is there, for callers that only need yes or no.
#pragma once

#include "store/object_store.h"
#include "util/error.h"

namespace unpackd {

// Whether `ref` exists: Stat's kNotFound is "no"; every other store error propagates.
inline bool ObjectExists(ObjectStore& store, const ObjectRef& ref) {
  try {
    store.Stat(ref);
    return true;
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kNotFound) return false;
    throw;
  }
}

}  // namespace unpackd
