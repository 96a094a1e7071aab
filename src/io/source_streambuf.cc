#include "io/source_streambuf.h"

#include <span>

namespace unpackd {

SourceStreambuf::int_type SourceStreambuf::underflow() {
  if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
  const size_t got = source_.ReadAt(next_, std::as_writable_bytes(std::span(buffer_)));
  if (got == 0) return traits_type::eof();
  next_ += got;
  setg(buffer_.data(), buffer_.data(), buffer_.data() + got);
  return traits_type::to_int_type(*gptr());
}

}  // namespace unpackd
