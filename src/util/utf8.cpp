#include "rwkvq/util/utf8.h"

#include <cstdint>
#include <cstring>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace rwkvq {

void append_utf8(std::string& out, unsigned cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

namespace {

constexpr bool plain(unsigned char c) { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\'; }

// Word-at-a-time tests (each byte of the 64-bit word is one character): whether some byte is
// zero, or below n (n <= 0x80). Exact as yes/no answers, which is all that is used here.
constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
constexpr std::uint64_t has_zero(std::uint64_t x) { return (x - kOnes) & ~x & kHigh; }
constexpr std::uint64_t has_less(std::uint64_t x, unsigned n) { return (x - kOnes * n) & ~x & kHigh; }

}  // namespace

std::size_t utf8_multibyte_run(std::string_view s) {
  const auto* u = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    unsigned char c = u[i];
    std::size_t len;
    unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;  // overlong
      if (c == 0xED) hi = 0x9F;  // UTF-16 surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;  // overlong
      if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
    } else {
      break;  // ASCII, a continuation byte, or a byte UTF-8 never uses
    }
    if (i + len > n || u[i + 1] < lo || u[i + 1] > hi) break;
    bool ok = true;
    for (std::size_t k = 2; k < len; ++k) ok = ok && (u[i + k] & 0xC0) == 0x80;
    if (!ok) break;
    i += len;
  }
  return i;
}

std::size_t json_plain_run(std::string_view s) {
  const char* p = s.data();
  const std::size_t n = s.size();
  std::size_t i = 0;
#ifdef __SSE2__
  // 16 bytes at a time: a signed compare with 0x20 flags both the control characters and the
  // bytes >= 0x80 (negative as signed); the mask's lowest set bit is the first stop.
  const __m128i space = _mm_set1_epi8(0x20), quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
  for (; i + 16 <= n; i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    __m128i stop = _mm_or_si128(_mm_cmplt_epi8(v, space),
                                _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)));
    if (int mask = _mm_movemask_epi8(stop)) return i + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
  }
#endif
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    // A word of plain bytes has no high bit set, no byte below 0x20, no '"' and no '\\'.
    if ((w & kHigh) | has_less(w, 0x20) | has_zero(w ^ (kOnes * '"')) | has_zero(w ^ (kOnes * '\\')))
      break;  // the byte loop below finds which one
  }
  while (i < n && plain(static_cast<unsigned char>(p[i]))) ++i;
  return i;
}

}  // namespace rwkvq
