// Python values and the tokenizer of the static evaluator (see python_eval.h, python_tokens.h).
#include "rwkvq/request/python_eval.h"
#include "request/python/internal.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <iterator>
#include <set>
#include <string_view>

#include "rwkvq/request/code_lines.h"
#include "rwkvq/request/python_tokens.h"
#include "rwkvq/request/vpath.h"
#include "rwkvq/util/strings.h"

namespace rwkvq {

using namespace py;

Value Value::unknown(std::string why) {
  Value v;
  v.why = std::move(why);
  return v;
}

Value Value::string(std::string s) {
  Value v;
  v.kind = Kind::String;
  v.str = std::move(s);
  return v;
}

namespace py {

Value make_int(long long i) {
  Value v;
  v.kind = Value::Kind::Int;
  v.i = i;
  return v;
}
Value make_float(double f) {
  Value v;
  v.kind = Value::Kind::Float;
  v.f = f;
  return v;
}
Value make_bool(bool b) {
  Value v;
  v.kind = Value::Kind::Bool;
  v.b = b;
  return v;
}
Value make_none() {
  Value v;
  v.kind = Value::Kind::None;
  return v;
}

// Python's repr() of a float.
std::string float_repr(double f) {
  if (std::isnan(f)) return "nan";
  if (std::isinf(f)) return f > 0 ? "inf" : "-inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, f, std::chars_format::scientific);
  std::string sci(buf, res.ptr);  // "-1.2345e-05"
  bool neg = !sci.empty() && sci[0] == '-';
  if (neg) sci.erase(0, 1);
  std::size_t e = sci.find('e');
  std::string mant = sci.substr(0, e);
  int exp = std::atoi(sci.c_str() + e + 1);
  std::string digits;
  for (char c : mant) {
    if (c != '.') digits += c;
  }
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  std::string out;
  if (exp >= -5 && exp < 16) {
    if (exp >= 0) {
      std::string ip = digits.substr(0, std::min<std::size_t>(digits.size(), exp + 1));
      while (static_cast<int>(ip.size()) < exp + 1) ip += '0';
      std::string fp = digits.size() > static_cast<std::size_t>(exp + 1) ? digits.substr(exp + 1) : "";
      out = ip + "." + (fp.empty() ? "0" : fp);
    } else {
      out = "0." + std::string(static_cast<std::size_t>(-exp - 1), '0') + digits;
    }
    if (exp == -5) {  // Python switches to exponent form below 1e-4
      out.clear();
    }
  }
  if (out.empty()) {
    out = digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char eb[16];
    std::snprintf(eb, sizeof eb, "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
    out += eb;
  }
  return neg ? "-" + out : out;
}

std::string py_repr(const Value& v) {
  if (v.kind != Value::Kind::String) return v.to_str();
  bool has_single = v.str.find('\'') != std::string::npos;
  bool has_double = v.str.find('"') != std::string::npos;
  char q = has_single && !has_double ? '"' : '\'';
  std::string out(1, q);
  for (char c : v.str) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == q) {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += c;
    }
  }
  out += q;
  return out;
}

}  // namespace py

std::string Value::to_str() const {
  switch (kind) {
    case Kind::String: return str;
    case Kind::Int: return std::to_string(i);
    case Kind::Float: return float_repr(f);
    case Kind::Bool: return b ? "True" : "False";
    case Kind::None: return "None";
    case Kind::Unknown: return "";
  }
  return "";
}

Value PyEnv::get(const std::string& name) const {
  auto it = vars.find(name);
  if (it == vars.end()) return Value::unknown(name + " is never set");
  return it->second;
}

namespace py {

// ---------------------------------------------------------------- tokens

bool ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || (c & 0x80); }
bool ident_char(char c) { return ident_start(c) || std::isdigit(static_cast<unsigned char>(c)); }

std::string decode_escapes(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c != '\\' || i + 1 >= s.size()) {
      out += c;
      continue;
    }
    char n = s[++i];
    switch (n) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case '0': out += '\0'; break;
      case '\\': out += '\\'; break;
      case '\'': out += '\''; break;
      case '"': out += '"'; break;
      case '\n': break;
      case 'x':
        if (i + 2 < s.size() + 0 && i + 2 <= s.size() - 1) {
          int v = 0;
          auto r = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
          if (r.ec == std::errc() && r.ptr == s.data() + i + 3) {
            out += static_cast<char>(v);
            i += 2;
            break;
          }
        }
        out += "\\x";
        break;
      default:
        out += '\\';
        out += n;
    }
  }
  return out;
}

