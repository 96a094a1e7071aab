// Printable: text from archives, stores and users made safe for a terminal line.
//
// Member names, keys and server messages are data: a newline in a name would split a one-line
// error and could forge a line of our own ("manifest: ..."), and an escape sequence would reach
// the terminal. Every human-readable line the CLI prints passes each piece of such text through
// Printable(); JSON output does not (its encoder escapes control characters exactly).
#pragma once

#include <string>
#include <string_view>

namespace unpackd {

// `text` with control characters written as escapes: C0 as \n, \r, \t or \xNN (\x1b), DEL as
// \x7f, C1 (U+0080..U+009F) as \uNNNN (\u0085), and bytes that are not valid UTF-8 as \xNN.
// Everything else, including backslashes and any other UTF-8, is kept as it is.
std::string Printable(std::string_view text);

}  // namespace unpackd
