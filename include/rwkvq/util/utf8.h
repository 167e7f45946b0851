#pragma once
// UTF-8 helpers shared by the JSON readers (notebook, queue).
#include <cstddef>
#include <string>
#include <string_view>

namespace rwkvq {

// Appends the UTF-8 encoding of code point `cp` (<= 0x10FFFF) to `out`.
void append_utf8(std::string& out, unsigned cp);

// The length of the longest prefix of `s` that a JSON string holds verbatim: printable ASCII
// (0x20..0x7F) other than '"' and '\\'. A JSON string scanner copies or skips that run at once
// and looks byte by byte only at what ends it (a quote, an escape, a control character or the
// first byte of a multi-byte UTF-8 sequence). Reads 16 bytes at a time with SSE2, else 8.
std::size_t json_plain_run(std::string_view s);

// The length of the longest prefix of `s` made of well-formed UTF-8 multi-byte sequences (2 to 4
// bytes, no overlong forms, no UTF-16 surrogates, nothing above U+10FFFF): 0 when `s` starts
// with ASCII, a stray or invalid byte, or a sequence cut short by the end of `s`.
std::size_t utf8_multibyte_run(std::string_view s);

}  // namespace rwkvq
