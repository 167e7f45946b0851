// The plain-YAML fast reader (see config_simple.h). It only says yes when the text is in a
// subset it reads exactly as yaml-cpp does; any doubt declines, and parse_config uses yaml-cpp.
#include "request/config_simple.h"

#include <set>
#include <vector>

namespace rwkvq {
namespace {

constexpr std::size_t kMaxEntries = 20000;  // the same caps as the yaml-cpp path: beyond them,
constexpr int kMaxDepth = 64;               // it is that path that reports the error

struct Line {
  int indent = 0;
  std::string_view content;  // after the indentation, up to the end of the line
  int line = 0;              // 0-based
};

bool is_null_word(std::string_view v) { return v == "~" || v == "null" || v == "Null" || v == "NULL"; }

// What may follow a closed quote or flow list on its line: spaces, then nothing or a comment.
bool only_comment_after(std::string_view rest) {
  std::size_t k = 0;
  while (k < rest.size() && rest[k] == ' ') ++k;
  if (k == rest.size()) return true;
  return rest[k] == '#' && k > 0;
}

struct Scalar {
  std::string text;
  bool null = false;
  int col = 0;  // 0-based column of the first character (the quote of a quoted scalar)
};

class Reader {
 public:
  Reader(const std::string& rel, std::vector<Line> lines) : lines_(std::move(lines)) { cf_.rel = rel; }

  std::optional<ConfigFile> read() {
    if (lines_.empty() || item(lines_[0])) return std::nullopt;  // empty, or not a mapping
    std::size_t i = 0;
    if (!map(i, lines_[0].indent, "", 1) || i != lines_.size()) return std::nullopt;
    for (std::size_t k : top_) {
      const ConfigEntry& e = cf_.entries[k];
      if (e.key != "trainer" && e.key != "model" && e.key != "data") continue;
      cf_.is_training_config = true;
      if (e.kind == ConfigEntry::Kind::Null || e.kind == ConfigEntry::Kind::Map) continue;
      ConfigEntry bad;
      bad.key = e.key;
      bad.kind = e.kind;
      bad.value = e.value;
      bad.loc = e.loc;
      cf_.bad_sections.push_back(std::move(bad));
    }
    return std::move(cf_);
  }

 private:
  static bool item(const Line& l) {
    return !l.content.empty() && l.content[0] == '-' && (l.content.size() == 1 || l.content[1] == ' ');
  }

  Location loc(int line, int col) const {
    Location l;
    l.file = cf_.rel;
    l.line = line + 1;
    l.column = col + 1;
    return l;
  }

  bool add(std::string key, ConfigEntry::Kind kind, std::string value, Location l, int depth, std::size_t* at) {
    if (depth > kMaxDepth || cf_.entries.size() >= kMaxEntries) return false;
    ConfigEntry e;
    e.key = std::move(key);
    e.kind = kind;
    e.value = std::move(value);
    e.loc = std::move(l);
    if (depth == 1) top_.push_back(cf_.entries.size());
    if (at) *at = cf_.entries.size();
    cf_.entries.push_back(std::move(e));
    return true;
  }

  // A quoted scalar at v[0] (in a flow list when `flow`): its text and the position after it.
  static std::optional<std::pair<std::string, std::size_t>> quoted(std::string_view v) {
    const char q = v[0];
    std::string out;
    for (std::size_t j = 1; j < v.size(); ++j) {
      const char c = v[j];
      if (q == '\'' && c == '\'') {
        if (j + 1 < v.size() && v[j + 1] == '\'') {
          out += '\'';
          ++j;
          continue;
        }
        return std::make_pair(std::move(out), j + 1);
      }
      if (q == '"' && c == '"') return std::make_pair(std::move(out), j + 1);
      if (q == '"' && c == '\\') {
        if (j + 1 >= v.size()) return std::nullopt;
        switch (v[++j]) {
          case 'n': out += '\n'; break;
          case 't': out += '\t'; break;
          case '\\': out += '\\'; break;
          case '"': out += '"'; break;
          case '/': out += '/'; break;
          default: return std::nullopt;
        }
        continue;
      }
      out += c;
    }
    return std::nullopt;  // not closed on this line
  }

