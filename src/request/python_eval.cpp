// Static evaluation of notebook Python (see python_eval.h). Nothing is ever executed: a small
// tokenizer and a recursive-descent parser with a depth cap evaluate the few pure operations
// notebooks use to build paths and names. Everything else is Unknown, with a reason.
#include "rwkvq/request/python_eval.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <set>

#include "rwkvq/request/code_lines.h"
#include "rwkvq/request/python_tokens.h"
#include "rwkvq/request/vpath.h"
#include "rwkvq/util/strings.h"

namespace rwkvq {

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

namespace {

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

}  // namespace

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

namespace {

constexpr int kMaxDepth = 64;

// ---------------------------------------------------------------- tokens

using Tok = PyToken;

struct ParseFail {
  std::string why;
};

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
    static const char* three[] = {"**=", "//=", ">>=", "<<=", "..."};
    static const char* two[] = {"**", "//", "==", "!=", "<=", ">=", "+=", "-=", "*=", "/=",
                                "%=", "->", ":=", "&=", "|=", "^=", "<<", ">>", "@="};
    std::string op;
    for (const char* t : three) {
      if (src.substr(i, 3) == t) op = t;
    }
    if (op.empty()) {
      for (const char* t : two) {
        if (src.substr(i, 2) == t) op = t;
      }
    }
    if (op.empty()) op = std::string(1, c);
    toks.push_back(Tok{Tok::Op, op});
    i += op.size();
  }
  toks.push_back(Tok{Tok::End, ""});
  return toks;
}

// ---------------------------------------------------------------- evaluation

// An intermediate result: a value, a reference to a known builtin ("os.path.join"), a bound
// string method, or a tuple/list.
struct EV {
  Value v;
  std::string ref;         // builtin reference
  std::string method;      // bound method name on v
  bool seq = false;        // tuple or list
  std::vector<EV> items;
};

// Strings longer than this are not followed (a hostile notebook doubling a string 40 times would
// otherwise exhaust memory); no path or name a notebook builds comes near it.
constexpr std::size_t kMaxStringBytes = 64 * 1024;

EV val(Value v) {
  EV e;
  if (v.kind == Value::Kind::String && v.str.size() > kMaxStringBytes)
    v = Value::unknown("a string longer than 64 KiB is not followed");
  e.v = std::move(v);
  return e;
}
EV unk(std::string why) { return val(Value::unknown(std::move(why))); }

bool truthy(const Value& v, bool& known) {
  known = true;
  switch (v.kind) {
    case Value::Kind::String: return !v.str.empty();
    case Value::Kind::Int: return v.i != 0;
    case Value::Kind::Float: return v.f != 0;
    case Value::Kind::Bool: return v.b;
    case Value::Kind::None: return false;
    case Value::Kind::Unknown: known = false; return false;
  }
  known = false;
  return false;
}

bool is_num(const Value& v) {
  return v.kind == Value::Kind::Int || v.kind == Value::Kind::Float || v.kind == Value::Kind::Bool;
}
double as_double(const Value& v) {
  return v.kind == Value::Kind::Float ? v.f : v.kind == Value::Kind::Bool ? (v.b ? 1 : 0) : static_cast<double>(v.i);
}
long long as_int(const Value& v) { return v.kind == Value::Kind::Bool ? (v.b ? 1 : 0) : v.i; }

const std::set<std::string>& builtin_refs() {
  static const std::set<std::string> r = {"os", "str", "int", "float", "bool", "len", "abs",
                                          "min", "max", "round", "print", "input", "open",
                                          "range", "Path", "pathlib", "repr", "sys", "math"};
  return r;
}

struct Call {
  std::vector<EV> pos;
  std::vector<std::pair<std::string, EV>> kw;
  bool star = false;
};

class Parser {
 public:
  Parser(const std::vector<Tok>& toks, const PyEnv& env, int depth)
      : t_(toks), env_(env), depth_(depth) {}

  EV parse_all() {
    EV e = expr_list();
    if (peek().t != Tok::End) throw ParseFail{"cannot parse `" + peek().s + "`"};
    return e;
  }

  EV expr_list() {
    EV first = expr();
    if (!is_op(",")) return first;
    EV tup;
    tup.seq = true;
    tup.items.push_back(std::move(first));
    while (accept(",")) {
      if (ends_expr()) break;
      tup.items.push_back(expr());
    }
    tup.v = Value::unknown("a tuple is not a string");
    return tup;
  }

 private:
  const Tok& peek(std::size_t k = 0) const {
    std::size_t i = std::min(pos_ + k, t_.size() - 1);
    return t_[i];
  }
  bool is_op(std::string_view op) const { return peek().t == Tok::Op && peek().s == op; }
  bool is_name(std::string_view n) const { return peek().t == Tok::Name && peek().s == n; }
  bool accept(std::string_view op) {
    if (is_op(op)) {
      ++pos_;
      return true;
    }
    return false;
  }
  void expect(std::string_view op) {
    if (!accept(op)) throw ParseFail{"expected `" + std::string(op) + "`"};
  }
  bool ends_expr() const {
    return peek().t == Tok::End || is_op(")") || is_op("]") || is_op("}") || is_op("=") ||
           is_op(":");
  }

  struct DepthGuard {
    Parser& p;
    explicit DepthGuard(Parser& pp) : p(pp) {
      if (++p.depth_ > kMaxDepth) throw ParseFail{"expression nested too deeply"};
    }
    ~DepthGuard() { --p.depth_; }
  };

  EV expr() {
    DepthGuard g(*this);
    if (is_name("lambda")) throw ParseFail{"uses a lambda"};
    EV a = or_expr();
    if (is_name("if")) {
      ++pos_;
      EV cond = or_expr();
      if (!is_name("else")) throw ParseFail{"expected else"};
      ++pos_;
      EV b = expr();
      bool known = false;
      bool t = truthy(cond.v, known);
      if (!known) return unk(cond.v.why.empty() ? "condition cannot be decided" : cond.v.why);
      return t ? a : b;
    }
    if (accept(":=")) throw ParseFail{"uses :="};
    return a;
  }

  EV or_expr() {
    EV a = and_expr();
    while (is_name("or")) {
      ++pos_;
      EV b = and_expr();
      bool known = false;
      bool t = truthy(a.v, known);
      if (!known) {
        a = unk(a.v.why);
      } else if (!t) {
        a = b;
      }
    }
    return a;
  }

  EV and_expr() {
    EV a = not_expr();
    while (is_name("and")) {
      ++pos_;
      EV b = not_expr();
      bool known = false;
      bool t = truthy(a.v, known);
      if (!known) {
        a = unk(a.v.why);
      } else if (t) {
        a = b;
      }
    }
    return a;
  }

  EV not_expr() {
    DepthGuard g(*this);
    if (is_name("not")) {
      ++pos_;
      EV a = not_expr();
      bool known = false;
      bool t = truthy(a.v, known);
      if (!known) return unk(a.v.why);
      return val(make_bool(!t));
    }
    return comparison();
  }

  EV comparison() {
    EV a = arith();
    for (;;) {
      std::string op;
      if (peek().t == Tok::Op &&
          (peek().s == "==" || peek().s == "!=" || peek().s == "<" || peek().s == ">" ||
           peek().s == "<=" || peek().s == ">=")) {
        op = peek().s;
        ++pos_;
      } else if (is_name("in")) {
        op = "in";
        ++pos_;
      } else if (is_name("not") && peek(1).t == Tok::Name && peek(1).s == "in") {
        op = "not in";
        pos_ += 2;
      } else if (is_name("is")) {
        ++pos_;
        op = "is";
        if (is_name("not")) {
          ++pos_;
          op = "is not";
        }
      } else {
        break;
      }
      EV b = arith();
      a = compare(a, op, b);
    }
    return a;
  }

  static bool equal(const Value& a, const Value& b) {
    if (is_num(a) && is_num(b)) return as_double(a) == as_double(b);
    if (a.kind != b.kind) return false;
    if (a.kind == Value::Kind::String) return a.str == b.str;
    return a.kind == Value::Kind::None;
  }

  EV compare(const EV& a, const std::string& op, const EV& b) {
    if (op == "in" || op == "not in") {
      bool found = false;
      if (b.seq) {
        for (auto& it : b.items) {
          if (!it.v.known()) return unk(it.v.why);
          if (!a.v.known()) return unk(a.v.why);
          if (equal(a.v, it.v)) found = true;
        }
      } else if (a.v.kind == Value::Kind::String && b.v.kind == Value::Kind::String) {
        found = b.v.str.find(a.v.str) != std::string::npos;
      } else {
        return unk(!a.v.known() ? a.v.why : b.v.why.empty() ? "`in` over an unknown container" : b.v.why);
      }
      return val(make_bool(op == "in" ? found : !found));
    }
    if (!a.v.known()) return unk(a.v.why);
    if (!b.v.known()) return unk(b.v.why);
    if (op == "==" || op == "is") return val(make_bool(equal(a.v, b.v)));
    if (op == "!=" || op == "is not") return val(make_bool(!equal(a.v, b.v)));
    int c = 0;
    if (is_num(a.v) && is_num(b.v)) {
      double x = as_double(a.v), y = as_double(b.v);
      c = x < y ? -1 : x > y ? 1 : 0;
    } else if (a.v.kind == Value::Kind::String && b.v.kind == Value::Kind::String) {
      c = a.v.str.compare(b.v.str);
      c = c < 0 ? -1 : c > 0 ? 1 : 0;
    } else {
      return unk("compares values of different types");
    }
    bool r = op == "<" ? c < 0 : op == ">" ? c > 0 : op == "<=" ? c <= 0 : c >= 0;
    return val(make_bool(r));
  }

