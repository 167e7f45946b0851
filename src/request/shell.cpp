// IPython variable expansion of `!` lines and a POSIX-like shell tokeniser (see shell.h).
#include "rwkvq/request/shell.h"

#include <algorithm>
#include <cctype>

namespace rwkvq {
namespace {

constexpr char kBegin = '\x01';
constexpr char kMid = '\x02';
constexpr char kEnd = '\x03';

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

void mark(std::string& out, std::string_view why, std::string_view text) {
  out += kBegin;
  for (char c : why) {
    if (c != kBegin && c != kMid && c != kEnd) out += c;
  }
  out += kMid;
  out += text;
  out += kEnd;
}

// Evaluates one format field "expr[!conv][:spec]" as IPython's formatter would.
Value eval_field(std::string_view field, const PyEnv& env) {
  std::string fs = "f\"\"\"{";
  fs += field;
  fs += "}\"\"\"";
  return eval_expr(fs, env);
}

std::string_view field_expr(std::string_view field) {
  // the expression part, before a top-level '!' conversion or ':' spec
  int depth = 0;
  char q = 0;
  for (std::size_t i = 0; i < field.size(); ++i) {
    char c = field[i];
    if (q) {
      if (c == q) q = 0;
      continue;
    }
    if (c == '\'' || c == '"') {
      q = c;
    } else if (c == '(' || c == '[' || c == '{') {
      ++depth;
    } else if ((c == ')' || c == ']' || c == '}') && depth > 0) {
      --depth;
    } else if (depth == 0 && (c == ':' || (c == '!' && !(i + 1 < field.size() && field[i + 1] == '=')))) {
      return field.substr(0, i);
    }
  }
  return field;
}

// Expands $name / $$ in a literal part (outside single quotes, tracked across the whole line).
void expand_dollars(std::string_view lit, const PyEnv& env, bool& in_single, std::string& out,
                    bool& unknown) {
  for (std::size_t i = 0; i < lit.size(); ++i) {
    char c = lit[i];
    if (c == '\'') {
      in_single = !in_single;
      out += c;
      continue;
    }
    if (c != '$' || in_single || i + 1 >= lit.size()) {
      out += c;
      continue;
    }
    if (lit[i + 1] == '$') {  // $$foo -> $foo
      std::size_t j = i + 2;
      while (j < lit.size() && (word_char(lit[j]) || lit[j] == '.')) ++j;
      if (j > i + 2) {
        out += '$';
        out += lit.substr(i + 2, j - i - 2);
        i = j - 1;
        continue;
      }
      out += c;
      continue;
    }
    std::size_t j = i + 1;
    while (j < lit.size() && (word_char(lit[j]) || lit[j] == '.')) ++j;
    if (j == i + 1) {
      out += c;
      continue;
    }
    std::string name(lit.substr(i + 1, j - i - 1));
    std::string base = name.substr(0, name.find('.'));
    if (std::isdigit(static_cast<unsigned char>(base.empty() ? '0' : base[0])) || !env.vars.count(base)) {
      out += lit.substr(i, j - i);  // not a Python variable: left for the shell
      i = j - 1;
      continue;
    }
    Value v = eval_expr(name, env);
    if (v.known()) {
      out += v.to_str();
    } else {
      unknown = true;
      mark(out, v.why, lit.substr(i, j - i));
    }
    i = j - 1;
  }
}

}  // namespace

std::string ipython_substitute_marked(std::string_view line, const PyEnv& env, bool* unknown) {
  bool unk = false;
  std::string out;
  bool in_single = false;
  std::size_t i = 0;
  std::string lit;
  auto flush = [&]() {
    expand_dollars(lit, env, in_single, out, unk);
    lit.clear();
  };
  while (i < line.size()) {
    char c = line[i];
    if (c == '{' && i + 1 < line.size() && line[i + 1] == '{') {
      lit += '{';
      i += 2;
      continue;
    }
    if (c == '}' && i + 1 < line.size() && line[i + 1] == '}') {
      lit += '}';
      i += 2;
      continue;
    }
    if (c == '}') {  // a single '}' is a format error: IPython leaves the line untouched
      if (unknown) *unknown = false;
      return std::string(line);
    }
    if (c != '{') {
      lit += c;
      ++i;
      continue;
    }
    // a replacement field: up to the matching '}' (nested braces belong to the spec)
    int depth = 1;
    std::size_t j = i + 1;
    for (; j < line.size(); ++j) {
      if (line[j] == '{') ++depth;
      if (line[j] == '}' && --depth == 0) break;
    }
    if (j >= line.size()) {
      if (unknown) *unknown = false;
      return std::string(line);
    }
    std::string_view field = line.substr(i + 1, j - i - 1);
    std::string_view ex = field_expr(field);
    if (ex.empty() || !is_python_expression(ex)) {
      if (unknown) *unknown = false;
      return std::string(line);
    }
    flush();
    Value v = eval_field(field, env);
    if (v.known()) {
      out += v.to_str();
    } else {
      unk = true;
      mark(out, v.why, line.substr(i, j - i + 1));
    }
    i = j + 1;
  }
  flush();
  if (unknown) *unknown = unk;
  return out;
}

std::string ipython_substitute(std::string_view line, const PyEnv& env, bool* unknown,
                               std::string* why) {
  std::string marked = ipython_substitute_marked(line, env, unknown);
  std::string out;
  bool first = true;
  for (std::size_t i = 0; i < marked.size(); ++i) {
    if (marked[i] == kBegin) {
      std::size_t m = marked.find(kMid, i);
      if (m == std::string::npos) break;
      if (first && why) *why = marked.substr(i + 1, m - i - 1);
      first = false;
      i = m;
      continue;
    }
    if (marked[i] == kEnd) continue;
    out += marked[i];
  }
  return out;
}

// ---------------------------------------------------------------- tokenizer

namespace {

// A set of bytes, for scanning a run of ordinary characters at once.
class CharSet {
 public:
  constexpr explicit CharSet(std::string_view chars) {
    for (char c : chars) in_[static_cast<unsigned char>(c)] = true;
  }
  constexpr bool operator()(char c) const { return in_[static_cast<unsigned char>(c)]; }
  // The end of the run of bytes outside the set that starts at `from`.
  std::size_t skip_others(std::string_view s, std::size_t from) const {
    while (from < s.size() && !in_[static_cast<unsigned char>(s[from])]) ++from;
    return from;
  }

