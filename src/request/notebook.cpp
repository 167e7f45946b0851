// Notebook reader: an iterative, schema-aware JSON scanner for nbformat 4 notebooks.
//
// One pass over the bytes. Only what the request model needs is decoded (the top-level keys,
// each cell's cell_type and source); every other value (outputs, metadata, attachments ...) is
// only checked for validity and never stored. No recursion: nesting lives on an explicit stack
// capped at kMaxDepth, so 100 000 '[' give a clean error instead of a stack overflow.
//
// The same pass checks the notebook against the nbformat 4 JSON schema of its minor version
// (nbformat.v4.0 ... v4.5.schema.json as nbformat 5 ships them, the files its validator uses,
// written here as code; nothing is loaded at run time): each value's role says which JSON type it
// must have, objects remember which keys they had, and what depends on the cell type (known when
// the cell closes) or on nbformat_minor (known at the end: Jupyter writes it last) is kept with its
// condition and judged then. Outputs are checked for their shape only (keys and value types);
// their text is skipped as before. What the minor versions add:
//   4.0/4.1  the base: cells, outputs, mimebundles, attachments on markdown and raw cells
//   4.2  metadata.title (string) and metadata.authors (array)
//   4.3  cell metadata.jupyter is an object
//   4.4  code cell metadata.execution is an object of strings
//   4.5  every cell has an id: ^[a-zA-Z0-9-_]+$, 1-64 characters, unique in the notebook; code
//        cell metadata.jupyter.source_hidden / outputs_hidden are booleans
// A missing or invalid nbformat_minor is judged as 4.0 and a minor above 5 as 4.5 with unknown
// keys allowed, as nbformat's validator does.
#include "rwkvq/request/notebook.h"
#include "rwkvq/util/utf8.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <cstring>
#include <string>
#include <unordered_map>
#include <unordered_set>
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
  // Schema only (never stored):
  NbFormatMinor,  // root["nbformat_minor"]
  Leaf,           // a value checked against Scanner::expect_ (type, then content)
  List,           // a checked list of strings (Scanner::list_)
  ListItem,       // one of its items
  NbMeta,         // root["metadata"]
  Kernelspec,     // root["metadata"]["kernelspec"]
  LangInfo,       // root["metadata"]["language_info"]
  CellMeta,       // cell["metadata"]
  CellJupyter,    // cell["metadata"]["jupyter"]
  CellExecution,  // cell["metadata"]["execution"]
  Outputs,        // cell["outputs"]
  Output,         // cell["outputs"][k]
  Bundle,         // a mimebundle: output["data"] or cell["attachments"][name]
  Attachments,    // cell["attachments"]
};

// Cell types a schema condition applies to.
constexpr std::uint8_t kCode = 1, kMarkdown = 2, kRaw = 4, kOtherType = 8;
constexpr std::uint8_t kKnownTypes = kCode | kMarkdown | kRaw, kAnyType = kKnownTypes | kOtherType;

// When a breach counts: for which cell types, for which nbformat_minor, and whether it is an
// "additional property" (which nbformat stops reporting for a minor newer than it knows).
struct Cond {
  std::uint8_t types = kAnyType;
  std::int8_t min_minor = 0, max_minor = 127;
  bool additional = false;
};
Cond meet(Cond a, Cond b) {
  return Cond{static_cast<std::uint8_t>(a.types & b.types), std::max(a.min_minor, b.min_minor),
              std::min(a.max_minor, b.max_minor), a.additional || b.additional};
}
constexpr Cond kAlways{};
constexpr Cond kCodeOnly{kCode, 0, 127, false};
constexpr Cond kTextCells{kMarkdown | kRaw, 0, 127, false};
constexpr Cond kKnownCells{kKnownTypes, 0, 127, false};
Cond from_minor(int m) { return Cond{kAnyType, static_cast<std::int8_t>(m), 127, false}; }

// What a checked value must be.
enum class Want : std::uint8_t {
  Anything, String, Bool, Object, Array, ExecCount, IntMin1, Minor, StringOrObject, Scrolled,
  Multiline, StringList, Name, Tags, Id, OutputType,
};
struct Expect {
  Want want = Want::Anything;
  Cond cond;
  std::string_view tmpl;  // generic JSON path: cells[#], outputs[#], [*] item, [@a] [@m] [@k] keys
};

const char* want_text(Want w) {
  switch (w) {
    case Want::Anything: return "any value";
    case Want::String: return "a string";
    case Want::Bool: return "true or false";
    case Want::Object: return "an object";
    case Want::Array: return "an array";
    case Want::ExecCount: return "an integer >= 0 or null";
    case Want::IntMin1: return "an integer >= 1";
    case Want::Minor: return "an integer >= 0";
    case Want::StringOrObject: return "a string or an object";
    case Want::Scrolled: return "true, false or \"auto\"";
    case Want::Multiline: return "a string or a list of strings";
    case Want::StringList: return "a list of strings";
    case Want::Name: return "a non-empty one-line string";
    case Want::Tags: return "a list of distinct strings without commas";
    case Want::Id: return "a string of 1-64 letters, digits, '-' or '_'";
    case Want::OutputType: return "a string";
  }
  return "a value";
}

