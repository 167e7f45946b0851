// Classification of a code cell's lines into logical lines (see code_lines.h).
#include "rwkvq/request/code_lines.h"

#include <cctype>
#include <string_view>

#include "rwkvq/util/strings.h"

namespace rwkvq {
namespace {

bool ends_with_backslash(std::string_view s) { return !s.empty() && s.back() == '\\'; }

bool is_blank(std::string_view s) { return trim(s).empty(); }

// Lexical state of Python source carried from one physical line to the next.
struct PyScan {
  int depth = 0;          // open brackets
  char quote = 0;         // inside a string: its quote character
  bool triple = false;    // ... and whether it is triple-quoted
  bool backslash = false; // the line ended with a '\' continuation
};

// Scans one physical line, updating the state; comments end the line.
void scan_python_line(std::string_view s, PyScan& st) {
  st.backslash = false;
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (i < n) {
    char c = s[i];
    if (st.quote) {
      if (c == '\\') {
        if (i + 1 >= n) {  // backslash-newline inside a string
          st.backslash = true;
          return;
        }
        i += 2;
        continue;
      }
      if (c == st.quote) {
        if (!st.triple) {
          st.quote = 0;
          ++i;
          continue;
        }
        if (i + 2 < n && s[i + 1] == c && s[i + 2] == c) {
          st.quote = 0;
          st.triple = false;
          i += 3;
          continue;
        }
      }
      ++i;
      continue;
    }
    if (c == '#') return;
    if (c == '\'' || c == '"') {
      if (i + 2 < n && s[i + 1] == c && s[i + 2] == c) {
        st.quote = c;
        st.triple = true;
        i += 3;
      } else {
        st.quote = c;
        st.triple = false;
        ++i;
      }
      continue;
    }
    if (c == '(' || c == '[' || c == '{') {
      ++st.depth;
    } else if (c == ')' || c == ']' || c == '}') {
      if (st.depth > 0) --st.depth;
    } else if (c == '\\' && i + 1 == n) {
      st.backslash = true;
      return;
    }
    ++i;
  }
  // A single-quoted string cannot span lines without a backslash: it ends here (syntax error).
  if (st.quote && !st.triple) st.quote = 0;
}

// Is `name` followed by optional spaces and a '=' that is an assignment (not '==')?
// Returns the position after '=' for `var = !cmd` / `var = %magic`, or npos.
std::size_t shell_assignment_rhs(std::string_view t) {
  std::size_t i = 0;
  // targets: identifiers, commas, spaces (a, b = !cmd is allowed by IPython too)
  while (i < t.size() && (std::isalnum(static_cast<unsigned char>(t[i])) || t[i] == '_' ||
                          t[i] == ',' || t[i] == ' ' || t[i] == '\t' || t[i] == '.')) {
    ++i;
  }
  if (i == 0 || i >= t.size() || t[i] != '=') return std::string_view::npos;
  if (i + 1 < t.size() && t[i + 1] == '=') return std::string_view::npos;
  if (!(std::isalpha(static_cast<unsigned char>(t[0])) || t[0] == '_')) {
    return std::string_view::npos;
  }
  std::size_t j = i + 1;
  while (j < t.size() && (t[j] == ' ' || t[j] == '\t')) ++j;
  if (j < t.size() && (t[j] == '!' || t[j] == '%')) return j;
  return std::string_view::npos;
}

CodeLine make_line(const Cell& cell, std::size_t idx, LineKind kind, std::string text) {
  CodeLine l;
  l.kind = kind;
  l.text = std::move(text);
  l.cell = cell.number;
  l.cell_line = static_cast<int>(idx) + 1;
  l.file_line = cell.lines[idx].file_line;
  l.file_column = cell.lines[idx].file_column;
  int indent = 0;
  for (char c : cell.lines[idx].text) {
    if (c == ' ') {
      ++indent;
    } else if (c == '\t') {
      indent = (indent / 8 + 1) * 8;
    } else {
      break;
    }
  }
  l.indent = indent;
  return l;
}

// Joins IPython-style '\' continuations starting at line i (as IPython does: each continued
// line right-stripped and its backslash removed, parts joined by a space). Advances i past them.
std::string join_continued(const Cell& cell, std::size_t& i, std::string first) {
  std::string text = std::move(first);
  while (ends_with_backslash(text) && i + 1 < cell.lines.size()) {
    text.pop_back();
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.pop_back();
    ++i;
    text += ' ';
    text += cell.lines[i].text;
  }
  if (ends_with_backslash(text)) text.pop_back();  // backslash on the cell's last line
  return text;
}

void classify_shell_body(const Cell& cell, std::size_t i, std::vector<CodeLine>& out) {
  for (; i < cell.lines.size(); ++i) {
    const std::string& raw = cell.lines[i].text;
    std::string_view t = trim(raw);
    if (t.empty()) {
      out.push_back(make_line(cell, i, LineKind::Blank, ""));
    } else if (t.front() == '#') {
      out.push_back(make_line(cell, i, LineKind::Comment, std::string(t)));
    } else {
      std::size_t start = i;
      std::string text = join_continued(cell, i, raw);
      out.push_back(make_line(cell, start, LineKind::ShellCellBody, std::move(text)));
    }
  }
}

void classify_code(const Cell& cell, std::size_t i, std::vector<CodeLine>& out) {
  const std::size_t n = cell.lines.size();
  while (i < n) {
    const std::string& raw = cell.lines[i].text;
    std::string_view t = trim(raw);
    const std::size_t start = i;
    if (t.empty()) {
      out.push_back(make_line(cell, i, LineKind::Blank, ""));
      ++i;
      continue;
    }
    if (t.front() == '#') {
      out.push_back(make_line(cell, i, LineKind::Comment, std::string(t)));
      ++i;
      continue;
    }
    if (t.front() == '!') {
      std::string_view cmd = t.substr(1);
      if (!cmd.empty() && cmd.front() == '!') cmd.remove_prefix(1);  // !!cmd
      std::string text = join_continued(cell, i, std::string(cmd));
      out.push_back(make_line(cell, start, LineKind::Shell, std::move(text)));
      ++i;
      continue;
    }
    if (t.front() == '%') {
      if (t.size() > 1 && t[1] == '%') {
        // A cell magic that is not on the first line: IPython rejects it; nothing runs.
        out.push_back(make_line(cell, i, LineKind::CellMagic, std::string(t.substr(2))));
        ++i;
        continue;
      }
      std::string text = join_continued(cell, i, std::string(t.substr(1)));
      out.push_back(make_line(cell, start, LineKind::LineMagic, std::move(text)));
      ++i;
      continue;
    }
    if (std::size_t rhs = shell_assignment_rhs(t); rhs != std::string_view::npos) {
      bool shell = t[rhs] == '!';
      std::string_view target = t.substr(0, t.find('='));
      std::string text = join_continued(cell, i, std::string(t.substr(rhs + 1)));
      CodeLine l =
          make_line(cell, start, shell ? LineKind::Shell : LineKind::LineMagic, std::move(text));
      l.target = std::string(trim(target));
      out.push_back(std::move(l));
      ++i;
      continue;
    }
    // Python: join bracket, string and backslash continuations.
    PyScan st;
    std::string text;
    for (;;) {
      const std::string& cur = cell.lines[i].text;
      scan_python_line(cur, st);
      if (st.backslash) {
        std::string part = cur.substr(0, cur.size() - 1);
        text += part;
        // outside a string the backslash-newline is whitespace; inside it vanishes
        if (!st.quote) text += ' ';
      } else {
        text += cur;
      }
      bool more = (st.depth > 0 || st.quote != 0 || st.backslash) && i + 1 < n;
      if (!more) break;
      if (!st.backslash) text += '\n';
      ++i;
    }
    out.push_back(make_line(cell, start, LineKind::Python, std::move(text)));
    ++i;
  }
}

}  // namespace

std::vector<CodeLine> classify_cell(const Cell& cell) {
  std::vector<CodeLine> out;
  if (cell.type != CellType::Code) return out;
  std::size_t i = 0;
  const std::size_t n = cell.lines.size();
  // IPython drops leading blank lines before looking for a cell magic.
  while (i < n && is_blank(cell.lines[i].text)) {
    out.push_back(make_line(cell, i, LineKind::Blank, ""));
    ++i;
  }
  if (i < n) {
    std::string_view t = trim(cell.lines[i].text);
    if (starts_with(t, "%%")) {
      std::string magic(trim(t.substr(2)));
      std::vector<std::string> words;
      for (auto& w : split(magic, ' ')) {
        if (!w.empty()) words.push_back(w);
      }
      std::string name = words.empty() ? "" : words[0];
      auto is_sh = [](std::string prog) {
        prog = prog.substr(prog.rfind('/') == std::string::npos ? 0 : prog.rfind('/') + 1);
        return prog == "bash" || prog == "sh" || prog == "zsh" || prog == "dash";
      };
      out.push_back(make_line(cell, i, LineKind::CellMagic, magic));
      if (name == "bash" || name == "sh" ||
          (name == "script" && words.size() > 1 && is_sh(words[1]))) {
        classify_shell_body(cell, i + 1, out);
      } else if (name == "capture" || name == "time" || name == "timeit" || name == "prun") {
        classify_code(cell, i + 1, out);
      }
      return out;
    }
  }
  classify_code(cell, i, out);
  return out;
}

}  // namespace rwkvq
