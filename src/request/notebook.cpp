// Notebook reader: an iterative, schema-aware JSON scanner for nbformat 4 notebooks.
//
// One pass over the bytes. Only what the request model needs is decoded (the top-level keys,
// each cell's cell_type and source); every other value (outputs, metadata, attachments ...) is
// only checked for validity and never stored. No recursion: nesting lives on an explicit stack
// capped at kMaxDepth, so 100 000 '[' give a clean error instead of a stack overflow.
//
// Positions: lines are counted on '\n' (a raw newline can only be whitespace in valid JSON, so
// lines are tracked while skipping whitespace); columns are 1-based and count Unicode code
// points (UTF-8 continuation bytes do not advance the column). A UTF-8 BOM is skipped and
// "\r\n" is plain whitespace.
#include "rwkvq/request/notebook.h"
#include "rwkvq/util/utf8.h"

#include <cstdint>
#include <cstdio>
#include <optional>
#include <cstring>
#include <string>
#include <vector>

namespace rwkvq {
namespace {

constexpr std::size_t kMaxDepth = 512;

// What a JSON value means at its place in the notebook.
enum class Role : std::uint8_t {
  Ignore,      // validated, never stored
  Root,        // the top-level object
  NbFormat,    // root["nbformat"]
  Cells,       // root["cells"]
  Cell,        // root["cells"][i]
  CellType,    // cell["cell_type"]
  Source,      // cell["source"]: string or array of strings
  SourceItem,  // cell["source"][j]
};

struct Frame {
  bool object = false;
  Role role = Role::Ignore;
};

// Collects one cell's source text, remembering where each line starts in the file.
struct SourceBuilder {
  std::string text;
  struct Start {
    std::size_t offset;  // into text
    int line, column;    // in the file
  };
  std::vector<Start> starts;
  bool pending = true;  // the next character begins a new line

  void reset() {
    text.clear();
    starts.clear();
    pending = true;
  }
};

struct SyntaxError {};  // internal unwinding: the error is already recorded

class Scanner {
 public:
  explicit Scanner(std::string_view bytes) : s_(bytes), n_(bytes.size()) {
    if (n_ >= 3 && static_cast<unsigned char>(s_[0]) == 0xEF &&
        static_cast<unsigned char>(s_[1]) == 0xBB && static_cast<unsigned char>(s_[2]) == 0xBF) {
      pos_ = 3;
      line_start_ = 3;
      col_pos_ = 3;
    }
  }

  void run(Notebook& nb);

 private:
  std::string_view s_;
  std::size_t n_;
  std::size_t pos_ = 0;
  int line_ = 1;
  std::size_t line_start_ = 0;
  // Incremental column cursor on the current line (positions are asked for in order).
  std::size_t col_pos_ = 0;
  int col_count_ = 0;

  std::vector<Frame> stack_;
  Notebook* nb_ = nullptr;
  std::optional<ParseError> syntax_;
  std::optional<ParseError> semantic_;  // first schema problem (reported if the JSON is fine)

  // Schema state.
  bool saw_nbformat_ = false;
  bool saw_cells_ = false;
  long long nbformat_ = 0;
  bool nbformat_ok_ = false;
  ParseError nbformat_where_;
  int cell_count_ = 0;
  Cell* cell_ = nullptr;  // the cell object being read (always nb_->cells.back())
  int root_line_ = 1, root_column_ = 1;
  SourceBuilder src_;
  std::string key_;  // last decoded key

  // ---- positions ----
  int column_at(std::size_t pos) {
    if (pos < col_pos_ || col_pos_ < line_start_) {
      col_pos_ = line_start_;
      col_count_ = 0;
    }
    for (; col_pos_ < pos && col_pos_ < n_; ++col_pos_) {
      if ((static_cast<unsigned char>(s_[col_pos_]) & 0xC0) != 0x80) ++col_count_;
    }
    return col_count_ + 1;
  }
  ParseError where(std::size_t pos, std::string msg) {
    return ParseError{line_, column_at(pos), std::move(msg)};
  }
  [[noreturn]] void fail(std::size_t pos, std::string msg) {
    syntax_ = where(pos, std::move(msg));
    throw SyntaxError{};
  }
  [[noreturn]] void fail_eof() { fail(n_, "unexpected end of file"); }
  void semantic(std::size_t pos, std::string msg) {
    if (!semantic_) semantic_ = where(pos, std::move(msg));
  }