  // A plain scalar of block context, the whole rest of the line (comment cut).
  static std::optional<std::string> plain_block(std::string_view v) {
    if (std::string_view("[]{}#&*!|>%@`,?:'\"").find(v[0]) != std::string_view::npos) return std::nullopt;
    if (v[0] == '-' && (v.size() == 1 || v[1] == ' ')) return std::nullopt;
    std::size_t end = v.size();
    for (std::size_t k = 1; k < v.size(); ++k)
      if (v[k] == '#' && v[k - 1] == ' ') {
        end = k;
        break;
      }
    while (end > 0 && v[end - 1] == ' ') --end;
    v = v.substr(0, end);
    if (v.find(": ") != std::string_view::npos || v.back() == ':') return std::nullopt;
    return std::string(v);
  }

  // One scalar of a flow collection at v[k] (quoted, or plain up to one of `stops`): its text,
  // with k moved past it. Plain scalars holding anything YAML-special are declined.
  static bool flow_scalar(std::string_view v, std::size_t& k, int col, std::string_view stops, Scalar& s) {
    s.col = col + static_cast<int>(k);
    if (v[k] == '\'' || v[k] == '"') {
      auto q = quoted(v.substr(k));
      if (!q) return false;
      s.text = std::move(q->first);
      k += q->second;
      return true;
    }
    if (std::string_view("[]{}#&*!|>%@`,?:'\"").find(v[k]) != std::string_view::npos) return false;
    if (v[k] == '-' && (k + 1 >= v.size() || v[k + 1] == ' ')) return false;
    std::size_t e = k;
    while (e < v.size() && stops.find(v[e]) == std::string_view::npos) {
      if (std::string_view("[]{},#'\":?").find(v[e]) != std::string_view::npos) return false;
      ++e;
    }
    std::size_t t = e;
    while (t > k && v[t - 1] == ' ') --t;
    s.text = std::string(v.substr(k, t - k));
    s.null = is_null_word(s.text);
    if (s.null) s.text.clear();
    k = e;
    return true;
  }

  // [a, "b", 'c'] on one line: the items, or nullopt.
  static std::optional<std::vector<Scalar>> flow_list(std::string_view v, int col) {
    std::vector<Scalar> items;
    std::size_t k = 1;
    auto spaces = [&] {
      while (k < v.size() && v[k] == ' ') ++k;
    };
    spaces();
    if (k < v.size() && v[k] == ']') return only_comment_after(v.substr(k + 1)) ? std::optional(items) : std::nullopt;
    while (true) {
      spaces();
      if (k >= v.size()) return std::nullopt;
      Scalar s;
      if (!flow_scalar(v, k, col, ",]", s)) return std::nullopt;
      items.push_back(std::move(s));
      spaces();
      if (k >= v.size()) return std::nullopt;
      if (v[k] == ']') return only_comment_after(v.substr(k + 1)) ? std::optional(items) : std::nullopt;
      if (v[k] != ',') return std::nullopt;
      ++k;
      spaces();
      if (k < v.size() && v[k] == ']') return std::nullopt;  // a trailing comma
    }
  }

  // {a: 1, 'b': "x"} on one line, keys and values scalars: the pairs, or nullopt. A key is
  // followed by ": "; empty values, null keys, duplicate keys and trailing commas decline.
  static std::optional<std::vector<std::pair<Scalar, Scalar>>> flow_map(std::string_view v, int col) {
    std::vector<std::pair<Scalar, Scalar>> pairs;
    std::size_t k = 1;
    auto spaces = [&] {
      while (k < v.size() && v[k] == ' ') ++k;
    };
    spaces();
    if (k < v.size() && v[k] == '}') return only_comment_after(v.substr(k + 1)) ? std::optional(pairs) : std::nullopt;
    while (true) {
      spaces();
      if (k >= v.size()) return std::nullopt;
      std::pair<Scalar, Scalar> p;
      if (!flow_scalar(v, k, col, ":", p.first) || p.first.null || is_null_word(p.first.text)) return std::nullopt;
      if (k + 1 >= v.size() || v[k] != ':' || v[k + 1] != ' ') return std::nullopt;
      for (const auto& q : pairs)
        if (q.first.text == p.first.text) return std::nullopt;
      ++k;
      spaces();
      if (k >= v.size() || v[k] == ',' || v[k] == '}') return std::nullopt;
      if (!flow_scalar(v, k, col, ",}", p.second)) return std::nullopt;
      pairs.push_back(std::move(p));
      spaces();
      if (k >= v.size()) return std::nullopt;
      if (v[k] == '}') return only_comment_after(v.substr(k + 1)) ? std::optional(pairs) : std::nullopt;
      if (v[k] != ',') return std::nullopt;
      ++k;
      spaces();
      if (k < v.size() && v[k] == '}') return std::nullopt;  // a trailing comma
    }
  }