std::vector<Tok> tokenize(std::string_view src) {
  std::vector<Tok> toks;
  std::size_t i = 0;
  const std::size_t n = src.size();
  while (i < n) {
    char c = src[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
      ++i;
      continue;
    }
    if (c == '\\' && i + 1 < n && src[i + 1] == '\n') {
      i += 2;
      continue;
    }
    if (c == '#') {
      while (i < n && src[i] != '\n') ++i;
      continue;
    }
    // string with optional prefix
    std::size_t p = i;
    bool fstr = false, raw = false, bytes = false;
    while (p < n && p - i < 3 && std::strchr("rRbBfFuU", src[p]) && src[p] != '\0') {
      char l = static_cast<char>(std::tolower(static_cast<unsigned char>(src[p])));
      if (l == 'f') fstr = true;
      if (l == 'r') raw = true;
      if (l == 'b') bytes = true;
      ++p;
    }
    if (p < n && (src[p] == '\'' || src[p] == '"') && (p == i || true)) {
      char q = src[p];
      bool triple = p + 2 < n && src[p + 1] == q && src[p + 2] == q;
      std::size_t b = p + (triple ? 3 : 1);
      std::size_t k = b;
      bool closed = false;
      while (k < n) {
        if (src[k] == '\\') {
          k += 2;
          continue;
        }
        if (src[k] == q) {
          if (!triple) {
            closed = true;
            break;
          }
          if (k + 2 < n && src[k + 1] == q && src[k + 2] == q) {
            closed = true;
            break;
          }
        }
        if (!triple && src[k] == '\n') break;
        ++k;
      }
      if (k > n) k = n;
      if (!closed) throw ParseFail{"unterminated string"};
      Tok t;
      t.t = Tok::Str;
      std::string_view body = src.substr(b, k - b);
      t.fstr = fstr;
      t.raw = raw;
      t.bytes = bytes;
      t.s = (raw || fstr) ? std::string(body) : decode_escapes(body);
      toks.push_back(std::move(t));
      i = k + (triple ? 3 : 1);
      continue;
    }
    if (ident_start(c)) {
      std::size_t k = i;
      while (k < n && ident_char(src[k])) ++k;
      toks.push_back(Tok{Tok::Name, std::string(src.substr(i, k - i))});
      i = k;
      continue;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) ||
        (c == '.' && i + 1 < n && std::isdigit(static_cast<unsigned char>(src[i + 1])))) {
      std::size_t k = i;
      while (k < n && (std::isalnum(static_cast<unsigned char>(src[k])) || src[k] == '.' ||
                       src[k] == '_' ||
                       ((src[k] == '+' || src[k] == '-') && k > i &&
                        (src[k - 1] == 'e' || src[k - 1] == 'E') &&
                        !(src[i] == '0' && i + 1 < n && (src[i + 1] == 'x' || src[i + 1] == 'X'))))) {
        ++k;
      }
      toks.push_back(Tok{Tok::Num, std::string(src.substr(i, k - i))});
      i = k;
      continue;
    }
    // The longest operator here: three characters, else two, else one. String views with their
    // lengths known at compile time: no strlen per candidate (issue 12.6).
    static constexpr std::string_view kThree[] = {"**=", "//=", ">>=", "<<=", "..."};
    static constexpr std::string_view kTwo[] = {"**", "//", "==", "!=", "<=", ">=", "+=", "-=", "*=", "/=",
                                                "%=", "->", ":=", "&=", "|=", "^=", "<<", ">>", "@="};
    const std::string_view rest = src.substr(i, 3);
    std::size_t len = 1;
    if (rest.size() == 3 && std::find(std::begin(kThree), std::end(kThree), rest) != std::end(kThree)) {
      len = 3;
    } else if (rest.size() >= 2 && std::find(std::begin(kTwo), std::end(kTwo), rest.substr(0, 2)) != std::end(kTwo)) {
      len = 2;
    }
    toks.push_back(Tok{Tok::Op, std::string(src.substr(i, len))});
    i += len;
  }
  toks.push_back(Tok{Tok::End, ""});
  return toks;
}

}  // namespace py

std::optional<std::vector<PyToken>> tokenize_python(std::string_view src, std::string* why) {
  try {
    return tokenize(src);
  } catch (const ParseFail& f) {
    if (why) *why = f.why;
  } catch (const std::exception& e) {
    if (why) *why = e.what();
  }
  return std::nullopt;
}

}  // namespace rwkvq