  static std::string describe(unsigned char c) {
    if (c >= 0x21 && c < 0x7F) return std::string("'") + static_cast<char>(c) + "'";
    char buf[16];
    std::snprintf(buf, sizeof buf, "byte 0x%02x", c);
    return buf;
  }

  void skip_ws() {
    while (pos_ < n_) {
      char c = s_[pos_];
      if (c == ' ' || c == '\t' || c == '\r') {
        ++pos_;
      } else if (c == '\n') {
        ++pos_;
        ++line_;
        line_start_ = pos_;
        col_pos_ = pos_;
        col_count_ = 0;
      } else {
        break;
      }
    }
  }

  // ---- strings ----
  static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
  unsigned read_hex4(std::size_t at) {
    if (at + 4 > n_) fail_eof();
    unsigned v = 0;
    for (std::size_t i = 0; i < 4; ++i) {
      int h = hexval(s_[at + i]);
      if (h < 0) fail(at + i, "invalid \\u escape: expected 4 hexadecimal digits");
      v = v * 16 + static_cast<unsigned>(h);
    }
    return v;
  }

  // Validates one UTF-8 sequence starting at pos_ (a byte >= 0x80); returns its length.
  std::size_t utf8_len() {
    const auto* u = reinterpret_cast<const unsigned char*>(s_.data());
    unsigned char c = u[pos_];
    std::size_t len;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;  // no UTF-16 surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      fail(pos_, "invalid UTF-8 byte " + describe_hex(c));
    }
    for (std::size_t i = 1; i < len; ++i) {
      if (pos_ + i >= n_) fail_eof();
      unsigned char d = u[pos_ + i];
      unsigned char l = i == 1 ? lo : 0x80, h = i == 1 ? hi : 0xBF;
      if (d < l || d > h) fail(pos_ + i, "invalid UTF-8 byte " + describe_hex(d));
    }
    return len;
  }
  static std::string describe_hex(unsigned char c) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02x", c);
    return buf;
  }