  // The value after "key:" or "- " on line l, starting at column col: kind, text, items.
  struct Value {
    enum class What { Empty, Scalar, Null, List, Map } what = What::Empty;
    std::string text;
    std::vector<Scalar> items;                   // List
    std::vector<std::pair<Scalar, Scalar>> pairs;  // Map
  };
  static std::optional<Value> value(std::string_view v, int col) {
    Value out;
    std::size_t k = 0;
    while (k < v.size() && v[k] == ' ') ++k;
    if (k == v.size() || v[k] == '#') return out;
    if (k == 0) return std::nullopt;  // "key:value" is not a key
    v.remove_prefix(k);
    col += static_cast<int>(k);
    if (v[0] == '[') {
      auto items = flow_list(v, col);
      if (!items) return std::nullopt;
      out.what = Value::What::List;
      out.items = std::move(*items);
      return out;
    }
    if (v[0] == '{') {
      auto pairs = flow_map(v, col);
      if (!pairs) return std::nullopt;
      out.what = Value::What::Map;
      out.pairs = std::move(*pairs);
      return out;
    }
    if (v[0] == '\'' || v[0] == '"') {
      auto q = quoted(v);
      if (!q || !only_comment_after(v.substr(q->second))) return std::nullopt;
      out.what = Value::What::Scalar;
      out.text = std::move(q->first);
      return out;
    }
    auto p = plain_block(v);
    if (!p) return std::nullopt;
    out.what = is_null_word(*p) ? Value::What::Null : Value::What::Scalar;
    if (out.what == Value::What::Scalar) out.text = std::move(*p);
    return out;
  }

  static ConfigEntry::Kind kind_of(Value::What w) {
    switch (w) {
      case Value::What::Scalar: return ConfigEntry::Kind::Scalar;
      case Value::What::List: return ConfigEntry::Kind::Sequence;
      case Value::What::Map: return ConfigEntry::Kind::Map;
      default: return ConfigEntry::Kind::Null;
    }
  }

  // "key:" at the start of `c`: the key and the position after the ':'.
  static std::optional<std::pair<std::string_view, std::size_t>> key_of(std::string_view c) {
    if (c.empty() || std::string_view("[]{}#&*!|>%@`,?:'\"-").find(c[0]) != std::string_view::npos)
      return std::nullopt;
    for (std::size_t k = 0; k < c.size(); ++k) {
      const char ch = c[k];
      if (ch == ':' && (k + 1 == c.size() || c[k + 1] == ' ')) {
        std::string_view key = c.substr(0, k);
        if (key.back() == ' ' || is_null_word(key)) return std::nullopt;
        return std::make_pair(key, k + 1);
      }
      if (std::string_view("[]{},#&*!|>'\"%@`").find(ch) != std::string_view::npos) return std::nullopt;
    }
    return std::nullopt;
  }

  // Items of a flow list as entries under `key`.
  bool list_items(const std::string& key, const std::vector<Scalar>& items, int line, int depth) {
    for (std::size_t n = 0; n < items.size(); ++n)
      if (!add(key + "[" + std::to_string(n) + "]",
               items[n].null ? ConfigEntry::Kind::Null : ConfigEntry::Kind::Scalar, items[n].text,
               loc(line, items[n].col), depth, nullptr))
        return false;
    return true;
  }

  // Pairs of a flow mapping as entries under `key`.
  bool map_items(const std::string& key, const std::vector<std::pair<Scalar, Scalar>>& pairs, int line, int depth) {
    for (const auto& p : pairs)
      if (!add(key + "." + p.first.text, p.second.null ? ConfigEntry::Kind::Null : ConfigEntry::Kind::Scalar,
               p.second.text, loc(line, p.first.col), depth, nullptr))
        return false;
    return true;
  }

  // The block under an entry whose value was empty (next line more indented, or a sequence at
  // the same indent for a mapping's value): its kind, read into entries.
  bool nested(std::size_t& i, int indent, bool seq_same_indent, std::size_t at, int depth) {
    const std::string key = cf_.entries[at].key;
    if (i < lines_.size() && lines_[i].indent > indent) {
      if (item(lines_[i])) {
        cf_.entries[at].kind = ConfigEntry::Kind::Sequence;
        return seq(i, lines_[i].indent, key, depth);
      }
      cf_.entries[at].kind = ConfigEntry::Kind::Map;
      return map(i, lines_[i].indent, key, depth);
    }
    if (seq_same_indent && i < lines_.size() && lines_[i].indent == indent && item(lines_[i])) {
      cf_.entries[at].kind = ConfigEntry::Kind::Sequence;
      return seq(i, indent, key, depth);
    }
    return true;  // null
  }

