// FreeLoopbackPort: a TCP port on 127.0.0.1 that nothing listens on right now, for a server a
// test starts (the kernel picks it; another process could still take it before the server
// binds, which on a test machine does not happen in practice).
#pragma once

namespace unpackd::testing {

// Throws std::runtime_error if no socket can be bound.
int FreeLoopbackPort();

}  // namespace unpackd::testing