  EV arith() {
    EV a = term();
    while (is_op("+") || is_op("-")) {
      std::string op = peek().s;
      ++pos_;
      EV b = term();
      a = binop(a, op, b);
    }
    return a;
  }

  EV term() {
    EV a = factor();
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
      std::string op = peek().s;
      ++pos_;
      EV b = factor();
      a = binop(a, op, b);
    }
    return a;
  }

  EV factor() {
    DepthGuard g(*this);
    if (is_op("-") || is_op("+") || is_op("~")) {
      std::string op = peek().s;
      ++pos_;
      EV a = factor();
      if (!a.v.known()) return a;
      if (op == "+" && is_num(a.v)) return a;
      if (op == "-" && a.v.kind == Value::Kind::Float) return val(make_float(-a.v.f));
      if (op == "-" && is_num(a.v)) return val(make_int(-as_int(a.v)));
      return unk("unary " + op + " of a non-number");
    }
    EV a = primary();
    if (accept("**")) {
      EV b = factor();
      return binop(a, "**", b);
    }
    return a;
  }

  static EV percent_format(const std::string& fmt, const EV& args) {
    std::vector<Value> vals;
    if (args.seq) {
      for (auto& it : args.items) vals.push_back(it.v);
    } else {
      vals.push_back(args.v);
    }
    std::string out;
    std::size_t k = 0;
    for (std::size_t i = 0; i < fmt.size(); ++i) {
      if (fmt[i] != '%') {
        out += fmt[i];
        continue;
      }
      if (i + 1 < fmt.size() && fmt[i + 1] == '%') {
        out += '%';
        ++i;
        continue;
      }
      std::size_t j = i + 1;
      while (j < fmt.size() && std::strchr("-+ #0123456789.", fmt[j]) && fmt[j]) ++j;
      if (j >= fmt.size() || k >= vals.size()) return unk("cannot apply % formatting");
      const Value& v = vals[k++];
      if (!v.known()) return unk(v.why);
      char conv = fmt[j];
      std::string spec = fmt.substr(i, j - i + 1);
      char buf[128];
      if (conv == 's') {
        out += v.to_str();
      } else if (conv == 'r') {
        out += py_repr(v);
      } else if ((conv == 'd' || conv == 'i') && is_num(v)) {
        std::snprintf(buf, sizeof buf, (spec.substr(0, spec.size() - 1) + "lld").c_str(),
                      static_cast<long long>(as_double(v)));
        out += buf;
      } else if ((conv == 'f' || conv == 'e' || conv == 'g') && is_num(v)) {
        std::snprintf(buf, sizeof buf, spec.c_str(), as_double(v));
        out += buf;
      } else {
        return unk("cannot apply % formatting");
      }
      i = j;
    }
    if (k != vals.size()) return unk("cannot apply % formatting");
    return val(Value::string(out));
  }

  static EV binop(const EV& a, const std::string& op, const EV& b) {
    if (op == "+" && a.seq && b.seq) {
      EV r = a;
      for (auto& it : b.items) r.items.push_back(it);
      return r;
    }
    if (op == "%" && a.v.kind == Value::Kind::String) {
      if (!b.seq && !b.v.known()) return unk(b.v.why);
      return percent_format(a.v.str, b);
    }
    if (!a.v.known()) return unk(a.v.why);
    if (!b.v.known()) return unk(b.v.why);
    const Value& x = a.v;
    const Value& y = b.v;
    if (x.kind == Value::Kind::String && y.kind == Value::Kind::String) {
      if (op == "+") return val(Value::string(x.str + y.str));
      return unk("`" + op + "` of strings");
    }
    if (op == "*" && ((x.kind == Value::Kind::String && y.kind == Value::Kind::Int) ||
                      (x.kind == Value::Kind::Int && y.kind == Value::Kind::String))) {
      const std::string& s = x.kind == Value::Kind::String ? x.str : y.str;
      long long n = x.kind == Value::Kind::Int ? x.i : y.i;
      if (n < 0) n = 0;
      if (static_cast<double>(n) * static_cast<double>(s.size()) > 1e6) return unk("string too long");
      std::string out;
      for (long long k = 0; k < n; ++k) out += s;
      return val(Value::string(out));
    }
    if (!is_num(x) || !is_num(y)) return unk("`" + op + "` of values of different types");
    bool both_int = x.kind != Value::Kind::Float && y.kind != Value::Kind::Float;
    if (both_int && op != "/") {
      long long p = as_int(x), q = as_int(y);
      long long r = 0;
      if (op == "+") {
        if (__builtin_add_overflow(p, q, &r)) return unk("integer overflow");
      } else if (op == "-") {
        if (__builtin_sub_overflow(p, q, &r)) return unk("integer overflow");
      } else if (op == "*") {
        if (__builtin_mul_overflow(p, q, &r)) return unk("integer overflow");
      } else if (op == "//" || op == "%") {
        if (q == 0) return unk("division by zero");
        if (p == LLONG_MIN && q == -1) return unk("integer overflow");
        long long d = p / q, m = p % q;
        if (m != 0 && ((m < 0) != (q < 0))) {
          --d;
          m += q;
        }
        r = op == "//" ? d : m;
      } else if (op == "**") {
        if (q < 0) return val(make_float(std::pow(static_cast<double>(p), static_cast<double>(q))));
        r = 1;
        for (long long k = 0; k < q; ++k) {
          if (__builtin_mul_overflow(r, p, &r)) return unk("integer overflow");
          if (k > 128) return unk("integer overflow");
        }
      } else {
        return unk("unsupported operator " + op);
      }
      return val(make_int(r));
    }
    double p = as_double(x), q = as_double(y);
    if (op == "+") return val(make_float(p + q));
    if (op == "-") return val(make_float(p - q));
    if (op == "*") return val(make_float(p * q));
    if (op == "/") {
      if (q == 0) return unk("division by zero");
      return val(make_float(p / q));
    }
    if (op == "//") {
      if (q == 0) return unk("division by zero");
      return val(make_float(std::floor(p / q)));
    }
    if (op == "%") {
      if (q == 0) return unk("division by zero");
      return val(make_float(p - std::floor(p / q) * q));
    }
    if (op == "**") return val(make_float(std::pow(p, q)));
    return unk("unsupported operator " + op);
  }

  EV primary() {
    EV a = atom();
    for (;;) {
      if (accept(".")) {
        if (peek().t != Tok::Name) throw ParseFail{"expected a name after `.`"};
        std::string name = peek().s;
        ++pos_;
        if (!a.ref.empty()) {
          a.ref += "." + name;
        } else if (a.v.kind == Value::Kind::String && a.method.empty()) {
          a.method = name;
        } else {
          std::string why = !a.v.known() && !a.v.why.empty() ? a.v.why : "uses attribute ." + name;
          a = unk(why);
        }
      } else if (is_op("(")) {
        ++pos_;
        Call c = call_args();
        a = call(a, c);
      } else if (accept("[")) {
        EV idx = subscript();
        expect("]");
        a = index(a, idx);
      } else {
        break;
      }
    }
    return a;
  }

  EV subscript() {
    // slices: [a:b]
    if (is_op(":") || is_op("]")) {
      EV lo;
      lo.v = make_none();
      return slice_rest(lo);
    }
    EV i = expr();
    if (is_op(":")) return slice_rest(i);
    return i;
  }
  EV slice_rest(EV lo) {
    expect(":");
    EV hi;
    hi.v = make_none();
    if (!is_op("]") && !is_op(":")) hi = expr();
    if (accept(":")) {
      if (!is_op("]")) expr();
      return unk("uses an extended slice");
    }
    EV s;
    s.method = "__slice__";
    s.items = {lo, hi};
    return s;
  }

  static EV index(const EV& a, const EV& idx) {
    if (!a.ref.empty()) {
      if (a.ref == "os.environ" || a.ref == "sys.argv") {
        std::string key = idx.v.kind == Value::Kind::String ? idx.v.str : "?";
        return unk("reads the environment variable " + key);
      }
      return unk("indexes " + a.ref);
    }
    if (idx.method == "__slice__") {
      if (a.v.kind != Value::Kind::String) return unk(a.v.why.empty() ? "slices a non-string" : a.v.why);
      long long n = static_cast<long long>(a.v.str.size());
      auto bound = [&](const EV& e, long long dflt) -> std::optional<long long> {
        if (e.v.kind == Value::Kind::None) return dflt;
        if (e.v.kind != Value::Kind::Int) return std::nullopt;
        long long k = e.v.i;
        if (k < 0) k += n;
        return std::clamp(k, 0LL, n);
      };
      auto lo = bound(idx.items[0], 0), hi = bound(idx.items[1], n);
      if (!lo || !hi) return unk("slice bounds unknown");
      if (*hi <= *lo) return val(Value::string(""));
      return val(Value::string(a.v.str.substr(*lo, *hi - *lo)));
    }
    if (a.seq) {
      if (idx.v.kind != Value::Kind::Int) return unk("index unknown");
      long long k = idx.v.i;
      long long n = static_cast<long long>(a.items.size());
      if (k < 0) k += n;
      if (k < 0 || k >= n) return unk("index out of range");
      return a.items[static_cast<std::size_t>(k)];
    }
    if (a.v.kind == Value::Kind::String && idx.v.kind == Value::Kind::Int) {
      long long k = idx.v.i;
      long long n = static_cast<long long>(a.v.str.size());
      if (k < 0) k += n;
      if (k < 0 || k >= n) return unk("index out of range");
      return val(Value::string(std::string(1, a.v.str[static_cast<std::size_t>(k)])));
    }
    if (!a.v.known() && !a.v.why.empty()) return unk(a.v.why);
    return unk("indexes a value that is not a known string");
  }

  Call call_args() {
    Call c;
    DepthGuard g(*this);
    while (!accept(")")) {
      if (peek().t == Tok::End) throw ParseFail{"unclosed `(`"};
      if (accept("*") || accept("**")) {
        expr();
        c.star = true;
      } else if (peek().t == Tok::Name && peek(1).t == Tok::Op && peek(1).s == "=") {
        std::string k = peek().s;
        pos_ += 2;
        c.kw.emplace_back(k, expr());
      } else {
        EV e = expr();
        if (is_name("for")) throw ParseFail{"uses a generator expression"};
        c.pos.push_back(std::move(e));
      }
      if (!accept(",")) {
        expect(")");
        break;
      }
    }
    return c;
  }

  const EV* kwarg(const Call& c, std::string_view k) {
    for (auto& [name, e] : c.kw) {
      if (name == k) return &e;
    }
    return nullptr;
  }

  std::string cwd() const { return env_.current_dir(); }

  // Python os.path.join (no normalisation).
  static std::string py_join(const std::vector<std::string>& parts) {
    std::string out;
    for (std::size_t k = 0; k < parts.size(); ++k) {
      const std::string& p = parts[k];
      if (k == 0 || (!p.empty() && p.front() == '/')) {
        out = p;
      } else if (out.empty() || out.back() == '/') {
        out += p;
      } else {
        out += "/" + p;
      }
    }
    return out;
  }

  EV call(const EV& f, const Call& c) {
    if (c.star) return unk("calls with *args");
    auto first_unknown = [&]() -> const Value* {
      for (auto& a : c.pos) {
        if (!a.v.known() && !a.seq) return &a.v;
      }
      for (auto& [k, a] : c.kw) {
        if (!a.v.known() && !a.seq) return &a.v;
      }
      return nullptr;
    };
    auto strings = [&](std::vector<std::string>& out) -> std::optional<EV> {
      for (auto& a : c.pos) {
        if (!a.v.known()) return unk(a.v.why);
        if (a.v.kind != Value::Kind::String) return unk("path argument is not a string");
        out.push_back(a.v.str);
      }
      return std::nullopt;
    };
    if (!f.method.empty() && f.v.kind == Value::Kind::String) return method(f.v.str, f.method, c);
    if (f.ref.empty()) {
      if (!f.v.known() && !f.v.why.empty()) return unk(f.v.why);
      return unk("calls a value that is not a known function");
    }
    const std::string& r = f.ref;
    if (r == "os.path.join") {
      std::vector<std::string> parts;
      if (auto u = strings(parts)) return *u;
      if (parts.empty()) return unk("os.path.join() without arguments");
      return val(Value::string(py_join(parts)));
    }
    if (r == "os.path.abspath" || r == "os.path.realpath" || r == "os.path.normpath" ||
        r == "os.path.dirname" || r == "os.path.basename" || r == "os.path.expanduser") {
      std::vector<std::string> parts;
      if (auto u = strings(parts)) return *u;
      if (parts.size() != 1) return unk(r + " with " + std::to_string(parts.size()) + " arguments");
      const std::string& p = parts[0];
      if (r == "os.path.dirname") return val(Value::string(path_dirname(p)));
      if (r == "os.path.basename") return val(Value::string(path_basename(p)));
      if (r == "os.path.expanduser") {
        if (!p.empty() && p[0] == '~') return unk("depends on the home folder");
        return val(Value::string(p));
      }
      if (r == "os.path.normpath") {
        if (p.empty()) return val(Value::string("."));
        return val(Value::string(path_normalize(p)));
      }
      // abspath / realpath
      if (!p.empty() && p[0] == '/') return val(Value::string(path_normalize(p)));
      std::string base = cwd();
      if (base.empty()) return unk("depends on the working folder, which is unknown");
      return val(Value::string(path_join(base, p)));
    }
    if (r == "os.getcwd" || r == "os.path.curdir") {
      std::string base = cwd();
      if (base.empty()) return unk("depends on the working folder, which is unknown");
      return val(Value::string(base));
    }
    if (r == "os.environ.get" || r == "os.getenv") {
      std::string key = !c.pos.empty() && c.pos[0].v.kind == Value::Kind::String ? c.pos[0].v.str : "?";
      return unk("reads the environment variable " + key);
    }
    if (r == "str" || r == "repr") {
      if (c.pos.empty()) return val(Value::string(""));
      if (c.pos[0].seq) return unk("str() of a sequence");
      if (!c.pos[0].v.known()) return unk(c.pos[0].v.why);
      return val(Value::string(r == "str" ? c.pos[0].v.to_str() : py_repr(c.pos[0].v)));
    }
    if (r == "int" || r == "float" || r == "bool" || r == "len" || r == "abs" || r == "round") {
      if (c.pos.empty()) {
        if (r == "int") return val(make_int(0));
        if (r == "float") return val(make_float(0));
        if (r == "bool") return val(make_bool(false));
        return unk(r + "() without arguments");
      }
      if (const Value* u = first_unknown()) return unk(u->why);
      const Value& v = c.pos[0].v;
      if (r == "len") {
        if (c.pos[0].seq) return val(make_int(static_cast<long long>(c.pos[0].items.size())));
        if (v.kind == Value::Kind::String) return val(make_int(static_cast<long long>(v.str.size())));
        return unk("len() of an unknown value");
      }
      if (r == "bool") {
        bool known = false;
        bool t = truthy(v, known);
        return val(make_bool(t));
      }
      if (r == "abs") {
        if (v.kind == Value::Kind::Float) return val(make_float(std::fabs(v.f)));
        if (is_num(v)) return val(make_int(std::llabs(as_int(v))));
        return unk("abs() of a non-number");
      }
      if (r == "round") {
        if (!is_num(v)) return unk("round() of a non-number");
        if (c.pos.size() > 1) return unk("round() with digits");
        return val(make_int(static_cast<long long>(std::nearbyint(as_double(v)))));
      }
      if (r == "int") {
        if (v.kind == Value::Kind::Float) {
          if (!std::isfinite(v.f) || std::fabs(v.f) > 9e18) return unk("int() out of range");
          return val(make_int(static_cast<long long>(v.f)));
        }
        if (is_num(v)) return val(make_int(as_int(v)));
        if (v.kind == Value::Kind::String) {
          std::string s(trim(v.str));
          s.erase(std::remove(s.begin(), s.end(), '_'), s.end());
          long long out = 0;
          const char* b = s.data();
          if (!s.empty() && s[0] == '+') ++b;
          auto res = std::from_chars(b, s.data() + s.size(), out);
          if (res.ec == std::errc() && res.ptr == s.data() + s.size() && !s.empty()) return val(make_int(out));
          return unk("int() of \"" + v.str + "\" fails");
        }
        return unk("int() of a non-number");
      }
      // float
      if (is_num(v)) return val(make_float(as_double(v)));
      if (v.kind == Value::Kind::String) {
        std::string s(trim(v.str));
        char* end = nullptr;
        double d = std::strtod(s.c_str(), &end);
        if (!s.empty() && end == s.c_str() + s.size()) return val(make_float(d));
        return unk("float() of \"" + v.str + "\" fails");
      }
      return unk("float() of a non-number");
    }
    if (r == "min" || r == "max") {
      std::vector<Value> vals;
      for (auto& a : c.pos) vals.push_back(a.v);
      if (vals.empty() || !c.kw.empty()) return unk(r + "() of unknown values");
      Value best = vals[0];
      for (auto& v : vals) {
        if (!v.known()) return unk(v.why);
        if (!is_num(v)) return unk(r + "() of non-numbers");
        if (r == "min" ? as_double(v) < as_double(best) : as_double(v) > as_double(best)) best = v;
      }
      return val(best);
    }
    if (r == "print") return val(make_none());
    if (r == "input") return unk("is read with input()");
    return unk("calls " + r + "()");
  }

  // Python str.format (positional, numbered, named; simple format specs).
  EV format(const std::string& fmt, const Call& c) {
    std::string out;
    std::size_t auto_idx = 0;
    for (std::size_t i = 0; i < fmt.size(); ++i) {
      char ch = fmt[i];
      if (ch == '{' && i + 1 < fmt.size() && fmt[i + 1] == '{') {
        out += '{';
        ++i;
        continue;
      }
      if (ch == '}' && i + 1 < fmt.size() && fmt[i + 1] == '}') {
        out += '}';
        ++i;
        continue;
      }
      if (ch != '{') {
        out += ch;
        continue;
      }
      std::size_t j = fmt.find('}', i);
      if (j == std::string::npos) return unk("malformed format string");
      std::string field = fmt.substr(i + 1, j - i - 1);
      std::string spec, conv;
      if (auto k = field.find(':'); k != std::string::npos) {
        spec = field.substr(k + 1);
        field = field.substr(0, k);
      }
      if (auto k = field.find('!'); k != std::string::npos) {
        conv = field.substr(k + 1);
        field = field.substr(0, k);
      }
      const EV* arg = nullptr;
      if (field.empty()) {
        if (auto_idx < c.pos.size()) arg = &c.pos[auto_idx];
        ++auto_idx;
      } else if (std::isdigit(static_cast<unsigned char>(field[0]))) {
        std::size_t k = static_cast<std::size_t>(std::atoi(field.c_str()));
        if (k < c.pos.size()) arg = &c.pos[k];
      } else {
        arg = kwarg(c, field);
      }
      if (!arg) return unk("format field {" + field + "} has no argument");
      if (!arg->v.known()) return unk(arg->v.why);
      auto s = apply_spec(arg->v, conv, spec);
      if (!s) return unk("format spec `" + spec + "` not understood");
      out += *s;
      i = j;
    }
    return val(Value::string(out));
  }

 public:
  static std::optional<std::string> apply_spec(const Value& v, const std::string& conv,
                                               const std::string& spec) {
    std::string s;
    Value x = v;
    if (conv == "r" || conv == "a") {
      x = Value::string(py_repr(v));
    } else if (conv == "s") {
      x = Value::string(v.to_str());
    } else if (!conv.empty()) {
      return std::nullopt;
    }
    if (spec.empty()) return x.to_str();
    // [[fill]align][sign][0][width][,][.precision][type]
    std::size_t i = 0;
    char fill = ' ', align = 0;
    if (spec.size() >= 2 && std::strchr("<>^=", spec[1]) && spec[1]) {
      fill = spec[0];
      align = spec[1];
      i = 2;
    } else if (!spec.empty() && std::strchr("<>^=", spec[0]) && spec[0]) {
      align = spec[0];
      i = 1;
    }
    std::string sign;
    if (i < spec.size() && (spec[i] == '+' || spec[i] == '-' || spec[i] == ' ')) sign = spec.substr(i++, 1);
    bool zero = false;
    if (i < spec.size() && spec[i] == '0') {
      zero = true;
      ++i;
    }
    int width = 0;
    while (i < spec.size() && std::isdigit(static_cast<unsigned char>(spec[i]))) width = width * 10 + (spec[i++] - '0');
    if (width > 1000) return std::nullopt;
    bool comma = false;
    if (i < spec.size() && (spec[i] == ',' || spec[i] == '_')) {
      comma = true;
      ++i;
    }
    int prec = -1;
    if (i < spec.size() && spec[i] == '.') {
      ++i;
      prec = 0;
      while (i < spec.size() && std::isdigit(static_cast<unsigned char>(spec[i]))) prec = prec * 10 + (spec[i++] - '0');
      if (prec > 100) return std::nullopt;
    }
    char type = i < spec.size() ? spec[i++] : 0;
    if (i != spec.size()) return std::nullopt;
    char buf[256];
    if (type == 0 || type == 's') {
      if (x.kind == Value::Kind::String || type == 's') {
        s = x.to_str();
        if (prec >= 0 && static_cast<std::size_t>(prec) < s.size()) s.resize(prec);
      } else if (x.kind == Value::Kind::Float && prec >= 0) {
        std::snprintf(buf, sizeof buf, "%.*g", prec, x.f);
        s = buf;
      } else {
        s = x.to_str();
      }
    } else if (!is_num(x)) {
      return std::nullopt;
    } else if (type == 'd') {
      if (x.kind == Value::Kind::Float) return std::nullopt;
      s = std::to_string(as_int(x));
    } else if (type == 'f' || type == 'F' || type == 'e' || type == 'E' || type == 'g' || type == '%') {
      double d = as_double(x);
      if (type == '%') d *= 100;
      char t = type == '%' ? 'f' : type;
      std::snprintf(buf, sizeof buf, (std::string("%.*") + t).c_str(), prec < 0 ? 6 : prec, d);
      s = buf;
      if (type == '%') s += '%';
    } else {
      return std::nullopt;
    }
    if (comma) {
      std::size_t start = (!s.empty() && s[0] == '-') ? 1 : 0;
      std::size_t end = s.find_first_not_of("0123456789", start);
      if (end == std::string::npos) end = s.size();
      std::string ip = s.substr(start, end - start), g;
      for (std::size_t k = 0; k < ip.size(); ++k) {
        if (k && (ip.size() - k) % 3 == 0) g += ',';
        g += ip[k];
      }
      s = s.substr(0, start) + g + s.substr(end);
    }
    if (sign == "+" && is_num(x) && (s.empty() || s[0] != '-')) s = "+" + s;
    if (static_cast<int>(s.size()) < width) {
      std::size_t padn = static_cast<std::size_t>(width) - s.size();
      if (zero && !align) {
        std::size_t at = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
        s.insert(at, padn, '0');
      } else {
        if (!align) align = x.kind == Value::Kind::String ? '<' : '>';
        if (align == '<') {
          s += std::string(padn, fill);
        } else if (align == '^') {
          s = std::string(padn / 2, fill) + s + std::string(padn - padn / 2, fill);
        } else {
          s = std::string(padn, fill) + s;
        }
      }
    }
    return s;
  }

 private:
  EV method(const std::string& s, const std::string& m, const Call& c) {
    if (m == "format") return format(s, c);
    for (auto& a : c.pos) {
      if (!a.v.known()) return unk(a.v.why);
    }
    auto arg_str = [&](std::size_t k) -> const std::string* {
      return k < c.pos.size() && c.pos[k].v.kind == Value::Kind::String ? &c.pos[k].v.str : nullptr;
    };
    if (m == "replace") {
      const std::string* a = arg_str(0);
      const std::string* b = arg_str(1);
      if (!a || !b) return unk("replace() with non-string arguments");
      long long count = -1;
      if (c.pos.size() > 2 && c.pos[2].v.kind == Value::Kind::Int) count = c.pos[2].v.i;
      std::string out;
      if (a->empty()) return unk("replace() of an empty string");
      std::size_t i = 0;
      while (i <= s.size()) {
        std::size_t j = count == 0 ? std::string::npos : s.find(*a, i);
        if (j == std::string::npos) {
          out += s.substr(i);
          break;
        }
        out += s.substr(i, j - i) + *b;
        i = j + a->size();
        if (count > 0) --count;
        if (out.size() > 1000000) return unk("string too long");
      }
      return val(Value::string(out));
    }
    if (m == "lower") return val(Value::string(to_lower(s)));
    if (m == "upper") {
      std::string out = s;
      for (auto& ch : out) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      return val(Value::string(out));
    }
    if (m == "strip" || m == "lstrip" || m == "rstrip") {
      std::string chars = " \t\n\r\f\v";
      if (const std::string* a = arg_str(0)) chars = *a;
      std::size_t b = m == "rstrip" ? 0 : s.find_first_not_of(chars);
      if (b == std::string::npos) return val(Value::string(""));
      std::size_t e = m == "lstrip" ? s.size() : s.find_last_not_of(chars) + 1;
      return val(Value::string(s.substr(b, e - b)));
    }
    if (m == "startswith" || m == "endswith") {
      const std::string* a = arg_str(0);
      if (!a) return unk(m + "() with a non-string argument");
      return val(make_bool(m == "startswith" ? starts_with(s, *a) : ends_with(s, *a)));
    }
    if (m == "removeprefix" || m == "removesuffix") {
      const std::string* a = arg_str(0);
      if (!a) return unk(m + "() with a non-string argument");
      if (m == "removeprefix" && starts_with(s, *a)) return val(Value::string(s.substr(a->size())));
      if (m == "removesuffix" && ends_with(s, *a)) return val(Value::string(s.substr(0, s.size() - a->size())));
      return val(Value::string(s));
    }
    if (m == "join") return unk("str.join() of a sequence");
    return unk("calls str." + m + "()");
  }

  EV fstring(const std::string& body, bool raw) {
    std::string out;
    std::size_t i = 0;
    while (i < body.size()) {
      char ch = body[i];
      if (ch == '{' && i + 1 < body.size() && body[i + 1] == '{') {
        out += '{';
        i += 2;
        continue;
      }
      if (ch == '}' && i + 1 < body.size() && body[i + 1] == '}') {
        out += '}';
        i += 2;
        continue;
      }
      if (ch != '{') {
        std::size_t j = i;
        while (j < body.size() && body[j] != '{' && body[j] != '}') ++j;
        if (j == i) ++j;  // a lone '}'
        std::string lit = body.substr(i, j - i);
        out += raw ? lit : decode_escapes(lit);
        i = j;
        continue;
      }
      // find the end of the replacement field
      int depth = 0;
      char q = 0;
      std::size_t j = i + 1;
      std::size_t conv_at = std::string::npos, spec_at = std::string::npos;
      for (; j < body.size(); ++j) {
        char d = body[j];
        if (q) {
          if (d == q) q = 0;
          continue;
        }
        if (d == '\'' || d == '"') {
          q = d;
        } else if (d == '(' || d == '[' || d == '{') {
          ++depth;
        } else if ((d == ')' || d == ']' || d == '}') && depth > 0) {
          --depth;
        } else if (d == '}' && depth == 0) {
          break;
        } else if (depth == 0 && d == '!' && conv_at == std::string::npos && spec_at == std::string::npos &&
                   !(j + 1 < body.size() && body[j + 1] == '=')) {
          conv_at = j;
        } else if (depth == 0 && d == ':' && spec_at == std::string::npos) {
          spec_at = j;
        }
      }
      if (j >= body.size()) return unk("malformed f-string");
      std::size_t expr_end = std::min({conv_at, spec_at, j});
      std::string ex = body.substr(i + 1, expr_end - i - 1);
      std::string conv, spec;
      if (conv_at != std::string::npos && conv_at < j) {
        std::size_t ce = spec_at != std::string::npos && spec_at > conv_at ? spec_at : j;
        conv = body.substr(conv_at + 1, ce - conv_at - 1);
      }
      if (spec_at != std::string::npos && spec_at < j) spec = body.substr(spec_at + 1, j - spec_at - 1);
      bool debug = false;
      std::string_view tex = trim(ex);
      if (!tex.empty() && tex.back() == '=' && !ends_with(tex, "==") && !ends_with(tex, "!=") &&
          !ends_with(tex, "<=") && !ends_with(tex, ">=")) {
        debug = true;
        ex = std::string(tex.substr(0, tex.size() - 1));
        if (conv.empty() && spec.empty()) conv = "r";
      }
      if (spec.find('{') != std::string::npos) return unk("nested format spec in f-string");
      Value v = eval_nested(ex);
      if (!v.known()) return unk(v.why);
      auto s = apply_spec(v, conv, spec);
      if (!s) return unk("format spec `" + spec + "` not understood");
      if (debug) out += ex + "=";
      out += *s;
      i = j + 1;
    }
    return val(Value::string(out));
  }

  Value eval_nested(const std::string& ex);

  EV atom() {
    DepthGuard g(*this);
    const Tok& t = peek();
    if (t.t == Tok::Str) {
      // implicit concatenation of adjacent literals
      std::string out;
      bool all_known = true;
      std::string why;
      bool bytes = false;
      while (peek().t == Tok::Str) {
        const Tok& s = peek();
        bytes = bytes || s.bytes;
        if (s.fstr) {
          EV e = fstring(s.s, s.raw);
          if (!e.v.known()) {
            all_known = false;
            if (why.empty()) why = e.v.why;
          } else {
            out += e.v.str;
          }
        } else {
          out += s.s;
        }
        ++pos_;
      }
      if (bytes) return unk("is a bytes value");
      if (!all_known) return unk(why);
      return val(Value::string(out));
    }
    if (t.t == Tok::Num) {
      std::string s = t.s;
      ++pos_;
      s.erase(std::remove(s.begin(), s.end(), '_'), s.end());
      bool is_float = s.find_first_of(".eE") != std::string::npos &&
                      !(s.size() > 1 && (s[1] == 'x' || s[1] == 'X'));
      if (!s.empty() && (s.back() == 'j' || s.back() == 'J')) return unk("is a complex number");
      if (is_float) {
        char* end = nullptr;
        double d = std::strtod(s.c_str(), &end);
        if (end != s.c_str() + s.size()) throw ParseFail{"bad number " + s};
        return val(make_float(d));
      }
      int base = 10;
      std::size_t off = 0;
      if (s.size() > 2 && s[0] == '0' && std::strchr("xXoObB", s[1]) && s[1]) {
        base = (s[1] == 'x' || s[1] == 'X') ? 16 : (s[1] == 'o' || s[1] == 'O') ? 8 : 2;
        off = 2;
      }
      long long v = 0;
      auto r = std::from_chars(s.data() + off, s.data() + s.size(), v, base);
      if (r.ec == std::errc::result_out_of_range) return unk("integer too large");
      if (r.ec != std::errc() || r.ptr != s.data() + s.size()) throw ParseFail{"bad number " + s};
      return val(make_int(v));
    }
    if (t.t == Tok::Name) {
      std::string n = t.s;
      ++pos_;
      if (n == "True") return val(make_bool(true));
      if (n == "False") return val(make_bool(false));
      if (n == "None") return val(make_none());
      if (n == "__file__") return unk("__file__ is not set in a notebook");
      static const std::set<std::string> kw = {"if", "else", "for", "while", "def", "class",
                                               "return", "import", "from", "with", "as",
                                               "try", "except", "finally", "in", "is", "and",
                                               "or", "not", "pass", "yield", "await", "del"};
      if (kw.count(n)) throw ParseFail{"unexpected keyword " + n};
      auto it = env_.vars.find(n);
      if (it != env_.vars.end()) {
        const Value& v = it->second;
        if (v.known()) return val(v);
        if (starts_with(v.why, "depends on ")) return unk(v.why);
        return unk("depends on " + n + " (" + (v.why.empty() ? "unknown" : v.why) + ")");
      }
      if (builtin_refs().count(n)) {
        EV e;
        e.ref = n;
        e.v = Value::unknown(n + " is a function or module");
        return e;
      }
      return unk("depends on " + n + " (never set)");
    }
    if (t.t == Tok::Op && (t.s == "(" || t.s == "[" || t.s == "{")) {
      std::string close = t.s == "(" ? ")" : t.s == "[" ? "]" : "}";
      bool is_dict_or_set = t.s == "{";
      ++pos_;
      EV seq;
      seq.seq = true;
      bool saw_comma = false;
      while (!accept(close)) {
        if (peek().t == Tok::End) throw ParseFail{"unclosed `" + t.s + "`"};
        if (accept("*") || accept("**")) {
          expr();
          seq.items.push_back(unk("unpacks a sequence"));
        } else {
          EV e = expr();
          if (is_name("for")) throw ParseFail{"uses a comprehension"};
          if (is_dict_or_set && accept(":")) {
            expr();
            e = unk("is a dict");
          }
          seq.items.push_back(std::move(e));
        }
        if (accept(",")) {
          saw_comma = true;
          continue;
        }
        expect(close);
        break;
      }
      if (is_dict_or_set) return unk("is a dict or set");
      if (close == ")" && !saw_comma && seq.items.size() == 1) return seq.items[0];
      seq.v = Value::unknown(close == ")" ? "is a tuple" : "is a list");
      return seq;
    }
    if (t.t == Tok::End) throw ParseFail{"expression ends early"};
    throw ParseFail{"cannot parse `" + t.s + "`"};
  }

  const std::vector<Tok>& t_;
  const PyEnv& env_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