  bool map(std::size_t& i, int indent, const std::string& prefix, int depth) {
    std::set<std::string_view> seen;
    while (i < lines_.size() && lines_[i].indent >= indent) {
      const Line& l = lines_[i];
      if (l.indent > indent || item(l)) return false;
      auto k = key_of(l.content);
      if (!k || !seen.insert(k->first).second) return false;
      auto v = value(l.content.substr(k->second), l.indent + static_cast<int>(k->second));
      if (!v) return false;
      const std::string key = prefix.empty() ? std::string(k->first) : prefix + "." + std::string(k->first);
      std::size_t at = 0;
      const auto kind = kind_of(v->what);
      if (!add(key, kind, v->text, loc(l.line, l.indent), depth, &at)) return false;
      const int line = l.line;
      ++i;
      if (v->what == Value::What::Empty) {
        if (!nested(i, indent, true, at, depth + 1)) return false;
      } else if (v->what == Value::What::List) {
        if (!list_items(key, v->items, line, depth + 1)) return false;
      } else if (v->what == Value::What::Map) {
        if (!map_items(key, v->pairs, line, depth + 1)) return false;
      }
    }
    return true;
  }

  bool seq(std::size_t& i, int indent, const std::string& prefix, int depth) {
    std::size_t n = 0;
    while (i < lines_.size() && lines_[i].indent >= indent) {
      Line& l = lines_[i];
      if (l.indent > indent) return false;
      if (!item(l)) return true;  // the next key of the mapping this sequence is the value of
      const std::string key = prefix + "[" + std::to_string(n++) + "]";
      std::size_t k = 1;
      while (k < l.content.size() && l.content[k] == ' ') ++k;
      std::string_view rest = l.content.substr(k);
      const int col = l.indent + static_cast<int>(k);
      if (rest.empty() || rest[0] == '#') {  // "-" then the item's block on the next lines
        ++i;
        if (i >= lines_.size() || lines_[i].indent <= indent || item(lines_[i])) return false;
        std::size_t at = 0;
        if (!add(key, ConfigEntry::Kind::Map, "", loc(lines_[i].line, lines_[i].indent), depth, &at)) return false;
        if (!map(i, lines_[i].indent, key, depth + 1)) return false;
        continue;
      }
      if (rest[0] == '-') return false;  // a sequence in a sequence
      if (rest[0] != '[' && rest[0] != '\'' && rest[0] != '"' && key_of(rest)) {
        // "- key: value": a mapping whose keys are at the column of this first key.
        if (!add(key, ConfigEntry::Kind::Map, "", loc(l.line, col), depth, nullptr)) return false;
        l.indent = col;
        l.content = rest;
        if (!map(i, col, key, depth + 1)) return false;
        continue;
      }
      auto v = value(l.content.substr(1), l.indent + 1);
      if (!v || v->what == Value::What::Empty) return false;
      const auto kind = kind_of(v->what);
      if (!add(key, kind, v->text, loc(l.line, col), depth, nullptr)) return false;
      if (v->what == Value::What::List && !list_items(key, v->items, l.line, depth + 1)) return false;
      if (v->what == Value::What::Map && !map_items(key, v->pairs, l.line, depth + 1)) return false;
      ++i;
    }
    return true;
  }

  std::vector<Line> lines_;
  ConfigFile cf_;
  std::vector<std::size_t> top_;
};

}  // namespace

std::optional<ConfigFile> parse_config_simple(const std::string& rel, std::string_view text) {
  std::vector<Line> lines;
  int n = 0;
  for (std::size_t b = 0; b <= text.size(); ++n) {
    std::size_t e = text.find('\n', b);
    if (e == std::string_view::npos) e = text.size();
    std::string_view raw = text.substr(b, e - b);
    b = e + 1;
    for (char c : raw) {
      const auto u = static_cast<unsigned char>(c);
      if (u < 0x20 || u >= 0x7F) return std::nullopt;  // tabs, CR, controls, non-ASCII: yaml-cpp
    }
    std::size_t k = 0;
    while (k < raw.size() && raw[k] == ' ') ++k;
    if (k == raw.size() || raw[k] == '#') continue;
    if (k == 0 && (raw[0] == '%' || raw.substr(0, 3) == "---" || raw.substr(0, 3) == "...")) return std::nullopt;
    lines.push_back(Line{static_cast<int>(k), raw.substr(k), n});
    if (e == text.size()) break;
  }
  return Reader(rel, std::move(lines)).read();
}

}  // namespace rwkvq