// JSON kinds, by the first character of a value.
enum JKind : std::uint8_t { kObj = 1, kArr = 2, kStr = 4, kNum = 8, kBool = 16, kNull = 32 };
JKind jkind(char c) {
  if (c == '{') return kObj;
  if (c == '[') return kArr;
  if (c == '"') return kStr;
  if (c == 't' || c == 'f') return kBool;
  if (c == 'n') return kNull;
  return kNum;
}
const char* jkind_text(JKind k) {
  switch (k) {
    case kObj: return "an object";
    case kArr: return "an array";
    case kStr: return "a string";
    case kNum: return "a number";
    case kBool: return "a boolean";
    case kNull: return "null";
  }
  return "a value";
}
std::uint8_t allowed_kinds(Want w) {
  switch (w) {
    case Want::Anything: return 0xFF;
    case Want::String: case Want::Name: case Want::Id: case Want::OutputType: return kStr;
    case Want::Bool: return kBool;
    case Want::Object: return kObj;
    case Want::Array: case Want::StringList: case Want::Tags: return kArr;
    case Want::ExecCount: return kNum | kNull;
    case Want::IntMin1: case Want::Minor: return kNum;
    case Want::StringOrObject: return kStr | kObj;
    case Want::Scrolled: return kBool | kStr;
    case Want::Multiline: return kStr | kArr;
  }
  return 0xFF;
}

// A string as shown in a message: escaped, control characters as '?', cut after 60 bytes.
std::string shorten(std::string_view v) {
  std::string k;
  for (std::size_t i = 0; i < v.size() && k.size() < 60; ++i) {
    unsigned char c = static_cast<unsigned char>(v[i]);
    if (c == '"' || c == '\\') {
      k += '\\';
      k += static_cast<char>(c);
    } else {
      k += c < 0x20 ? '?' : static_cast<char>(c);
    }
  }
  if (k.size() >= 60 && v.size() > 60) {
    while (!k.empty() && (static_cast<unsigned char>(k.back()) & 0xC0) == 0x80) k.pop_back();
    if (!k.empty() && static_cast<unsigned char>(k.back()) >= 0xC0) k.pop_back();
    k += "...";
  }
  return k;
}
std::string quoted(std::string_view v) { return "\"" + shorten(v) + "\""; }
// ".key" for an identifier-like key, else ["key"].
std::string member(std::string_view key) {
  bool ident = !key.empty() && key.size() <= 60 && !std::isdigit(static_cast<unsigned char>(key[0]));
  for (char c : key)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) ident = false;
  if (ident) return "." + std::string(key);
  return "[" + quoted(key) + "]";
}
// A top-level key as a path: "key" or ["key"].
std::string root_member(std::string_view key) {
  std::string m = member(key);
  return m[0] == '.' ? m.substr(1) : m;
}

// Python's re.search semantics of the schema's patterns: '$' also matches before a final '\n'.
std::string_view strip_final_newline(std::string_view v) {
  if (!v.empty() && v.back() == '\n') v.remove_suffix(1);
  return v;
}
// ^.+$  (metadata.name)
bool name_ok(std::string_view v) {
  v = strip_final_newline(v);
  return !v.empty() && v.find('\n') == std::string_view::npos;
}
// ^[a-zA-Z0-9-_]+$ (cell id)
bool id_chars_ok(std::string_view v) {
  v = strip_final_newline(v);
  if (v.empty()) return false;
  for (char c : v)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  return true;
}
std::size_t code_points(std::string_view v) {
  std::size_t n = 0;
  for (char c : v)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}
// ^application/(.*\+)?json$ : the mimebundle keys whose value may be any JSON (4.0, 4.2+).
bool json_mime(std::string_view k) {
  constexpr std::string_view app = "application/";
  if (k.size() < app.size() + 4 || k.substr(0, app.size()) != app || k.substr(k.size() - 4) != "json")
    return false;
  std::string_view mid = k.substr(app.size(), k.size() - app.size() - 4);
  return mid.empty() || mid.back() == '+';
}
// A position in the file (column already counted).
struct At {
  int line = 0, column = 0;
};

// Output keys (bits) and what each output_type requires.
enum OutKey : std::uint16_t {
  kOType = 1, kOData = 2, kOMeta = 4, kOExec = 8, kOName = 16, kOText = 32, kOEname = 64,
  kOEvalue = 128, kOTraceback = 256,
};
constexpr std::string_view kOutKeyNames[] = {"output_type", "data", "metadata", "execution_count", "name",
                                             "text", "ename", "evalue", "traceback"};
enum class OutType : std::uint8_t { Missing, Unknown, ExecuteResult, DisplayData, Stream, Error };
std::uint16_t out_required(OutType t) {
  switch (t) {
    case OutType::ExecuteResult: return kOType | kOData | kOMeta | kOExec;
    case OutType::DisplayData: return kOType | kOData | kOMeta;
    case OutType::Stream: return kOType | kOName | kOText;
    case OutType::Error: return kOType | kOEname | kOEvalue | kOTraceback;
    default: return 0;
  }
}

// Cell keys (bits).
enum CellKey : std::uint8_t {
  kCType = 1, kCMeta = 2, kCSource = 4, kCOutputs = 8, kCExec = 16, kCId = 32, kCAttach = 64,
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
  At key_at_;        // where it starts (for keys of the root, cells, outputs and mimebundles)