EV eval_tokens(const std::vector<Tok>& toks, const PyEnv& env, int depth) {
  Parser p(toks, env, depth);
  return p.parse_all();
}

thread_local int g_nested_depth = 0;

Value Parser::eval_nested(const std::string& ex) {
  if (g_nested_depth > 8 || depth_ > kMaxDepth) return Value::unknown("f-string nested too deeply");
  ++g_nested_depth;
  Value out;
  try {
    auto toks = tokenize(ex);
    EV e = eval_tokens(toks, env_, depth_ + 1);
    out = e.seq ? Value::unknown("is a tuple or list") : e.v;
    if (!e.method.empty() || !e.ref.empty()) out = Value::unknown("is a function");
  } catch (const ParseFail& f) {
    out = Value::unknown("cannot evaluate `" + ex + "`: " + f.why);
  }
  --g_nested_depth;
  return out;
}

Value to_value(const EV& e) {
  if (e.seq) return Value::unknown(e.v.why.empty() ? "is a tuple or list" : e.v.why);
  if (!e.ref.empty()) return Value::unknown(e.ref + " is a function or module");
  if (!e.method.empty()) return Value::unknown("is a method");
  return e.v;
}

std::string shorten(std::string_view s) {
  std::string out(trim(s));
  if (out.size() > 60) out = out.substr(0, 57) + "...";
  return out;
}

}  // namespace

