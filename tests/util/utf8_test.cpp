#include <catch2/catch.hpp>

#include <random>
#include <string>

#include "rwkvq/util/utf8.h"

using namespace rwkvq;

namespace {
// The byte-by-byte definition json_plain_run must agree with.
std::size_t plain_run_reference(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') break;
    ++i;
  }
  return i;
}
}  // namespace

TEST_CASE("append_utf8 encodes 1 to 4 byte sequences", "[util]") {
  std::string s;
  append_utf8(s, 'A');
  append_utf8(s, 0xE9);
  append_utf8(s, 0x20AC);
  append_utf8(s, 0x1F600);
  CHECK(s == "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
}

TEST_CASE("json_plain_run stops at what a JSON string scanner must look at", "[util]") {
  CHECK(json_plain_run("") == 0);
  CHECK(json_plain_run("abc") == 3);
  CHECK(json_plain_run("\"") == 0);
  CHECK(json_plain_run("hello world, this is long\" tail") == 25);
  CHECK(json_plain_run("0123456789abcdef\\n") == 16);               // escape after two words
  CHECK(json_plain_run("01234567\\u00e9") == 8);                      // escape starting a word
  CHECK(json_plain_run("0123456\\ud83d\\ude00") == 7);               // surrogate pair escape
  CHECK(json_plain_run("abcdefgh\xC3\xA9xyz") == 8);                  // UTF-8 lead byte
  CHECK(json_plain_run("abcdefghijk\xFFzz") == 11);                   // invalid UTF-8 byte
  CHECK(json_plain_run("abcdefghij\x80") == 10);                      // stray continuation byte
  CHECK(json_plain_run(std::string_view("abc\0def", 7)) == 3);        // NUL
  CHECK(json_plain_run("line one\nline two") == 8);                   // raw line break
  CHECK(json_plain_run("tab\there") == 3);
  CHECK(json_plain_run("abcdefghijklmno\x1F") == 15);                 // last control character
  CHECK(json_plain_run(" ~!#$%&'()*+,-./:;<=>?@[]^_`{|}\x7F") == 32);  // every other ASCII mark, DEL
  CHECK(json_plain_run("truncated in the middle of a run") == 32);    // no end: whole input
}

TEST_CASE("json_plain_run agrees with the byte-by-byte definition on random input", "[util]") {
  std::mt19937 rng(12);
  // Mostly plain bytes with a few of each kind of stop byte, at every alignment.
  const std::string stops = std::string("\"\\\n\t\x01\x1F\x80\xC3\xE2\xF0\xFF", 11) + std::string(1, '\0');
  for (int round = 0; round < 4000; ++round) {
    std::string s(rng() % 40, 'x');
    for (char& c : s) c = static_cast<char>(0x20 + rng() % 0x60);
    if (!s.empty() && rng() % 4 != 0) s[rng() % s.size()] = stops[rng() % stops.size()];
    for (std::size_t off = 0; off <= s.size(); ++off) {
      std::string_view v = std::string_view(s).substr(off);
      REQUIRE(json_plain_run(v) == plain_run_reference(v));
    }
  }
}

namespace {
// utf8_multibyte_run by decoding: each sequence's code point must need exactly its length, and be
// neither a UTF-16 surrogate nor above U+10FFFF.
std::size_t multibyte_run_reference(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (len == 0 || i + len > s.size()) break;
    unsigned cp = c & (0x7F >> len);
    bool ok = true;
    for (std::size_t k = 1; k < len; ++k) {
      auto d = static_cast<unsigned char>(s[i + k]);
      ok = ok && (d & 0xC0) == 0x80;
      cp = (cp << 6) | (d & 0x3F);
    }
    unsigned min = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
    if (!ok || cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) break;
    i += len;
  }
  return i;
}
}  // namespace

TEST_CASE("utf8_multibyte_run takes well-formed multi-byte sequences only", "[util]") {
  CHECK(utf8_multibyte_run("") == 0);
  CHECK(utf8_multibyte_run("abc") == 0);                                   // ASCII
  CHECK(utf8_multibyte_run("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z") == 9);  // é € 😀 then ASCII
  CHECK(utf8_multibyte_run("\xE2\x96\x88\xE2\x96\x88\"") == 6);            // progress-bar blocks
  CHECK(utf8_multibyte_run("\xC3\xA9\xC3") == 2);                           // cut short at the end
  CHECK(utf8_multibyte_run("\xF0\x9F\x98") == 0);                           // truncated 4-byte
  CHECK(utf8_multibyte_run("\xC0\xAF") == 0);                               // overlong '/'
  CHECK(utf8_multibyte_run("\xE0\x80\xAF") == 0);                           // overlong 3-byte
  CHECK(utf8_multibyte_run("\xED\xA0\x80") == 0);                           // surrogate U+D800
  CHECK(utf8_multibyte_run("\xF4\x90\x80\x80") == 0);                       // above U+10FFFF
  CHECK(utf8_multibyte_run("\x80\x80") == 0);                               // stray continuation
  CHECK(utf8_multibyte_run("\xC3\xA9\xFF") == 2);                           // a byte UTF-8 never uses
  CHECK(utf8_multibyte_run("\xE2\x82z") == 0);                              // bad third byte
}

TEST_CASE("utf8_multibyte_run agrees with decoding on random input", "[util]") {
  std::mt19937 rng(7);
  const unsigned char bytes[] = {0x41, 0x22, 0x5C, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2,
                                 0xDF, 0xE0, 0xE1, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF};
  for (int round = 0; round < 20000; ++round) {
    std::string s(rng() % 12, 'x');
    for (char& c : s) c = static_cast<char>(bytes[rng() % sizeof bytes]);
    REQUIRE(utf8_multibyte_run(s) == multibyte_run_reference(s));
  }
}
