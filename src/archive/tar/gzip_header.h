// The file name a gzip header records (RFC 1952's FNAME), which `gzip` stores unless told
// not to: a lone `.gz` becomes one object, named as the file it was made from.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>

namespace unpackd {

// The FNAME field of the gzip member starting at `head`, as stored (ISO 8859-1 by the RFC,
// UTF-8 in practice); nullopt when `head` is no gzip header, records no name, or ends before
// the name does. Reads at most `head`; never throws.
std::optional<std::string> GzipStoredName(std::span<const std::byte> head);

}  // namespace unpackd