 private:
  bool in_[256] = {};
};

// What ends an unquoted word part (what run() and word_part() treat specially), and what ends
// plain text inside double quotes.
constexpr CharSet kUnquotedStop(" \t\r\n&|;<>()\\'\"$`\x01");
constexpr CharSet kDoubleQuotedStop("\"\\$`\x01");

class Tokenizer {
 public:
  explicit Tokenizer(std::string_view s) : s_(s) {}

  std::vector<SimpleCommand> run() {
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == ' ' || c == '\t' || c == '\r') {
        end_word();
        ++i_;
        continue;
      }
      if (c == '\n') {
        end_word();
        end_command(ShellOp::Seq);
        ++i_;
        continue;
      }
      if (c == '#' && !in_word_) {
        while (i_ < s_.size() && s_[i_] != '\n') ++i_;
        continue;
      }
      if (c == '&' && peek(1) == '&') {
        op(ShellOp::And, 2);
        continue;
      }
      if (c == '|' && peek(1) == '|') {
        op(ShellOp::Or, 2);
        continue;
      }
      if (c == '|') {
        op(ShellOp::Pipe, peek(1) == '&' ? 2 : 1);
        continue;
      }
      if (c == ';') {
        op(ShellOp::Seq, peek(1) == ';' ? 2 : 1);
        continue;
      }
      if (c == '&' && peek(1) == '>') {  // &> file
        end_word();
        std::size_t n = peek(2) == '>' ? 3 : 2;
        pending_redirect_ = std::string(s_.substr(i_, n));
        i_ += n;
        continue;
      }
      if (c == '&') {
        op(ShellOp::Background, 1);
        continue;
      }
      if ((c == '<' || c == '>') && peek(1) == '(') {  // process substitution <(cmd): one word
        int depth = 0;
        std::size_t j = i_ + 1;
        for (; j < s_.size(); ++j) {
          if (s_[j] == '(') ++depth;
          if (s_[j] == ')' && --depth == 0) break;
        }
        std::size_t end = std::min(j + 1, s_.size());
        in_word_ = true;
        word_.text += s_.substr(i_, end - i_);
        set_unknown("uses the output of a command (" + std::string(s_.substr(i_, std::min<std::size_t>(end - i_, 40))) + ")");
        i_ = end;
        continue;
      }
      if (c == '(' || c == ')') {  // subshell grouping: treated as a separator
        end_word();
        if (c == ')') end_command(ShellOp::Seq);
        ++i_;
        continue;
      }
      if (c == '>' || c == '<') {
        redirect();
        continue;
      }
      word_part();
    }
    end_word();
    end_command(ShellOp::None);
    // drop empty commands
    std::vector<SimpleCommand> out;
    for (auto& cmd : cmds_) {
      if (!cmd.words.empty() || !cmd.assignments.empty() || !cmd.redirects.empty()) {
        out.push_back(std::move(cmd));
      } else if (!out.empty() && cmd.next != ShellOp::None) {
        out.back().next = cmd.next;
      }
    }
    return out;
  }

