// Statements and blocks of the static evaluator: assignments, imports, if/for/while/with/try by
// indentation, and the line handlers load_request uses (see python_eval.h).
#include "rwkvq/request/python_eval.h"
#include "request/python/internal.h"

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

using namespace py;
// ---------------------------------------------------------------- statements

namespace py {

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

}  // namespace py

namespace py {
void exec_tokens(const std::vector<Tok>& toks, PyEnv& env);
}  // namespace py

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

namespace py {
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

}  // namespace py

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