  // Scans a string at pos_ (the opening quote). Store: decode into *out. With a SourceBuilder,
  // also records where each line of the text starts.
  template <bool Store>
  void scan_string(std::string* out, SourceBuilder* sb) {
    ++pos_;  // opening quote
    const auto* u = reinterpret_cast<const unsigned char*>(s_.data());
    for (;;) {
      // Fast path: plain ASCII run.
      std::size_t run = pos_;
      if (!sb) {
        while (run < n_) {
          unsigned char c = u[run];
          if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) break;
          ++run;
        }
        if constexpr (Store) out->append(s_.data() + pos_, run - pos_);
        pos_ = run;
      }
      if (pos_ >= n_) fail_eof();
      unsigned char c = u[pos_];
      if (c == '"') {
        ++pos_;
        return;
      }
      if (sb && sb->pending) {
        sb->starts.push_back({sb->text.size(), line_, column_at(pos_)});
        sb->pending = false;
      }
      if (c < 0x20) {
        if (c == '\n' || c == '\r') fail(pos_, "line break inside a string (write it as \\n)");
        fail(pos_, "control character " + describe_hex(c) + " inside a string");
      }
      if (c == '\\') {
        if (pos_ + 1 >= n_) fail_eof();
        char e = s_[pos_ + 1];
        unsigned cp = 0;
        std::size_t adv = 2;
        switch (e) {
          case '"': cp = '"'; break;
          case '\\': cp = '\\'; break;
          case '/': cp = '/'; break;
          case 'b': cp = '\b'; break;
          case 'f': cp = '\f'; break;
          case 'n': cp = '\n'; break;
          case 'r': cp = '\r'; break;
          case 't': cp = '\t'; break;
          case 'u': {
            cp = read_hex4(pos_ + 2);
            adv = 6;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
              if (pos_ + 7 < n_ && s_[pos_ + 6] == '\\' && s_[pos_ + 7] == 'u') {
                unsigned lo = read_hex4(pos_ + 8);
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                  cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                  adv = 12;
                } else {
                  cp = 0xFFFD;  // unpaired high surrogate
                }
              } else {
                cp = 0xFFFD;
              }
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
              cp = 0xFFFD;  // unpaired low surrogate
            }
            break;
          }
          default:
            fail(pos_, "invalid escape '\\" + std::string(1, e) + "' in a string");
        }
        if constexpr (Store) {
          if (sb) {
            append_utf8(sb->text, cp);
            if (cp == '\n') sb->pending = true;
          } else {
            append_utf8(*out, cp);
          }
        }
        pos_ += adv;
        continue;
      }
      std::size_t len = c < 0x80 ? 1 : utf8_len();
      if constexpr (Store) {
        if (sb)
          sb->text.append(s_.data() + pos_, len);
        else
          out->append(s_.data() + pos_, len);
      }
      pos_ += len;
    }
  }

  void skip_string() { scan_string<false>(nullptr, nullptr); }

  // ---- numbers and literals ----
  // Validates a JSON number at pos_; returns its text.
  std::string_view scan_number() {
    std::size_t start = pos_;
    auto digit = [&](std::size_t i) { return i < n_ && s_[i] >= '0' && s_[i] <= '9'; };
    if (pos_ < n_ && s_[pos_] == '-') ++pos_;
    if (!digit(pos_)) {
      if (pos_ >= n_) fail_eof();
      fail(pos_, "invalid number: expected a digit");
    }
    if (s_[pos_] == '0') {
      ++pos_;
      if (digit(pos_)) fail(pos_, "invalid number: leading zero");
    } else {
      while (digit(pos_)) ++pos_;
    }
    if (pos_ < n_ && s_[pos_] == '.') {
      ++pos_;
      if (!digit(pos_)) {
        if (pos_ >= n_) fail_eof();
        fail(pos_, "invalid number: expected a digit after '.'");
      }
      while (digit(pos_)) ++pos_;
    }
    if (pos_ < n_ && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < n_ && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (!digit(pos_)) {
        if (pos_ >= n_) fail_eof();
        fail(pos_, "invalid number: expected a digit in the exponent");
      }
      while (digit(pos_)) ++pos_;
    }
    return s_.substr(start, pos_ - start);
  }

  void scan_literal(std::string_view word) {
    for (std::size_t i = 0; i < word.size(); ++i) {
      if (pos_ + i >= n_) fail_eof();
      if (s_[pos_ + i] != word[i])
        fail(pos_, "invalid literal: expected '" + std::string(word) + "'");
    }
    pos_ += word.size();
  }

  // ---- schema ----
  Role child_of_object(Role parent) {
    if (parent == Role::Root) {
      if (key_ == "nbformat") return Role::NbFormat;
      if (key_ == "cells") return Role::Cells;
    } else if (parent == Role::Cell) {
      if (key_ == "cell_type") return Role::CellType;
      if (key_ == "source") return Role::Source;
    }
    return Role::Ignore;
  }
  static Role child_of_array(Role parent) {
    if (parent == Role::Cells) return Role::Cell;
    if (parent == Role::Source) return Role::SourceItem;
    return Role::Ignore;
  }
  std::string cell_name() const { return "cell " + std::to_string(cell_count_); }

  // Checks the JSON type of a value against its role; returns the role to scan it with.
  Role check_type(Role role, char c) {
    const bool obj = c == '{', arr = c == '[', str = c == '"';
    const bool num = c == '-' || (c >= '0' && c <= '9');
    auto kind = [&]() -> std::string {
      if (obj) return "an object";
      if (arr) return "an array";
      if (str) return "a string";
      if (num) return "a number";
      if (c == 't' || c == 'f') return "a boolean";
      return "null";
    };
    switch (role) {
      case Role::Ignore: return role;
      case Role::Root:
        if (!obj) semantic(pos_, "the notebook is not a JSON object (its top level is " + kind() + ")");
        return obj ? role : Role::Ignore;
      case Role::NbFormat:
        saw_nbformat_ = true;
        if (!num) {
          nbformat_ok_ = false;
          nbformat_where_ = where(pos_, "\"nbformat\" must be a number, not " + kind());
          return Role::Ignore;
        }
        return role;
      case Role::Cells:
        saw_cells_ = true;
        if (!arr) semantic(pos_, "\"cells\" must be an array, not " + kind());
        return arr ? role : Role::Ignore;
      case Role::Cell:
        ++cell_count_;
        if (!obj) {
          semantic(pos_, cell_name() + " is not an object (it is " + kind() + ")");
          return Role::Ignore;
        }
        return role;
      case Role::CellType:
        if (!str) {
          semantic(pos_, cell_name() + ": \"cell_type\" must be a string, not " + kind());
          return Role::Ignore;
        }
        return role;
      case Role::Source:
        if (!str && !arr) {
          semantic(pos_, cell_name() + ": \"source\" must be a string or a list of strings, not " +
                             kind());
          return Role::Ignore;
        }
        if (cell_) src_.reset();
        return role;
      case Role::SourceItem:
        if (!str) {
          semantic(pos_, cell_name() + ": \"source\" must be a list of strings, but an item is " +
                             kind());
          return Role::Ignore;
        }
        return role;
    }
    return Role::Ignore;
  }

  void open_cell() {
    Cell c;
    c.number = cell_count_;
    c.file_line = line_;
    nb_->cells.push_back(std::move(c));
    cell_ = &nb_->cells.back();
    src_.reset();
  }
  void close_cell() {
    if (!cell_) return;
    // Split the collected text at '\n'; a trailing newline does not make an empty last line.
    const std::string& t = src_.text;
    for (std::size_t i = 0; i < src_.starts.size(); ++i) {
      std::size_t b = src_.starts[i].offset;
      std::size_t e = t.find('\n', b);
      if (e == std::string::npos) e = t.size();
      std::size_t end = e;
      if (end > b && t[end - 1] == '\r') --end;
      cell_->lines.push_back(SourceLine{t.substr(b, end - b), src_.starts[i].line,
                                        src_.starts[i].column});
    }
    cell_ = nullptr;
    src_.reset();
  }

  void on_string(Role role) {
    if (role == Role::CellType) {
      std::string v;
      scan_string<true>(&v, nullptr);
      if (cell_) {
        cell_->type = v == "code"       ? CellType::Code
                      : v == "markdown" ? CellType::Markdown
                      : v == "raw"      ? CellType::Raw
                                        : CellType::Other;
      }
    } else if ((role == Role::Source || role == Role::SourceItem) && cell_) {
      scan_string<true>(nullptr, &src_);
    } else {
      skip_string();
    }
  }

  // Reads an object key at pos_ (must be '"') and the ':' after it.
  void read_key(Role parent) {
    if (pos_ >= n_) fail_eof();
    if (s_[pos_] != '"')
      fail(pos_, "expected a string key, found " + describe(static_cast<unsigned char>(s_[pos_])));
    if (parent == Role::Root || parent == Role::Cell) {
      key_.clear();
      scan_string<true>(&key_, nullptr);
    } else {
      skip_string();
    }
    skip_ws();
    if (pos_ >= n_) fail_eof();
    if (s_[pos_] != ':') fail(pos_, "expected ':' after object key");
    ++pos_;
  }

  void close_container() {
    Frame f = stack_.back();
    stack_.pop_back();
    if (f.role == Role::Cell) close_cell();
  }
};