 private:
  char peek(std::size_t k) const { return i_ + k < s_.size() ? s_[i_ + k] : '\0'; }

  void set_unknown(std::string_view why) {
    if (!word_.unknown) word_.why = std::string(why);
    word_.unknown = true;
  }

  void op(ShellOp o, std::size_t len) {
    end_word();
    end_command(o);
    i_ += len;
  }

  void redirect() {
    // a word of digits right before '>' is the file descriptor
    std::string fd;
    if (in_word_ && !word_.unknown && !quoted_ && !word_.text.empty() &&
        word_.text.find_first_not_of("0123456789") == std::string::npos) {
      fd = word_.text;
      word_ = ShellWord();
      in_word_ = false;
    } else {
      end_word();
    }
    std::string r = fd;
    char c = s_[i_];
    r += c;
    ++i_;
    if (c == '>' && (peek(0) == '>' || peek(0) == '|')) {
      r += s_[i_];
      ++i_;
    } else if (c == '<' && peek(0) == '<') {
      r += s_[i_];
      ++i_;
      if (peek(0) == '<' || peek(0) == '-') {
        r += s_[i_];
        ++i_;
      }
    }
    if (peek(0) == '&') {  // 2>&1, >&2
      r += '&';
      ++i_;
      std::size_t j = i_;
      while (j < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[j])) || s_[j] == '-')) ++j;
      current().redirects.emplace_back(r, std::string(s_.substr(i_, j - i_)));
      i_ = j;
      return;
    }
    pending_redirect_ = r;
  }

  void dollar() {
    // at s_[i_] == '$'
    char n = peek(1);
    if (n == '(') {
      int depth = 0;
      std::size_t j = i_ + 1;
      for (; j < s_.size(); ++j) {
        if (s_[j] == '(') ++depth;
        if (s_[j] == ')' && --depth == 0) break;
      }
      std::size_t end = std::min(j + 1, s_.size());
      word_.text += s_.substr(i_, end - i_);
      set_unknown("uses the output of a command (" + std::string(s_.substr(i_, std::min<std::size_t>(end - i_, 40))) + ")");
      i_ = end;
      return;
    }
    if (n == '{') {
      std::size_t j = s_.find('}', i_);
      std::size_t end = j == std::string_view::npos ? s_.size() : j + 1;
      word_.text += s_.substr(i_, end - i_);
      set_unknown("uses the shell variable " + std::string(s_.substr(i_, end - i_)));
      i_ = end;
      return;
    }
    if (word_char(n) || n == '?' || n == '@' || n == '*' || n == '#' || n == '$' || n == '!') {
      std::size_t j = i_ + 1;
      if (word_char(n)) {
        while (j < s_.size() && word_char(s_[j])) ++j;
      } else {
        j = i_ + 2;
      }
      word_.text += s_.substr(i_, j - i_);
      set_unknown("uses the shell variable " + std::string(s_.substr(i_, j - i_)));
      i_ = j;
      return;
    }
    word_.text += '$';
    ++i_;
  }

  void backtick() {
    std::size_t j = s_.find('`', i_ + 1);
    std::size_t end = j == std::string_view::npos ? s_.size() : j + 1;
    word_.text += s_.substr(i_, end - i_);
    set_unknown("uses the output of a command (`...`)");
    i_ = end;
  }

  void marker() {
    std::size_t m = s_.find(kMid, i_);
    std::size_t e = m == std::string_view::npos ? std::string_view::npos : s_.find(kEnd, m);
    if (m == std::string_view::npos || e == std::string_view::npos) {
      ++i_;
      return;
    }
    set_unknown(s_.substr(i_ + 1, m - i_ - 1));
    word_.text += s_.substr(m + 1, e - m - 1);
    i_ = e + 1;
  }

  void word_part() {
    in_word_ = true;
    char c = s_[i_];
    if (c == kBegin) {
      marker();
      return;
    }
    if (c == '\\') {
      if (i_ + 1 < s_.size()) {
        if (s_[i_ + 1] != '\n') word_.text += s_[i_ + 1];
        i_ += 2;
      } else {
        ++i_;
      }
      return;
    }
    if (c == '\'') {
      quoted_ = true;
      std::size_t j = s_.find('\'', i_ + 1);
      std::size_t end = j == std::string_view::npos ? s_.size() : j;
      std::string_view body = s_.substr(i_ + 1, end - i_ - 1);
      // markers may sit inside single quotes too (IPython substitutes everywhere)
      for (std::size_t k = 0; k < body.size(); ++k) {
        if (body[k] == kBegin) {
          std::size_t m = body.find(kMid, k);
          std::size_t e = m == std::string_view::npos ? m : body.find(kEnd, m);
          if (e != std::string_view::npos) {
            set_unknown(body.substr(k + 1, m - k - 1));
            word_.text += body.substr(m + 1, e - m - 1);
            k = e;
            continue;
          }
        }
        std::size_t next = std::min(body.find(kBegin, k + 1), body.size());  // up to the next marker
        word_.text += body.substr(k, next - k);
        k = next - 1;
      }
      i_ = j == std::string_view::npos ? s_.size() : j + 1;
      return;
    }
    if (c == '"') {
      quoted_ = true;
      ++i_;
      while (i_ < s_.size() && s_[i_] != '"') {
        char d = s_[i_];
        if (d == '\\' && i_ + 1 < s_.size() &&
            (s_[i_ + 1] == '$' || s_[i_ + 1] == '`' || s_[i_ + 1] == '"' || s_[i_ + 1] == '\\' ||
             s_[i_ + 1] == '\n')) {
          if (s_[i_ + 1] != '\n') word_.text += s_[i_ + 1];
          i_ += 2;
        } else if (d == '$') {
          dollar();
        } else if (d == '`') {
          backtick();
        } else if (d == kBegin) {
          marker();
        } else {
          // this character (a '\\' that escapes nothing is one too), then the run of plain ones
          std::size_t e = kDoubleQuotedStop.skip_others(s_, i_ + 1);
          word_.text += s_.substr(i_, e - i_);
          i_ = e;
        }
      }
      if (i_ < s_.size()) ++i_;  // closing quote (an unterminated one runs to the end)
      return;
    }
    if (c == '$') {
      dollar();
      return;
    }
    if (c == '`') {
      backtick();
      return;
    }
    // an ordinary character: take the run of them ('#' inside a word is one too)
    std::size_t e = kUnquotedStop.skip_others(s_, i_ + 1);
    word_.text += s_.substr(i_, e - i_);
    i_ = e;
  }

  SimpleCommand& current() {
    if (!has_current_) {
      cmds_.emplace_back();
      has_current_ = true;
    }
    return cmds_.back();
  }

  static bool is_assignment(const ShellWord& w, bool quoted_name) {
    if (quoted_name) return false;
    std::size_t eq = w.text.find('=');
    if (eq == std::string::npos || eq == 0) return false;
    for (std::size_t k = 0; k < eq; ++k) {
      if (!word_char(w.text[k])) return false;
    }
    return !std::isdigit(static_cast<unsigned char>(w.text[0]));
  }

  void end_word() {
    if (!in_word_) return;
    SimpleCommand& cmd = current();
    if (!pending_redirect_.empty()) {
      cmd.redirects.emplace_back(pending_redirect_, word_.text);
      pending_redirect_.clear();
    } else if (cmd.words.empty() && is_assignment(word_, quoted_ && word_.text.find('=') == std::string::npos)) {
      cmd.assignments.push_back(word_.text);
    } else {
      if (!cmd.words.empty() && cmd.words[0].text == "export" && is_assignment(word_, false)) {
        cmd.assignments.push_back(word_.text);
      }
      cmd.words.push_back(std::move(word_));
    }
    word_ = ShellWord();
    in_word_ = false;
    quoted_ = false;
  }

  void end_command(ShellOp o) {
    SimpleCommand& cmd = current();
    cmd.next = o;
    has_current_ = false;
    pending_redirect_.clear();
  }

  std::string_view s_;
  std::size_t i_ = 0;
  std::vector<SimpleCommand> cmds_;
  bool has_current_ = false;
  ShellWord word_;
  bool in_word_ = false;
  bool quoted_ = false;
  std::string pending_redirect_;
};

}  // namespace

std::vector<SimpleCommand> tokenize_shell(std::string_view line) {
  try {
    return Tokenizer(line).run();
  } catch (const std::exception&) {
    return {};
  }
}

}  // namespace rwkvq
