#pragma once
// UTF-8 helpers shared by the JSON readers (notebook, queue).
#include <string>

namespace rwkvq {

// Appends the UTF-8 encoding of code point `cp` (<= 0x10FFFF) to `out`.
void append_utf8(std::string& out, unsigned cp);

}  // namespace rwkvq
