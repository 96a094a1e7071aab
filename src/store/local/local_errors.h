// How the local store turns failed system calls into unpackd::Error: the kind an errno means,
// and messages that name the operation and the object ("local store: write b/k: ...").
#pragma once

#include <string>
#include <string_view>

#include "store/object_store.h"
#include "util/error.h"

namespace unpackd::local {

// strerror, thread-safe.
std::string ErrnoText(int err);

// ENOENT: kNotFound; EACCES, EPERM: kAccessDenied; anything else: kIo.
ErrorKind KindForErrno(int err);

// Like KindForErrno, but kIo for ENOENT too: for failures where "not found" would mislead (a
// folder the store was about to create or write into).
ErrorKind AccessDeniedOrIo(int err);

// "local store: <operation> <bucket>/<key>", the context of every message about one object.
std::string Context(std::string_view operation, const ObjectRef& ref);

// Throws Error(kind, "<context>: <what>: <strerror(err)>").
[[noreturn]] void ThrowErrno(ErrorKind kind, const std::string& context, const std::string& what,
                             int err);

}  // namespace unpackd::local