Value eval_expr(std::string_view expr, const PyEnv& env) {
  try {
    auto toks = tokenize(expr);
    return to_value(eval_tokens(toks, env, 0));
  } catch (const ParseFail& f) {
    return Value::unknown("cannot evaluate `" + shorten(expr) + "`: " + f.why);
  } catch (const std::exception& e) {
    return Value::unknown(std::string("cannot evaluate: ") + e.what());
  }
}

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

Value eval_python_tokens(std::vector<PyToken> toks, const PyEnv& env) {
  if (toks.empty() || toks.back().t != Tok::End) toks.push_back(Tok{Tok::End, ""});
  try {
    return to_value(eval_tokens(toks, env, 0));
  } catch (const ParseFail& f) {
    return Value::unknown("cannot evaluate: " + f.why);
  } catch (const std::exception& e) {
    return Value::unknown(std::string("cannot evaluate: ") + e.what());
  }
}

bool is_python_expression(std::string_view expr) {
  try {
    auto toks = tokenize(expr);
    PyEnv empty;
    eval_tokens(toks, empty, 0);
    return true;
  } catch (...) {
    return false;
  }
}

// ---------------------------------------------------------------- statements

namespace {

// Splits tokens at top-level occurrences of op (outside brackets). The End token is dropped.
std::vector<std::vector<Tok>> split_top(const std::vector<Tok>& toks, std::string_view op) {
  std::vector<std::vector<Tok>> parts(1);
  int depth = 0;
  for (const Tok& t : toks) {
    if (t.t == Tok::End) break;
    if (t.t == Tok::Op) {
      if (t.s == "(" || t.s == "[" || t.s == "{") ++depth;
      if ((t.s == ")" || t.s == "]" || t.s == "}") && depth > 0) --depth;
      if (depth == 0 && t.s == op) {
        parts.emplace_back();
        continue;
      }
    }
    parts.back().push_back(t);
  }
  return parts;
}

std::vector<Tok> with_end(std::vector<Tok> v) {
  v.push_back(Tok{Tok::End, ""});
  return v;
}

bool is_ident(std::string_view s) {
  if (s.empty() || !ident_start(s[0])) return false;
  for (char c : s) {
    if (!ident_char(c)) return false;
  }
  return true;
}

// Names bound by an assignment target (a name, or a tuple/list of names); attribute and subscript
// targets bind nothing. Returns false when the target is not a plain name list.
void target_names(const std::vector<Tok>& target, std::vector<std::string>& names, bool& plain) {
  plain = true;
  std::vector<Tok> t = target;
  // strip one level of parentheses / brackets around a tuple target
  if (t.size() >= 2 && t.front().t == Tok::Op && (t.front().s == "(" || t.front().s == "[")) {
    t = std::vector<Tok>(t.begin() + 1, t.end() - 1);
  }
  for (auto& part : split_top(with_end(t), ",")) {
    if (part.empty()) continue;
    std::size_t k = 0;
    if (part[0].t == Tok::Op && part[0].s == "*") k = 1;
    if (part.size() == k + 1 && part[k].t == Tok::Name) {
      names.push_back(part[k].s);
    } else {
      plain = false;
      // a.b = / d[k] = / nested tuples: bind nothing, except nested names in tuples
      if (!part.empty() && part[0].t == Tok::Op && part[0].s == "(") {
        bool p2 = true;
        target_names(part, names, p2);
      }
    }
  }
}

void assign_value(PyEnv& env, const std::vector<Tok>& target, const EV& rhs) {
  std::vector<std::string> names;
  bool plain = true;
  target_names(target, names, plain);
  if (names.empty()) return;  // attribute / subscript (os.environ["X"] = ...): ignored
  bool single = split_top(with_end(target), ",").size() == 1 && !(target.size() >= 2 && target[0].t == Tok::Op && (target[0].s == "(" || target[0].s == "["));
  if (single && names.size() == 1) {
    env.vars[names[0]] = to_value(rhs);
    return;
  }
  if (rhs.seq && rhs.items.size() == names.size() && plain) {
    for (std::size_t k = 0; k < names.size(); ++k) env.vars[names[k]] = to_value(rhs.items[k]);
    return;
  }
  if (rhs.v.kind == Value::Kind::String && rhs.v.str.size() == names.size() && plain) {
    for (std::size_t k = 0; k < names.size(); ++k) env.vars[names[k]] = Value::string(std::string(1, rhs.v.str[k]));
    return;
  }
  std::string why = !rhs.seq && !rhs.v.why.empty() ? rhs.v.why : "unpacked from a value rwkvq cannot split";
  for (auto& n : names) env.vars[n] = Value::unknown(why);
}

void mark_unknown(PyEnv& env, const std::vector<std::string>& names, const std::string& why) {
  for (auto& n : names) env.vars[n] = Value::unknown(why);
}

}  // namespace

