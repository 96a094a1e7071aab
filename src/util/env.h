// Reading the process environment. Every variable unpackd reads goes through here, so "unset"
// and "set but empty" mean the same everywhere (both: not configured).
#pragma once

#include <initializer_list>
#include <string>

namespace unpackd {

// The variable's value, or "" when unset or empty.
std::string GetEnv(const char* name);

// The value of the first of `names` that is set and not empty, or "".
std::string FirstSetEnv(std::initializer_list<const char*> names);

}  // namespace unpackd
