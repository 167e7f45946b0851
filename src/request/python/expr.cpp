// The expression parser of the static evaluator: a recursive-descent parser with a depth cap
// that evaluates the few pure operations notebooks use (see python_eval.h). Nothing is executed.
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
#include "rwkvq/util/fmath.h"

namespace rwkvq {

using namespace py;
namespace py {

// ---------------------------------------------------------------- evaluation


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

  // The same for one literal or name (see eval_tokens): the descent from expr_list() would only
  // pass it down to atom() and back up unchanged.
  EV parse_atom() {
    EV e = atom();
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
        if (q < 0) {
          const auto f = fm::pow(static_cast<double>(p), static_cast<double>(q));
          return f ? val(make_float(*f)) : unk("** needs libm, which cannot be loaded");
        }
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
    if (op == "**") {
      const auto f = fm::pow(p, q);
      return f ? val(make_float(*f)) : unk("** needs libm, which cannot be loaded");
    }
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
        return val(make_int(static_cast<long long>(fm::nearbyint(as_double(v)))));
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
      static constexpr std::string_view kw[] = {"if", "else", "for", "while", "def", "class",
                                                "return", "import", "from", "with", "as",
                                                "try", "except", "finally", "in", "is", "and",
                                                "or", "not", "pass", "yield", "await", "del"};
      if (std::find(std::begin(kw), std::end(kw), n) != std::end(kw)) throw ParseFail{"unexpected keyword " + n};
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
  // One string, number or name and nothing else: most of what a notebook assigns and substitutes
  // (PREFIX="...", {PROJECT_DIR}). The ten levels of the descent would only hand it to atom() and
  // back, at ~5 000 instructions per value (issue 12.6), so it goes there directly. The parser
  // starts where the descent would reach atom() (the depth guards of expr, not_expr and factor),
  // so nested f-strings meet the same depth limit. `lambda` and `not` are the two names an
  // upper level treats itself.
  if (toks.size() == 2 && toks[1].t == Tok::End &&
      (toks[0].t == Tok::Str || toks[0].t == Tok::Num ||
       (toks[0].t == Tok::Name && toks[0].s != "lambda" && toks[0].s != "not"))) {
    Parser p(toks, env, depth + 3);
    return p.parse_atom();
  }
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

}  // namespace py

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
  // A plain name that is no keyword (most {fields} of `!` lines) always parses: no tokens needed.
  auto name_char = [](char c, bool first) {
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (!first && c >= '0' && c <= '9');
  };
  bool plain_name = !expr.empty() && name_char(expr[0], true);
  for (std::size_t i = 1; plain_name && i < expr.size(); ++i) plain_name = name_char(expr[i], false);
  if (plain_name) {
    static constexpr std::string_view kKeywords[] = {
        "False", "None",  "True",  "and",    "as",       "assert", "async",  "await",  "break",
        "class", "continue", "def", "del",   "elif",     "else",   "except", "finally", "for",
        "from",  "global", "if",   "import", "in",       "is",     "lambda", "nonlocal", "not",
        "or",    "pass",  "raise", "return", "try",      "while",  "with",   "yield",  "match",
        "case",  "type",  "_",     "print",  "exec"};
    if (std::find(std::begin(kKeywords), std::end(kKeywords), expr) == std::end(kKeywords)) return true;
  }
  try {
    auto toks = tokenize(expr);
    PyEnv empty;
    eval_tokens(toks, empty, 0);
    return true;
  } catch (...) {
    return false;
  }
}

}  // namespace rwkvq