namespace {
void exec_tokens(const std::vector<Tok>& toks, PyEnv& env);
}  // namespace

void exec_python_line(std::string_view line, PyEnv& env) {
  std::vector<Tok> toks;
  try {
    toks = tokenize(line);
  } catch (const ParseFail&) {
    // Unparseable: a name at the start followed by '=' is still assigned (to Unknown).
    std::string_view t = trim(line);
    std::size_t k = 0;
    while (k < t.size() && ident_char(t[k])) ++k;
    std::string_view rest = trim(t.substr(k));
    if (k > 0 && is_ident(t.substr(0, k)) && starts_with(rest, "=") && !starts_with(rest, "==")) {
      env.vars[std::string(t.substr(0, k))] = Value::unknown("cannot evaluate `" + shorten(t.substr(k + 1)) + "`");
    }
    return;
  }
  exec_tokens(toks, env);
}

namespace {
void exec_tokens(const std::vector<Tok>& toks, PyEnv& env) {
  if (toks.empty() || toks[0].t == Tok::End) return;
  const Tok& first = toks[0];
  if (first.t == Tok::Name) {
    const std::string& k = first.s;
    if (k == "import" || k == "from") {
      // `import x as y` / `from m import a, b as c`: bound names are modules/functions we do
      // not model (except os).
      bool after_import = k == "import";
      std::vector<std::string> bound;
      for (std::size_t i = 1; i < toks.size(); ++i) {
        if (toks[i].t == Tok::Name && toks[i].s == "import") {
          after_import = true;
          continue;
        }
        if (!after_import || toks[i].t != Tok::Name) continue;
        if (i + 1 < toks.size() && toks[i + 1].t == Tok::Name && toks[i + 1].s == "as") continue;
        if (i > 0 && toks[i - 1].t == Tok::Op && toks[i - 1].s == ".") continue;
        if (toks[i].s == "as") continue;
        bound.push_back(toks[i].s);
      }
      for (auto& b : bound) {
        if (b == "os" || b == "sys" || b == "math" || b == "Path" || b == "pathlib") {
          env.vars.erase(b);
        } else if (env.vars.count(b)) {
          env.vars[b] = Value::unknown(b + " is an imported module");
        }
      }
      return;
    }
    if (k == "del") {
      for (std::size_t i = 1; i < toks.size(); ++i) {
        if (toks[i].t == Tok::Name) env.vars.erase(toks[i].s);
      }
      return;
    }
    if (k == "global" || k == "nonlocal" || k == "pass" || k == "assert" || k == "raise" ||
        k == "return" || k == "break" || k == "continue") {
      return;
    }
  }
  // Several statements on one line: a; b
  {
    auto stmts = split_top(toks, ";");
    if (stmts.size() > 1) {
      for (auto& st : stmts) {
        if (!st.empty()) exec_tokens(with_end(st), env);
      }
      return;
    }
  }
  // augmented assignment
  for (std::size_t i = 1; i < toks.size(); ++i) {
    const Tok& t = toks[i];
    if (t.t != Tok::Op) continue;
    static const std::set<std::string> aug = {"+=", "-=", "*=", "/=", "//=", "%=", "**=",
                                              "&=", "|=", "^=", ">>=", "<<=", "@="};
    if (!aug.count(t.s)) continue;
    std::vector<Tok> target(toks.begin(), toks.begin() + static_cast<long>(i));
    if (target.size() != 1 || target[0].t != Tok::Name) return;  // a.b += / d[k] +=: ignored
    const std::string& name = target[0].s;
    std::vector<Tok> rhs_toks(toks.begin() + static_cast<long>(i) + 1, toks.end());
    std::string op = t.s.substr(0, t.s.size() - 1);
    // Evaluate NAME op (rhs)
    std::vector<Tok> expr = {Tok{Tok::Name, name}, Tok{Tok::Op, op}, Tok{Tok::Op, "("}};
    expr.insert(expr.end(), rhs_toks.begin(), rhs_toks.end() - 1);
    expr.push_back(Tok{Tok::Op, ")"});
    expr.push_back(Tok{Tok::End, ""});
    try {
      EV r = eval_tokens(expr, env, 0);
      env.vars[name] = to_value(r);
    } catch (const ParseFail& f) {
      env.vars[name] = Value::unknown("cannot evaluate: " + f.why);
    }
    return;
  }
  auto parts = split_top(toks, "=");
  if (parts.size() == 1) {
    // expression statement: os.chdir(X) changes the working folder
    if (toks.size() >= 5 && toks[0].t == Tok::Name && toks[0].s == "os" && toks[1].s == "." &&
        toks[2].s == "chdir" && toks[3].s == "(") {
      std::vector<Tok> arg(toks.begin() + 4, toks.end());
      // drop the closing ')' and End
      if (arg.size() >= 2) {
        arg.pop_back();
        if (!arg.empty() && arg.back().t == Tok::Op && arg.back().s == ")") arg.pop_back();
      }
      Value v;
      try {
        v = to_value(eval_tokens(with_end(arg), env, 0));
      } catch (const ParseFail& f) {
        v = Value::unknown(f.why);
      }
      if (v.kind == Value::Kind::String) {
        std::string base = env.current_dir();
        if (!v.str.empty() && v.str[0] == '/') {
          env.cwd = path_normalize(v.str);
        } else if (base.empty()) {
          env.cwd = std::string();
        } else {
          env.cwd = path_join(base, v.str);
        }
      } else {
        env.cwd = std::string();
      }
      return;
    }
    // `A: int` annotation without value: nothing
    return;
  }
  // annotated assignment: NAME: type = value
  std::vector<Tok> first_target = parts[0];
  {
    auto ann = split_top(with_end(first_target), ":");
    if (ann.size() > 1) {
      first_target = ann[0];
      parts[0] = first_target;
    }
  }
  // keyword arguments / comparisons never reach here at top level; lambda defaults are rare
  EV rhs;
  try {
    rhs = eval_tokens(with_end(parts.back()), env, 0);
  } catch (const ParseFail& f) {
    rhs = unk("cannot evaluate: " + f.why);
  }
  for (std::size_t t = 0; t + 1 < parts.size(); ++t) assign_value(env, parts[t], rhs);
}

// ---------------------------------------------------------------- blocks

bool is_python(const CodeLine& l) { return l.kind == LineKind::Python; }
bool is_structural(const CodeLine& l) {
  return l.kind != LineKind::Blank && l.kind != LineKind::Comment;
}

std::string first_word(std::string_view text) {
  std::string_view t = trim(text);
  std::size_t k = 0;
  while (k < t.size() && ident_char(t[k])) ++k;
  return std::string(t.substr(0, k));
}

// Position of the ':' ending a compound statement's header (top level, outside strings), or npos.
std::size_t header_colon(std::string_view s) {
  int depth = 0;
  char q = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (q) {
      if (c == '\\') {
        ++i;
      } else if (c == q) {
        q = 0;
      }
      continue;
    }
    if (c == '\'' || c == '"') {
      q = c;
    } else if (c == '#') {
      return std::string_view::npos;
    } else if (c == '(' || c == '[' || c == '{') {
      ++depth;
    } else if ((c == ')' || c == ']' || c == '}') && depth > 0) {
      --depth;
    } else if (c == ':' && depth == 0 && !(i + 1 < s.size() && s[i + 1] == '=')) {
      return i;
    }
  }
  return std::string_view::npos;
}