  // ---- schema state ----
  struct Pending {  // a breach inside the open cell, kept until its cell type is known
    std::string kind;
    Cond cond;
    At at;
    std::string path, message, fix;
  };
  struct Found {
    SchemaProblem p;
    Cond cond;
  };
  static constexpr std::size_t kMaxKinds = 100;
  std::vector<Found> found_;
  std::unordered_map<std::string, std::size_t> kind_index_;
  std::vector<Cond> overflow_;  // breaches of kinds beyond kMaxKinds
  std::vector<Pending> pending_;
  Expect expect_;  // for the next Role::Leaf value
  Expect list_;    // for the items of the open Role::List
  std::vector<std::string> tags_;  // the open metadata.tags list's items
  std::string val_;                // scratch for decoded values
  long long minor_ = -1;           // nbformat_minor, -1 missing / invalid
  bool saw_minor_ = false, saw_root_meta_ = false;
  At root_at_;
  // The open cell.
  std::uint8_t cell_keys_ = 0;
  At cell_at_, cell_key_at_[7];
  std::unordered_map<std::string, int> ids_;  // cell id -> 0-based index of its first cell
  // The open output.
  int out_index_ = -1;
  std::uint16_t out_keys_ = 0;
  OutType out_type_ = OutType::Missing;
  At out_at_, out_key_at_[9];
  // The open kernelspec / language_info, mimebundle and list.
  std::uint8_t ks_keys_ = 0, li_keys_ = 0;
  At ks_at_, li_at_;
  bool bundle_attach_ = false;  // the open mimebundle is an attachment (else output data)
  std::string attach_name_, bundle_key_;
  int item_index_ = -1;

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
      // A source line starts at the first character after an escaped line break.
      if (sb && sb->pending && pos_ < n_ && u[pos_] != '"') {
        sb->starts.push_back({sb->text.size(), line_, column_at(pos_)});
        sb->pending = false;
      }
      // Fast path: a run of plain ASCII is copied (or skipped) at once.
      std::size_t run = pos_ < n_ ? pos_ + json_plain_run(s_.substr(pos_)) : pos_;
      if constexpr (Store) (sb ? sb->text : *out).append(s_.data() + pos_, run - pos_);
      pos_ = run;
      if (pos_ >= n_) fail_eof();
      unsigned char c = u[pos_];
      if (c == '"') {
        ++pos_;
        return;
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
      // A run of well-formed multi-byte sequences at once; utf8_len() reports a bad one.
      std::size_t len = c < 0x80 ? 1 : utf8_multibyte_run(s_.substr(pos_));
      if (len == 0) len = utf8_len();
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

  // ---- nbformat 4 schema ----
  At here() { return At{line_, column_at(pos_)}; }
  int cell_index() const { return cell_count_ - 1; }

  // The concrete JSON path of a generic one.
  std::string fill(std::string_view t) const {
    std::string out;
    out.reserve(t.size() + 16);
    for (std::size_t i = 0; i < t.size();) {
      if (t.compare(i, 3, "[#]") == 0) {
        bool output = out.size() >= 7 && out.compare(out.size() - 7, 7, "outputs") == 0;
        out += "[" + std::to_string(output ? out_index_ : cell_index()) + "]";
        i += 3;
      } else if (t.compare(i, 3, "[*]") == 0) {
        out += "[" + std::to_string(item_index_) + "]";
        i += 3;
      } else if (t.compare(i, 4, "[@a]") == 0 || t.compare(i, 4, "[@m]") == 0 ||
                 t.compare(i, 4, "[@k]") == 0) {
        const char which = t[i + 2];
        out += "[" + quoted(which == 'a' ? attach_name_ : which == 'm' ? bundle_key_ : key_) + "]";
        i += 4;
      } else {
        out += t[i++];
      }
    }
    return out;
  }

  // Records one breach. Inside a cell it waits for the cell's type.
  void breach(std::string kind, Cond cond, At at, std::string path, std::string message, std::string fix) {
    if (cond.types == 0 || cond.min_minor > cond.max_minor) return;
    if (cell_) {
      pending_.push_back(Pending{std::move(kind), cond, at, std::move(path), std::move(message), std::move(fix)});
      return;
    }
    commit(std::move(kind), cond, at, 0, std::move(path), std::move(message), std::move(fix));
  }
  void commit(std::string kind, Cond cond, At at, int cell, std::string path, std::string message,
              std::string fix) {
    auto it = kind_index_.find(kind);
    if (it != kind_index_.end()) {
      ++found_[it->second].p.count;
      return;
    }
    if (found_.size() >= kMaxKinds) {
      overflow_.push_back(cond);
      return;
    }
    kind_index_.emplace(kind, found_.size());
    found_.push_back(Found{SchemaProblem{std::move(kind), std::move(path), at.line, at.column, cell,
                                         std::move(message), std::move(fix), 1},
                           cond});
  }
  // A breach at a generic path: the message starts with the concrete path.
  void breach_at(std::string_view tmpl, std::string_view what, Cond cond, At at, std::string text,
                 std::string fix) {
    std::string path = fill(tmpl);
    std::string message = path + " " + text;
    breach(std::string(tmpl) + ":" + std::string(what), cond, at, std::move(path), std::move(message),
           std::move(fix));
  }
  void missing(std::string_view tmpl, Cond cond, At at, std::string why, std::string fix) {
    breach_at(tmpl, "missing", cond, at, "is missing: " + why, std::move(fix));
  }
  void unexpected(std::string_view tmpl, Cond cond, At at, std::string why) {
    cond.additional = true;
    breach_at(tmpl, "unexpected", cond, at, "is not allowed: " + why,
              "remove it (Jupyter never writes it there)");
  }

  // The expectation of a container role.
  Expect container_expect(Role r) const {
    switch (r) {
      case Role::NbMeta: return {Want::Object, kAlways, "metadata"};
      case Role::Kernelspec: return {Want::Object, kAlways, "metadata.kernelspec"};
      case Role::LangInfo: return {Want::Object, kAlways, "metadata.language_info"};
      case Role::NbFormatMinor: return {Want::Minor, kAlways, "nbformat_minor"};
      case Role::CellMeta: return {Want::Object, kAlways, "cells[#].metadata"};
      case Role::CellJupyter: return {Want::Object, from_minor(3), "cells[#].metadata.jupyter"};
      case Role::CellExecution: return {Want::Object, meet(kCodeOnly, from_minor(4)), "cells[#].metadata.execution"};
      case Role::Outputs: return {Want::Array, kCodeOnly, "cells[#].outputs"};
      case Role::Output: return {Want::Object, kCodeOnly, "cells[#].outputs[#]"};
      case Role::Attachments: return {Want::Object, kTextCells, "cells[#].attachments"};
      case Role::Bundle:
        return bundle_attach_ ? Expect{Want::Object, kTextCells, "cells[#].attachments[@a]"}
                              : Expect{Want::Object, kCodeOnly, "cells[#].outputs[#].data"};
      default: return {};
    }
  }
  static std::string type_fix(Want w) {
    return std::string("make it ") + want_text(w) + ", as Jupyter writes it";
  }

  // Type check of a schema role's value; returns the role to scan it with.
  Role check_schema(Role role, char c) {
    const JKind k = jkind(c);
    if (role == Role::ListItem) {
      if (k != kStr) {
        std::string tmpl = std::string(list_.tmpl) + "[*]";
        breach_at(tmpl, "type", list_.cond, here(), std::string("must be a string, not ") + jkind_text(k),
                  "make every item a string");
        return Role::Ignore;
      }
      return role;
    }
    const Expect e = role == Role::Leaf ? expect_ : container_expect(role);
    if (!(allowed_kinds(e.want) & k)) {
      breach_at(e.tmpl, "type", e.cond, here(),
                std::string("must be ") + want_text(e.want) + ", not " + jkind_text(k), type_fix(e.want));
      if (role == Role::NbFormatMinor) saw_minor_ = true;
      return Role::Ignore;
    }
    if (role != Role::Leaf) {
      if (role == Role::Output) {
        out_keys_ = 0;
        out_type_ = OutType::Missing;
        out_at_ = here();
      } else if (role == Role::Outputs) {
        out_index_ = -1;
      } else if (role == Role::Kernelspec) {
        ks_keys_ = 0;
        ks_at_ = here();
      } else if (role == Role::LangInfo) {
        li_keys_ = 0;
        li_at_ = here();
      }
      return role;
    }
    if (k == kArr && (e.want == Want::Multiline || e.want == Want::StringList || e.want == Want::Tags)) {
      list_ = e;
      item_index_ = -1;
      tags_.clear();
      return Role::List;
    }
    if (k == kObj || k == kArr) return Role::Ignore;  // any content
    return Role::Leaf;
  }

  // Content of a checked string (decoded only where the schema looks at it).
  void schema_string(Role role) {
    const Want w = role == Role::ListItem ? list_.want : expect_.want;
    if (w != Want::Name && w != Want::Tags && w != Want::Id && w != Want::OutputType && w != Want::Scrolled) {
      skip_string();
      return;
    }
    At at = here();
    val_.clear();
    scan_string<true>(&val_, nullptr);
    const Expect& e = role == Role::ListItem ? list_ : expect_;
    switch (w) {
      case Want::Name:
        if (!name_ok(val_))
          breach_at(e.tmpl, "pattern", e.cond, at, "must be a non-empty string on one line",
                    "give the cell a non-empty one-line name, or remove the key");
        break;
      case Want::Tags: {
        std::string tmpl = std::string(e.tmpl) + "[*]";
        if (val_.empty() || val_.find(',') != std::string::npos)
          breach_at(tmpl, "pattern", e.cond, at, "must be a non-empty tag without commas",
                    "rename the tag (one word per tag, no commas)");
        else if (std::find(tags_.begin(), tags_.end(), val_) != tags_.end())
          breach_at(tmpl, "duplicate", e.cond, at, "repeats a tag of the same list (tags must be distinct)",
                    "remove the repeated tag");
        else if (tags_.size() < 256)
          tags_.push_back(val_);
        break;
      }
      case Want::Id: {
        std::size_t len = code_points(val_);
        if (len < 1 || len > 64)
          breach_at(e.tmpl, "length", e.cond, at,
                    "is " + std::to_string(len) + " characters long: a cell id has 1 to 64",
                    "give the cell a shorter id (JupyterLab writes ids like \"a1b2c3d4\")");
        else if (!id_chars_ok(val_))
          breach_at(e.tmpl, "pattern", e.cond, at,
                    "may only contain letters, digits, '-' and '_' (pattern ^[a-zA-Z0-9-_]+$)",
                    "change the id to letters, digits, '-' and '_' only");
        auto [it, fresh] = ids_.emplace(val_, cell_index());
        if (!fresh)
          breach_at(e.tmpl, "duplicate", e.cond, at,
                    "repeats the id of cells[" + std::to_string(it->second) + "]: cell ids must be unique",
                    "give each cell its own id (copying cells in a text editor copies their ids)");
        break;
      }
      case Want::OutputType:
        out_type_ = val_ == "execute_result" ? OutType::ExecuteResult
                    : val_ == "display_data" ? OutType::DisplayData
                    : val_ == "stream"       ? OutType::Stream
                    : val_ == "error"        ? OutType::Error
                                             : OutType::Unknown;
        if (out_type_ == OutType::Unknown) {
          breach_at(e.tmpl, "value", e.cond, at,
                    "is " + quoted(val_) + ": nbformat 4 knows only execute_result, display_data, stream and error",
                    "clear the cell's outputs and run it again (\"pyout\"/\"pyerr\" are nbformat 3 names)");
        }
        break;
      case Want::Scrolled:
        if (val_ != "auto")
          breach_at(e.tmpl, "value", e.cond, at, "must be true, false or \"auto\"",
                    "set it to true, false or \"auto\", or remove it");
        break;
      default: break;
    }
  }

  // Content of a checked number.
  void schema_number(Role role, std::string_view num, At at) {
    const Expect e = role == Role::Leaf ? expect_ : container_expect(role);
    if (role == Role::NbFormatMinor) saw_minor_ = true;
    const bool integral = num.find_first_of(".eE") == std::string_view::npos;
    const bool negative = !num.empty() && num[0] == '-' && num.find_first_not_of("-0") != std::string_view::npos;
    const bool zero = num.find_first_not_of("-0") == std::string_view::npos;
    if (!integral) {
      breach_at(e.tmpl, "type", e.cond, at, std::string("must be ") + want_text(e.want) + ", not " + std::string(num.substr(0, 24)),
                type_fix(e.want));
      return;
    }
    if (role == Role::NbFormatMinor) {
      if (negative) {
        breach_at(e.tmpl, "minimum", e.cond, at, "must be >= 0, not " + std::string(num.substr(0, 24)),
                  "set it to the notebook's minor version (4 or 5)");
        return;
      }
      long long v = 0;
      for (char d : num) {
        if (d < '0' || d > '9') continue;
        v = v * 10 + (d - '0');
        if (v > 1000) break;
      }
      minor_ = v;
      return;
    }
    if (negative || (e.want == Want::IntMin1 && zero))
      breach_at(e.tmpl, "minimum", e.cond, at,
                std::string("must be ") + want_text(e.want) + ", not " + std::string(num.substr(0, 24)),
                type_fix(e.want));
  }

  // A leaf expectation for the next value.
  Role leaf(Want w, Cond c, std::string_view tmpl) {
    expect_ = Expect{w, c, tmpl};
    return Role::Leaf;
  }

  // Schema roles of object members (key_ holds the key).
  Role schema_child(Role parent) {
    switch (parent) {
      case Role::Root:
        if (key_ == "metadata") {
          saw_root_meta_ = true;
          return Role::NbMeta;
        }
        if (key_ == "nbformat_minor") return Role::NbFormatMinor;
        unexpected(root_member(key_), kAlways, key_at_,
                   "the top level of an nbformat 4 notebook has only metadata, nbformat, nbformat_minor and cells");
        return Role::Ignore;
      case Role::NbMeta:
        if (key_ == "kernelspec") return Role::Kernelspec;
        if (key_ == "language_info") return Role::LangInfo;
        if (key_ == "orig_nbformat") return leaf(Want::IntMin1, kAlways, "metadata.orig_nbformat");
        if (key_ == "title") return leaf(Want::String, from_minor(2), "metadata.title");
        if (key_ == "authors") return leaf(Want::Array, from_minor(2), "metadata.authors");
        return Role::Ignore;
      case Role::Kernelspec:
        if (key_ == "name") {
          ks_keys_ |= 1;
          return leaf(Want::String, kAlways, "metadata.kernelspec.name");
        }
        if (key_ == "display_name") {
          ks_keys_ |= 2;
          return leaf(Want::String, kAlways, "metadata.kernelspec.display_name");
        }
        return Role::Ignore;
      case Role::LangInfo:
        if (key_ == "name") {
          li_keys_ |= 1;
          return leaf(Want::String, kAlways, "metadata.language_info.name");
        }
        if (key_ == "codemirror_mode") return leaf(Want::StringOrObject, kAlways, "metadata.language_info.codemirror_mode");
        if (key_ == "file_extension") return leaf(Want::String, kAlways, "metadata.language_info.file_extension");
        if (key_ == "mimetype") return leaf(Want::String, kAlways, "metadata.language_info.mimetype");
        if (key_ == "pygments_lexer") return leaf(Want::String, kAlways, "metadata.language_info.pygments_lexer");
        return Role::Ignore;
      case Role::Cell: {
        auto seen = [&](CellKey k, int i) {
          cell_keys_ |= k;
          cell_key_at_[i] = key_at_;
        };
        if (key_ == "metadata") {
          seen(kCMeta, 1);
          return Role::CellMeta;
        }
        if (key_ == "outputs") {
          seen(kCOutputs, 3);
          return Role::Outputs;
        }
        if (key_ == "execution_count") {
          seen(kCExec, 4);
          return leaf(Want::ExecCount, kCodeOnly, "cells[#].execution_count");
        }
        if (key_ == "id") {
          seen(kCId, 5);
          return leaf(Want::Id, meet(kKnownCells, from_minor(5)), "cells[#].id");
        }
        if (key_ == "attachments") {
          seen(kCAttach, 6);
          return Role::Attachments;
        }
        std::string tmpl = "cells[#]" + member(key_);
        unexpected(tmpl, kAlways, key_at_,
                   "an nbformat 4 cell has only cell_type, id, metadata, source, attachments (markdown and raw), "
                   "outputs and execution_count (code)");
        return Role::Ignore;
      }
      case Role::CellMeta:
        if (key_ == "name") return leaf(Want::Name, kAlways, "cells[#].metadata.name");
        if (key_ == "tags") return leaf(Want::Tags, kAlways, "cells[#].metadata.tags");
        if (key_ == "format") return leaf(Want::String, Cond{kRaw, 0, 127, false}, "cells[#].metadata.format");
        if (key_ == "collapsed") return leaf(Want::Bool, kCodeOnly, "cells[#].metadata.collapsed");
        if (key_ == "scrolled") return leaf(Want::Scrolled, kCodeOnly, "cells[#].metadata.scrolled");
        if (key_ == "jupyter") return Role::CellJupyter;
        if (key_ == "execution") return Role::CellExecution;
        return Role::Ignore;
      case Role::CellJupyter:
        if (key_ == "source_hidden")
          return leaf(Want::Bool, meet(kCodeOnly, from_minor(5)), "cells[#].metadata.jupyter.source_hidden");
        if (key_ == "outputs_hidden")
          return leaf(Want::Bool, meet(kCodeOnly, from_minor(5)), "cells[#].metadata.jupyter.outputs_hidden");
        return Role::Ignore;
      case Role::CellExecution:
        return leaf(Want::String, meet(kCodeOnly, from_minor(4)), "cells[#].metadata.execution[@k]");
      case Role::Output: {
        for (std::size_t i = 0; i < std::size(kOutKeyNames); ++i) {
          if (key_ != kOutKeyNames[i]) continue;
          out_keys_ |= static_cast<std::uint16_t>(1u << i);
          out_key_at_[i] = key_at_;
          switch (i) {
            case 0: return leaf(Want::OutputType, kCodeOnly, "cells[#].outputs[#].output_type");
            case 1:
              bundle_attach_ = false;
              return Role::Bundle;
            case 2: return leaf(Want::Object, kCodeOnly, "cells[#].outputs[#].metadata");
            case 3: return leaf(Want::ExecCount, kCodeOnly, "cells[#].outputs[#].execution_count");
            case 4: return leaf(Want::String, kCodeOnly, "cells[#].outputs[#].name");
            case 5: return leaf(Want::Multiline, kCodeOnly, "cells[#].outputs[#].text");
            case 6: return leaf(Want::String, kCodeOnly, "cells[#].outputs[#].ename");
            case 7: return leaf(Want::String, kCodeOnly, "cells[#].outputs[#].evalue");
            default: return leaf(Want::StringList, kCodeOnly, "cells[#].outputs[#].traceback");
          }
        }
        std::string tmpl = "cells[#].outputs[#]" + member(key_);
        unexpected(tmpl, kCodeOnly, key_at_,
                   "an output has only output_type and the keys of its type (data, metadata, execution_count, "
                   "name, text, ename, evalue, traceback)");
        return Role::Ignore;
      }
      case Role::Attachments:
        attach_name_ = key_;
        bundle_attach_ = true;
        return Role::Bundle;
      case Role::Bundle: {
        bundle_key_ = key_;
        const Cond base = container_expect(Role::Bundle).cond;
        std::string_view tmpl = bundle_attach_ ? "cells[#].attachments[@a][@m]" : "cells[#].outputs[#].data[@m]";
        // ^application/(.*\+)?json$ may hold any JSON; every other entry is a multiline string.
        if (json_mime(key_)) return Role::Ignore;
        return leaf(Want::Multiline, base, tmpl);
      }
      default: return Role::Ignore;
    }
  }

  // Close-time checks: what a cell, an output, a kernelspec must have and may have.
  void close_output() {
    const std::string_view types[] = {"", "", "execute_result", "display_data", "stream", "error"};
    if (out_type_ == OutType::Missing) {
      missing("cells[#].outputs[#].output_type", kCodeOnly, out_at_,
              "every output says its output_type (execute_result, display_data, stream or error)",
              "clear the cell's outputs and run it again in Jupyter");
      return;
    }
    if (out_type_ == OutType::Unknown) return;
    const std::uint16_t req = out_required(out_type_);
    if (out_keys_ == req) return;  // the usual case: nothing to build
    const std::string type(types[static_cast<int>(out_type_)]);
    for (std::size_t i = 0; i < std::size(kOutKeyNames); ++i) {
      const std::uint16_t bit = static_cast<std::uint16_t>(1u << i);
      std::string tmpl = "cells[#].outputs[#]." + std::string(kOutKeyNames[i]);
      if ((req & bit) && !(out_keys_ & bit))
        missing(tmpl, kCodeOnly, out_at_, "a \"" + type + "\" output needs it",
                "clear the cell's outputs and run it again in Jupyter, or add the key");
      else if (!(req & bit) && (out_keys_ & bit))
        unexpected(tmpl, kCodeOnly, out_key_at_[i], "a \"" + type + "\" output has no " + std::string(kOutKeyNames[i]));
    }
  }
  void close_kernelspec() {
    if (!(ks_keys_ & 1))
      missing("metadata.kernelspec.name", kAlways, ks_at_, "a kernelspec names its kernel (\"python3\")",
              "add \"name\" to metadata.kernelspec, or remove the kernelspec");
    if (!(ks_keys_ & 2))
      missing("metadata.kernelspec.display_name", kAlways, ks_at_,
              "a kernelspec has a display_name (\"Python 3\")",
              "add \"display_name\" to metadata.kernelspec, or remove the kernelspec");
  }
  void close_language_info() {
    if (!(li_keys_ & 1))
      missing("metadata.language_info.name", kAlways, li_at_, "language_info names its language (\"python\")",
              "add \"name\" to metadata.language_info, or remove it");
  }
  void close_cell_schema() {
    const std::uint8_t bit = cell_->type == CellType::Code       ? kCode
                             : cell_->type == CellType::Markdown ? kMarkdown
                             : cell_->type == CellType::Raw      ? kRaw
                                                                 : kOtherType;
    const char* type = bit == kCode ? "code" : bit == kMarkdown ? "markdown" : "raw";
    if (!(cell_keys_ & kCType))
      missing("cells[#].cell_type", kAlways, cell_at_, "every cell says its cell_type (code, markdown or raw)",
              "add \"cell_type\": \"code\" (or \"markdown\", \"raw\") to the cell");
    if (!(cell_keys_ & kCMeta))
      missing("cells[#].metadata", kAlways, cell_at_, "every cell has a metadata object",
              "add \"metadata\": {} to the cell (Jupyter writes it, empty or not)");
    if (bit != kOtherType) {
      if (!(cell_keys_ & kCSource))
        missing("cells[#].source", kKnownCells, cell_at_, "every cell has a source", "add \"source\": [] to the cell");
      if (!(cell_keys_ & kCId))
        missing("cells[#].id", meet(kKnownCells, from_minor(5)), cell_at_,
                "every cell of an nbformat 4.5 notebook has an id",
                "save the notebook from JupyterLab or Notebook 7 (they add ids), or set nbformat_minor to 4");
      if (bit == kCode) {
        if (!(cell_keys_ & kCOutputs))
          missing("cells[#].outputs", kCodeOnly, cell_at_, "every code cell has outputs",
                  "add \"outputs\": [] to the cell");
        if (!(cell_keys_ & kCExec))
          missing("cells[#].execution_count", kCodeOnly, cell_at_,
                  "every code cell has an execution_count (null when not run)",
                  "add \"execution_count\": null to the cell");
        if (cell_keys_ & kCAttach)
          unexpected("cells[#].attachments", kCodeOnly, cell_key_at_[6], "only markdown and raw cells have attachments");
      } else {
        if (cell_keys_ & kCOutputs)
          unexpected("cells[#].outputs", kTextCells, cell_key_at_[3],
                     std::string("a ") + type + " cell has no outputs (only code cells have)");
        if (cell_keys_ & kCExec)
          unexpected("cells[#].execution_count", kTextCells, cell_key_at_[4],
                     std::string("a ") + type + " cell has no execution_count (only code cells have)");
      }
      if (cell_keys_ & kCId)
        breach_at("cells[#].id", "before-4.5", Cond{kKnownTypes, 0, 4, true}, cell_key_at_[5],
                  "is not allowed: cell ids came with nbformat 4.5",
                  "set nbformat_minor to 5 (ids are what 4.5 adds), or remove the ids");
    }
    for (auto& p : pending_)
      if (p.cond.types & bit)
        commit(std::move(p.kind), p.cond, p.at, cell_count_, std::move(p.path), std::move(p.message), std::move(p.fix));
    pending_.clear();
  }

  // After the pass: the nbformat_minor, the root's required keys, and which breaches count.
  void finish_schema(Notebook& nb) {
    if (!saw_root_meta_)
      missing("metadata", kAlways, root_at_, "an nbformat 4 notebook has a top-level metadata object",
              "add \"metadata\": {} at the top level of the notebook");
    if (!saw_minor_)
      missing("nbformat_minor", kAlways, root_at_, "without it the notebook is judged as nbformat 4.0",
              "add \"nbformat_minor\": 4 (or 5 when every cell has an id) at the top level");
    int minor = minor_ < 0 ? 0 : static_cast<int>(std::min<long long>(minor_, 127));
    bool relax = minor > 5;
    if (relax) minor = 5;
    nb.nbformat_minor = static_cast<int>(minor_);
    for (auto& f : found_) {
      const Cond& c = f.cond;
      if (minor < c.min_minor || minor > c.max_minor || (relax && c.additional)) continue;
      nb.schema.push_back(std::move(f.p));
    }
    int more = 0;
    for (const Cond& c : overflow_)
      if (minor >= c.min_minor && minor <= c.max_minor && !(relax && c.additional)) ++more;
    if (more > 0)
      nb.schema.push_back(SchemaProblem{"other", "", root_at_.line, root_at_.column, 0,
                                        std::to_string(more) + " more breaches of other kinds (only the first " +
                                            std::to_string(kMaxKinds) + " kinds are listed)",
                                        "fix the kinds listed first, then check again", more});
  }

  // ---- schema ----
  Role child_of_object(Role parent) {
    if (parent == Role::Ignore) return Role::Ignore;
    if (parent == Role::Root) {
      if (key_ == "nbformat") return Role::NbFormat;
      if (key_ == "cells") return Role::Cells;
    } else if (parent == Role::Cell) {
      if (key_ == "cell_type") {
        cell_keys_ |= kCType;
        return Role::CellType;
      }
      if (key_ == "source") {
        cell_keys_ |= kCSource;
        return Role::Source;
      }
    }
    return schema_child(parent);
  }
  Role child_of_array(Role parent) {
    switch (parent) {
      case Role::Cells: return Role::Cell;
      case Role::Source: return Role::SourceItem;
      case Role::List:
        ++item_index_;
        return Role::ListItem;
      case Role::Outputs:
        ++out_index_;
        return Role::Output;
      default: return Role::Ignore;
    }
  }
  // Roles whose object keys are decoded.
  static bool keyed(Role r) {
    switch (r) {
      case Role::Root: case Role::Cell: case Role::NbMeta: case Role::Kernelspec: case Role::LangInfo:
      case Role::CellMeta: case Role::CellJupyter: case Role::CellExecution: case Role::Output:
      case Role::Bundle: case Role::Attachments:
        return true;
      default: return false;
    }
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
      case Role::NbFormatMinor: case Role::Leaf: case Role::List: case Role::ListItem: case Role::NbMeta:
      case Role::Kernelspec: case Role::LangInfo: case Role::CellMeta: case Role::CellJupyter:
      case Role::CellExecution: case Role::Outputs: case Role::Output: case Role::Bundle:
      case Role::Attachments:
        return check_schema(role, c);
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
    cell_keys_ = 0;
    cell_at_ = here();
    pending_.clear();
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
      At at = here();
      std::string v;
      scan_string<true>(&v, nullptr);
      if (cell_) {
        cell_->type = v == "code"       ? CellType::Code
                      : v == "markdown" ? CellType::Markdown
                      : v == "raw"      ? CellType::Raw
                                        : CellType::Other;
        if (cell_->type == CellType::Other)
          breach_at("cells[#].cell_type", "value", kAlways, at,
                    "is " + quoted(v) + ": nbformat 4 knows only \"code\", \"markdown\" and \"raw\"" +
                        (v == "heading" ? " (heading cells were nbformat 3: make it a markdown cell with '#')" : ""),
                    "make it a code, markdown or raw cell");
      }
    } else if (role == Role::Leaf || role == Role::ListItem) {
      schema_string(role);
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
    if (keyed(parent)) {
      if (parent == Role::Root || parent == Role::Cell || parent == Role::Output || parent == Role::Bundle)
        key_at_ = here();
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
    switch (f.role) {
      case Role::Cell:
        if (cell_) close_cell_schema();
        close_cell();
        break;
      case Role::Output: close_output(); break;
      case Role::Kernelspec: close_kernelspec(); break;
      case Role::LangInfo: close_language_info(); break;
      default: break;
    }
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
              root_at_ = At{root_line_, root_column_};
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
              const At num_at = (role == Role::Leaf || role == Role::NbFormatMinor) ? here() : At{};
              std::string_view num = scan_number();
              if (role == Role::Leaf || role == Role::NbFormatMinor) schema_number(role, num, num_at);
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
      if (nbformat_ok_ && nbformat_ >= 1 && nbformat_ <= 3)
        nbf->message = "it is an nbformat " + std::to_string(nbformat_) +
                       " notebook: the runner converts older notebooks to version 4 when it runs them, but "
                       "rwkvq checks only version 4";
      else if (nbformat_ok_)
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
  if (!err && nb.nbformat == 4) finish_schema(nb);
}

}  // namespace

Notebook parse_notebook(std::string rel, std::string_view bytes, NotebookReadOptions options) {
  if (options.outputs) {
    Notebook nb = parse_notebook(std::move(rel), bytes);
    if (!nb.error) read_notebook_output_text(nb, bytes);
    return nb;
  }
  Notebook nb;
  nb.rel = std::move(rel);
  Scanner sc(bytes);
  sc.run(nb);
  return nb;
}

}  // namespace rwkvq