void Scanner::run(Notebook& nb) {
  nb_ = &nb;
  stack_.reserve(64);
  try {
    Role role = Role::Root;
    bool need_value = true;
    for (;;) {
      if (need_value) {
        skip_ws();
        if (pos_ >= n_) fail_eof();
        const char c = s_[pos_];
        role = check_type(role, c);
        switch (c) {
          case '{':
          case '[': {
            if (stack_.size() >= kMaxDepth)
              fail(pos_, "nesting too deep (more than " + std::to_string(kMaxDepth) + " levels)");
            const bool obj = c == '{';
            stack_.push_back(Frame{obj, role});
            if (role == Role::Root) {
              root_line_ = line_;
              root_column_ = column_at(pos_);
            }
            if (role == Role::Cell) open_cell();
            ++pos_;
            skip_ws();
            if (pos_ >= n_) fail_eof();
            if (s_[pos_] == (obj ? '}' : ']')) {
              ++pos_;
              close_container();
              need_value = false;
            } else if (obj) {
              read_key(role);
              role = child_of_object(role);
            } else {
              role = child_of_array(role);
            }
            break;
          }
          case '"':
            on_string(role);
            need_value = false;
            break;
          case 't': scan_literal("true"); need_value = false; break;
          case 'f': scan_literal("false"); need_value = false; break;
          case 'n': scan_literal("null"); need_value = false; break;
          default:
            if (c == '-' || (c >= '0' && c <= '9')) {
              std::size_t at = pos_;
              std::string_view num = scan_number();
              if (role == Role::NbFormat) {
                nbformat_where_ = where(at, "");
                long long v = 0;
                bool integral = num.find_first_of(".eE") == std::string_view::npos &&
                                num.size() < 18;
                if (integral) {
                  for (char d : num) {
                    if (d != '-') v = v * 10 + (d - '0');
                  }
                  if (num[0] == '-') v = -v;
                }
                nbformat_ok_ = integral;
                nbformat_ = v;
                if (!integral) nbformat_where_.message = "nbformat " + std::string(num) +
                                                         " is not supported: nbformat 4 is required";
              }
              need_value = false;
            } else {
              fail(pos_, "expected a JSON value, found " + describe(static_cast<unsigned char>(c)));
            }
        }
        continue;
      }
      // After a value.
      if (stack_.empty()) break;
      skip_ws();
      if (pos_ >= n_) fail_eof();
      const Frame& top = stack_.back();
      const char c = s_[pos_];
      if (top.object) {
        if (c == ',') {
          ++pos_;
          skip_ws();
          read_key(top.role);
          role = child_of_object(top.role);
          need_value = true;
        } else if (c == '}') {
          ++pos_;
          close_container();
        } else {
          fail(pos_, "expected ',' or '}' after object member");
        }
      } else {
        if (c == ',') {
          ++pos_;
          role = child_of_array(top.role);
          need_value = true;
        } else if (c == ']') {
          ++pos_;
          close_container();
        } else {
          fail(pos_, "expected ',' or ']' after array element");
        }
      }
    }
    skip_ws();
    if (pos_ < n_) fail(pos_, "unexpected text after the end of the JSON document");
  } catch (const SyntaxError&) {
    nb.error = syntax_;
    nb.cells.clear();
    return;
  }

  // The JSON is well-formed: now the notebook's own rules.
  std::optional<ParseError> err = semantic_;
  if (!semantic_ || semantic_->message.rfind("the notebook is not", 0) != 0) {
    std::optional<ParseError> nbf;
    if (!saw_nbformat_) {
      nbf = ParseError{root_line_, root_column_, "\"nbformat\" is missing: nbformat 4 is required"};
    } else if (!nbformat_ok_ || nbformat_ != 4) {
      nbf = nbformat_where_;
      if (nbformat_ok_)
        nbf->message = "nbformat " + std::to_string(nbformat_) +
                       " is not supported: nbformat 4 is required";
    }
    if (nbf) {
      err = nbf;  // the format is the first thing to get right
    } else if (!err && !saw_cells_) {
      err = ParseError{root_line_, root_column_, "\"cells\" is missing: the notebook has no cell list"};
    }
    if (saw_nbformat_ && nbformat_ok_) nb.nbformat = static_cast<int>(nbformat_);
  }
  nb.error = err;
}

}  // namespace

Notebook parse_notebook(std::string rel, std::string_view bytes) {
  Notebook nb;
  nb.rel = std::move(rel);
  Scanner sc(bytes);
  sc.run(nb);
  return nb;
}

}  // namespace rwkvq