const std::set<std::string>& compound_keywords() {
  static const std::set<std::string> k = {"if", "elif", "else", "for", "while", "def", "class",
                                          "with", "try", "except", "finally", "async", "match", "case"};
  return k;
}

bool values_equal(const Value& a, const Value& b) {
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case Value::Kind::String: return a.str == b.str;
    case Value::Kind::Int: return a.i == b.i;
    case Value::Kind::Float: return a.f == b.f;
    case Value::Kind::Bool: return a.b == b.b;
    case Value::Kind::None: return true;
    case Value::Kind::Unknown: return a.why == b.why;
  }
  return false;
}

class BlockRunner {
 public:
  BlockRunner(const std::vector<CodeLine>& lines, const ShellLineHandler* on_shell,
              const PythonLineHandler* on_python = nullptr)
      : lines_(lines), on_shell_(on_shell), on_python_(on_python) {}

  void run(std::size_t begin, std::size_t end, PyEnv& env, bool conditional, int depth) {
    std::size_t i = begin;
    while (i < end) {
      const CodeLine& l = lines_[i];
      if (!is_structural(l)) {
        ++i;
        continue;
      }
      if (!is_python(l)) {
        shell(l, env, conditional);
        ++i;
        continue;
      }
      if (on_python_ && *on_python_) (*on_python_)(l, env, conditional);
      std::string kw = first_word(l.text);
      if (!compound_keywords().count(kw) || header_colon(l.text) == std::string_view::npos) {
        // a command started from Python (subprocess.run, os.system) is reported like a `!` line
        if (on_shell_ && *on_shell_ && python_command(l.text, env)) (*on_shell_)(l, env, conditional);
        exec_python_line(l.text, env);
        ++i;
        continue;
      }
      if (depth > 50) {  // absurd nesting: the block is skipped
        i = block_end(i);
        continue;
      }
      i = compound(i, end, env, conditional, depth);
    }
  }

 private:
  void shell(const CodeLine& l, PyEnv& env, bool conditional) {
    if (on_shell_ && *on_shell_) (*on_shell_)(l, env, conditional);
    if (!l.target.empty()) {
      std::vector<Tok> toks;
      try {
        toks = tokenize(l.target);
      } catch (const ParseFail&) {
        return;
      }
      std::vector<std::string> names;
      bool plain = true;
      target_names(std::vector<Tok>(toks.begin(), toks.end() - 1), names, plain);
      mark_unknown(env, names, "is the output of a shell command");
    }
  }

  // End (exclusive) of the body of the header at i: following lines indented deeper.
  std::size_t block_end(std::size_t header) const {
    int indent = lines_[header].indent;
    std::size_t k = header + 1;
    std::size_t last = header + 1;
    for (; k < lines_.size(); ++k) {
      const CodeLine& l = lines_[k];
      if (!is_structural(l)) continue;
      if (l.indent <= indent) break;
      last = k + 1;
    }
    return std::max(last, header + 1);
  }

  // Names a range would assign, found by running it on a scratch copy.
  void mark_assigned_unknown(std::size_t b, std::size_t e, PyEnv& env, const std::string& why,
                             int depth) {
    PyEnv scratch = env;
    run_body_silent(b, e, scratch, depth);
    for (auto& [name, v] : scratch.vars) {
      auto it = env.vars.find(name);
      if (it == env.vars.end() || !values_equal(it->second, v)) env.vars[name] = Value::unknown(why);
    }
    if (scratch.cwd != env.cwd) env.cwd = std::string();
  }

  void run_body_silent(std::size_t b, std::size_t e, PyEnv& env, int depth) {
    const ShellLineHandler* saved = on_shell_;
    const PythonLineHandler* saved_py = on_python_;
    on_shell_ = nullptr;
    on_python_ = nullptr;
    run(b, e, env, true, depth + 1);
    on_shell_ = saved;
    on_python_ = saved_py;
  }

  // One-line body after the header's colon ("if x: y = 1").
  void inline_body(const CodeLine& header, PyEnv& env) {
    std::size_t c = header_colon(header.text);
    std::string_view rest = trim(std::string_view(header.text).substr(c + 1));
    if (!rest.empty() && rest[0] != '#') exec_python_line(rest, env);
  }

  bool has_inline_body(const CodeLine& header) const {
    std::size_t c = header_colon(header.text);
    std::string_view rest = trim(std::string_view(header.text).substr(c + 1));
    return !rest.empty() && rest[0] != '#';
  }

  // Runs clause body [b,e) (plus an inline body) on env.
  void run_clause(const CodeLine& header, std::size_t b, std::size_t e, PyEnv& env,
                  bool conditional, int depth) {
    if (has_inline_body(header)) inline_body(header, env);
    run(b, e, env, conditional, depth + 1);
  }

  static Value condition(const CodeLine& header, std::string_view kw, const PyEnv& env) {
    std::size_t c = header_colon(header.text);
    std::string_view h = trim(std::string_view(header.text).substr(0, c));
    std::string_view cond = trim(h.substr(std::min(kw.size(), h.size())));
    return eval_expr(cond, env);
  }

  // Merges the outcomes of alternative paths into env.
  static void merge(PyEnv& env, const std::vector<PyEnv>& outcomes, const std::string& why) {
    std::set<std::string> names;
    for (auto& o : outcomes) {
      for (auto& [n, v] : o.vars) names.insert(n);
    }
    for (auto& n : names) {
      const Value* common = nullptr;
      bool same = true;
      for (auto& o : outcomes) {
        auto it = o.vars.find(n);
        if (it == o.vars.end()) {
          same = false;
          break;
        }
        if (!common) {
          common = &it->second;
        } else if (!values_equal(*common, it->second)) {
          same = false;
          break;
        }
      }
      if (same && common) {
        env.vars[n] = *common;
      } else {
        env.vars[n] = Value::unknown(n + " is " + why);
      }
    }
    bool cwd_same = true;
    for (auto& o : outcomes) {
      if (o.cwd != outcomes.front().cwd) cwd_same = false;
    }
    env.cwd = cwd_same && !outcomes.empty() ? outcomes.front().cwd : std::optional<std::string>(std::string());
  }

  std::size_t compound(std::size_t i, std::size_t end, PyEnv& env, bool conditional, int depth) {
    const CodeLine& h = lines_[i];
    std::string kw = first_word(h.text);
    std::size_t be = std::min(block_end(i), end);
    if (kw == "def" || kw == "class" || kw == "async") {
      std::string_view t = trim(h.text);
      std::vector<Tok> toks;
      try {
        toks = tokenize(t);
      } catch (const ParseFail&) {
      }
      for (std::size_t k = 0; k + 1 < toks.size(); ++k) {
        if (toks[k].t == Tok::Name && (toks[k].s == "def" || toks[k].s == "class") &&
            toks[k + 1].t == Tok::Name) {
          env.vars[toks[k + 1].s] = Value::unknown(toks[k + 1].s + " is a " + (toks[k].s == "def" ? "function" : "class"));
          break;
        }
      }
      return be;
    }
    if (kw == "if" || kw == "match") {
      if (kw == "match") {
        mark_assigned_unknown(i + 1, be, env, "set in a `match` statement", depth);
        report_shell(i + 1, be, env);
        return be;
      }
      // gather clauses: if, elif*, else?
      struct Clause {
        std::size_t header, b, e;
        bool is_else;
      };
      std::vector<Clause> clauses;
      clauses.push_back({i, i + 1, be, false});
      std::size_t k = be;
      while (k < end) {
        std::size_t n = k;
        while (n < end && !is_structural(lines_[n])) ++n;
        if (n >= end || !is_python(lines_[n]) || lines_[n].indent != h.indent) break;
        std::string w = first_word(lines_[n].text);
        if (w != "elif" && w != "else") break;
        std::size_t e = std::min(block_end(n), end);
        clauses.push_back({n, n + 1, e, w == "else"});
        k = e;
        if (w == "else") break;
      }
      std::size_t after = k;
      for (std::size_t c = 0; c < clauses.size(); ++c) {
        const Clause& cl = clauses[c];
        if (cl.is_else) {
          run_clause(lines_[cl.header], cl.b, cl.e, env, conditional, depth);
          return after;
        }
        Value v = condition(lines_[cl.header], c == 0 ? "if" : "elif", env);
        bool known = false;
        bool t = truthy(v, known);
        if (known) {
          if (t) {
            run_clause(lines_[cl.header], cl.b, cl.e, env, conditional, depth);
            return after;
          }
          continue;
        }
        // undecidable from here on: every remaining path is possible
        std::string cond_text(trim(std::string_view(lines_[cl.header].text).substr(0, header_colon(lines_[cl.header].text))));
        if (cond_text.size() > 60) cond_text = cond_text.substr(0, 57) + "...";
        std::vector<PyEnv> outcomes;
        bool has_else = false;
        for (std::size_t r = c; r < clauses.size(); ++r) {
          PyEnv copy = env;
          run_clause(lines_[clauses[r].header], clauses[r].b, clauses[r].e, copy, true, depth);
          outcomes.push_back(std::move(copy));
          if (clauses[r].is_else) has_else = true;
        }
        if (!has_else) outcomes.push_back(env);
        merge(env, outcomes, "set in a branch of `" + cond_text + "` that cannot be decided (" + (v.why.empty() ? "unknown condition" : v.why) + ")");
        return after;
      }
      return after;
    }
    if (kw == "for" || kw == "while") {
      PyEnv copy = env;
      if (kw == "for") {
        // loop target unknown
        std::string_view hdr = trim(std::string_view(h.text).substr(0, header_colon(h.text)));
        std::vector<Tok> toks;
        try {
          toks = tokenize(hdr);
        } catch (const ParseFail&) {
        }
        std::vector<Tok> target;
        for (std::size_t k = 1; k < toks.size(); ++k) {
          if (toks[k].t == Tok::Name && toks[k].s == "in") break;
          target.push_back(toks[k]);
        }
        std::vector<std::string> names;
        bool plain = true;
        target_names(target, names, plain);
        mark_unknown(copy, names, "is a loop variable");
        mark_unknown(env, names, "is a loop variable");
      }
      run_clause(h, i + 1, be, copy, true, depth);
      std::size_t after = be;
      // for/while ... else:
      std::size_t n = be;
      while (n < end && !is_structural(lines_[n])) ++n;
      if (n < end && is_python(lines_[n]) && lines_[n].indent == h.indent && first_word(lines_[n].text) == "else") {
        std::size_t e = std::min(block_end(n), end);
        run_clause(lines_[n], n + 1, e, copy, true, depth);
        after = e;
      }
      for (auto& [name, v] : copy.vars) {
        auto it = env.vars.find(name);
        if (it == env.vars.end() || !values_equal(it->second, v)) {
          env.vars[name] = Value::unknown(name + " is assigned in a `" + kw + "` loop");
        }
      }
      if (copy.cwd != env.cwd) env.cwd = std::string();
      return after;
    }
    if (kw == "with") {
      // The body runs once; `as` targets are unknown.
      std::string_view hdr = trim(std::string_view(h.text).substr(0, header_colon(h.text)));
      std::vector<Tok> toks;
      try {
        toks = tokenize(hdr);
      } catch (const ParseFail&) {
      }
      for (std::size_t k = 0; k + 1 < toks.size(); ++k) {
        if (toks[k].t == Tok::Name && toks[k].s == "as" && toks[k + 1].t == Tok::Name) {
          env.vars[toks[k + 1].s] = Value::unknown(toks[k + 1].s + " is bound by `with`");
        }
      }
      run_clause(h, i + 1, be, env, conditional, depth);
      return be;
    }
    if (kw == "try") {
      // try body: assumed to complete; except handlers: may run instead (merged); finally: runs.
      PyEnv before = env;
      run_clause(h, i + 1, be, env, conditional, depth);
      std::size_t k = be;
      std::vector<PyEnv> outcomes = {env};
      for (;;) {
        std::size_t n = k;
        while (n < end && !is_structural(lines_[n])) ++n;
        if (n >= end || !is_python(lines_[n]) || lines_[n].indent != h.indent) break;
        std::string w = first_word(lines_[n].text);
        std::size_t e = std::min(block_end(n), end);
        if (w == "except") {
          PyEnv copy = before;
          run_clause(lines_[n], n + 1, e, copy, true, depth);
          outcomes.push_back(std::move(copy));
        } else if (w == "else") {
          run_clause(lines_[n], n + 1, e, outcomes[0], conditional, depth);
        } else if (w == "finally") {
          if (outcomes.size() > 1) merge(env, outcomes, "set in a try/except whose outcome cannot be decided");
          else env = outcomes[0];
          outcomes = {env};
          run_clause(lines_[n], n + 1, e, outcomes[0], conditional, depth);
        } else {
          break;
        }
        k = e;
      }
      if (outcomes.size() > 1) {
        merge(env, outcomes, "set in a try/except whose outcome cannot be decided");
      } else {
        env = outcomes[0];
      }
      return k;
    }
    // stray elif/else/except/finally/case: treat as undecidable
    mark_assigned_unknown(i + 1, be, env, "set in a block rwkvq cannot follow", depth);
    report_shell(i + 1, be, env);
    return be;
  }

  void report_shell(std::size_t b, std::size_t e, PyEnv& env) {
    for (std::size_t k = b; k < e && k < lines_.size(); ++k) {
      if (is_structural(lines_[k]) && !is_python(lines_[k])) shell(lines_[k], env, true);
    }
  }

  const std::vector<CodeLine>& lines_;
  const ShellLineHandler* on_shell_;
  const PythonLineHandler* on_python_;
};

}  // namespace

std::optional<PythonCommand> python_command(std::string_view line, const PyEnv& env) {
  if (line.find("subprocess") == std::string_view::npos && line.find("system") == std::string_view::npos)
    return std::nullopt;
  std::vector<Tok> toks;
  try {
    toks = tokenize(line);
  } catch (const ParseFail&) {
    return std::nullopt;
  }
  static const std::set<std::string> sub = {"run", "call", "check_call", "check_output", "Popen"};
  for (std::size_t k = 0; k + 3 < toks.size(); ++k) {
    if (toks[k].t != Tok::Name || !(toks[k + 1].t == Tok::Op && toks[k + 1].s == ".") || toks[k + 2].t != Tok::Name ||
        !(toks[k + 3].t == Tok::Op && toks[k + 3].s == "("))
      continue;
    const bool is_sub = toks[k].s == "subprocess" && sub.count(toks[k + 2].s);
    const bool is_os = toks[k].s == "os" && toks[k + 2].s == "system";
    if (!is_sub && !is_os) continue;
    if (k > 0 && toks[k - 1].t == Tok::Op && toks[k - 1].s == ".") continue;  // x.subprocess.run
    PythonCommand pc;
    pc.call = toks[k].s + "." + toks[k + 2].s;
    // the arguments: up to the matching ")"
    std::vector<Tok> args;
    int depth = 1;
    for (std::size_t j = k + 4; j < toks.size() && toks[j].t != Tok::End; ++j) {
      const Tok& t = toks[j];
      if (t.t == Tok::Op && (t.s == "(" || t.s == "[" || t.s == "{")) ++depth;
      if (t.t == Tok::Op && (t.s == ")" || t.s == "]" || t.s == "}") && --depth == 0) break;
      args.push_back(t);
    }
    std::vector<std::vector<Tok>> parts = split_top(with_end(args), ",");
    const std::vector<Tok>* first = nullptr;
    for (const auto& part : parts) {
      if (part.empty()) continue;
      if (part.size() >= 2 && part[0].t == Tok::Name && part[1].t == Tok::Op && part[1].s == "=") {
        if (part[0].s == "shell") {
          Value v;
          try {
            v = to_value(eval_tokens(with_end(std::vector<Tok>(part.begin() + 2, part.end())), env, 0));
          } catch (const ParseFail&) {
          }
          bool known = false;
          pc.shell = truthy(v, known) && known;
        }
        if (part[0].s == "args" && !first) first = &part;
        continue;
      }
      if (!first) first = &part;
    }
    if (is_os) pc.shell = true;
    if (!first) {
      pc.argv_known = false;
      pc.why = pc.call + " names no command";
      pc.text = Value::unknown(pc.why);
      return pc;
    }
    std::vector<Tok> expr = *first;
    if (expr.size() >= 2 && expr[0].t == Tok::Name && expr[0].s == "args" && expr[1].t == Tok::Op && expr[1].s == "=")
      expr.erase(expr.begin(), expr.begin() + 2);
    EV ev;
    try {
      ev = eval_tokens(with_end(expr), env, 0);
    } catch (const ParseFail& f) {
      ev = unk("cannot evaluate the command of " + pc.call + ": " + f.why);
    }
    if (ev.seq) {
      for (const EV& item : ev.items) pc.argv.push_back(to_value(item));
      if (pc.shell) {  // a list with shell=True: the first item is the command line
        pc.text = pc.argv.empty() ? Value::unknown("empty command") : pc.argv.front();
        pc.argv.clear();
      }
      return pc;
    }
    Value v = to_value(ev);
    if (pc.shell) {
      pc.text = v;
      if (!v.known() && pc.text.why.empty()) pc.text.why = "the command of " + pc.call + " is unknown";
    } else if (v.known() && v.kind == Value::Kind::String) {
      pc.argv.push_back(v);  // a program name alone
    } else {
      pc.argv_known = false;
      pc.why = v.why.empty() ? "the command of " + pc.call + " is unknown" : v.why;
    }
    return pc;
  }
  return std::nullopt;
}

void exec_python_cell(const std::vector<CodeLine>& lines, PyEnv& env,
                      const ShellLineHandler& on_shell) {
  try {
    BlockRunner r(lines, &on_shell);
    r.run(0, lines.size(), env, false, 0);
  } catch (const std::exception&) {
    // never escapes: the environment keeps what was evaluated so far
  }
}

void exec_python_cell(const std::vector<CodeLine>& lines, PyEnv& env,
                      const ShellLineHandler& on_shell, const PythonLineHandler& on_python) {
  try {
    BlockRunner r(lines, &on_shell, &on_python);
    r.run(0, lines.size(), env, false, 0);
  } catch (const std::exception&) {
    // never escapes: the environment keeps what was evaluated so far
  }
}

void exec_python_cell(const std::vector<CodeLine>& lines, PyEnv& env) {
  exec_python_cell(lines, env, ShellLineHandler());
}

}  // namespace rwkvq
