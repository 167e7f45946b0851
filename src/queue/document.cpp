#include "rwkvq/queue/document.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <ctime>
#include <nlohmann/json.hpp>
#include <set>

#include "rwkvq/core/error.h"

namespace rwkvq::queue {

using nlohmann::json;

// ---------------------------------------------------------------- times

std::string format_time(Time t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

namespace {
bool read_int(std::string_view s, std::size_t& i, int digits, int& out) {
  if (i + static_cast<std::size_t>(digits) > s.size()) return false;
  out = 0;
  for (int k = 0; k < digits; ++k) {
    const char c = s[i + static_cast<std::size_t>(k)];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  i += static_cast<std::size_t>(digits);
  return true;
}
}  // namespace

std::optional<Time> parse_time(std::string_view s) {
  std::size_t i = 0;
  int y, mo, d, h = 0, mi = 0, se = 0;
  if (!read_int(s, i, 4, y) || i >= s.size() || s[i++] != '-' || !read_int(s, i, 2, mo) ||
      i >= s.size() || s[i++] != '-' || !read_int(s, i, 2, d))
    return std::nullopt;
  if (i < s.size() && (s[i] == 'T' || s[i] == ' ')) {
    ++i;
    if (!read_int(s, i, 2, h) || i >= s.size() || s[i++] != ':' || !read_int(s, i, 2, mi))
      return std::nullopt;
    if (i < s.size() && s[i] == ':') {
      ++i;
      if (!read_int(s, i, 2, se)) return std::nullopt;
      if (i < s.size() && s[i] == '.') {  // fractions of a second are dropped
        ++i;
        while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
      }
    }
  }
  long offset = 0;
  if (i < s.size() && s[i] == 'Z') {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    const int sign = s[i] == '-' ? -1 : 1;
    ++i;
    int oh, om = 0;
    if (!read_int(s, i, 2, oh)) return std::nullopt;
    if (i < s.size() && s[i] == ':') ++i;
    if (i < s.size() && !read_int(s, i, 2, om)) return std::nullopt;
    offset = sign * (oh * 3600L + om * 60L);
  }
  if (i != s.size()) return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = se;
  const std::time_t t = timegm(&tm);
  // Reject dates timegm normalised (Feb 30 ...).
  std::tm back{};
  gmtime_r(&t, &back);
  if (back.tm_mday != d || back.tm_mon != mo - 1) return std::nullopt;
  return static_cast<Time>(t) - offset;
}

// ---------------------------------------------------------------- enums

const std::vector<std::string>& known_kinds() {
  static const std::vector<std::string> k = {"rwkv-x", "community-priority", "community"};
  return k;
}

namespace {
constexpr std::string_view kStateNames[] = {"queued",  "running",  "done",     "failed",
                                            "skipped", "rejected", "cancelled"};
}

std::string_view to_string(PartState s) { return kStateNames[static_cast<int>(s)]; }

std::optional<PartState> parse_part_state(std::string_view s) {
  for (int i = 0; i < 7; ++i)
    if (kStateNames[i] == s) return static_cast<PartState>(i);
  return std::nullopt;
}

// ---------------------------------------------------------------- queue helpers

namespace {
std::string_view canonical_id(std::string_view id) {
  if (!id.empty() && (id[0] == 'r' || id[0] == 'R')) id.remove_prefix(1);
  return id;
}
}  // namespace

Entry* Queue::find(std::string_view id) {
  const auto want = canonical_id(id);
  if (want.empty()) return nullptr;
  for (auto& e : requests)
    if (canonical_id(e.id) == want) return &e;
  return nullptr;
}

const Entry* Queue::find(std::string_view id) const { return const_cast<Queue*>(this)->find(id); }

int current_part(const Entry& e) {
  for (std::size_t i = 0; i < e.parts.size(); ++i)
    if (e.parts[i].state != PartState::Done) return static_cast<int>(i);
  return -1;
}

std::string_view request_state(const Entry& e) {
  const int c = current_part(e);
  if (c < 0) return "done";
  return to_string(e.parts[static_cast<std::size_t>(c)].state);
}

bool is_active(const Entry& e) {
  const int c = current_part(e);
  if (c < 0) return false;
  const auto s = e.parts[static_cast<std::size_t>(c)].state;
  return s == PartState::Queued || s == PartState::Skipped || s == PartState::Running ||
         s == PartState::Failed;
}

// ---------------------------------------------------------------- positions

std::pair<int, int> line_col(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  int line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset; ++i)
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  return {line, static_cast<int>(offset - line_start) + 1};
}

namespace {

std::size_t skip_ws(std::string_view t, std::size_t i) {
  while (i < t.size() && (t[i] == ' ' || t[i] == '\n' || t[i] == '\r' || t[i] == '\t')) ++i;
  return i;
}

// i at '"': returns the index after the closing quote; `raw` receives the undecoded contents.
std::size_t skip_string(std::string_view t, std::size_t i, std::string* raw = nullptr) {
  ++i;
  const std::size_t start = i;
  while (i < t.size() && t[i] != '"') i += (t[i] == '\\') ? 2 : 1;
  if (raw) *raw = std::string(t.substr(start, std::min(i, t.size()) - start));
  return std::min(i + 1, t.size());
}

std::size_t skip_value(std::string_view t, std::size_t i) {
  if (i >= t.size()) return i;
  if (t[i] == '"') return skip_string(t, i);
  if (t[i] == '{' || t[i] == '[') {
    int depth = 0;
    while (i < t.size()) {
      const char c = t[i];
      if (c == '"') {
        i = skip_string(t, i);
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      if (c == '}' || c == ']') {
        if (--depth == 0) return i + 1;
      }
      ++i;
    }
    return i;
  }
  while (i < t.size() && t[i] != ',' && t[i] != '}' && t[i] != ']' && t[i] != ' ' &&
         t[i] != '\n' && t[i] != '\r' && t[i] != '\t')
    ++i;
  return i;
}

}  // namespace

std::size_t locate_json_pointer(std::string_view t, std::string_view pointer) {
  std::size_t pos = skip_ws(t, 0);
  if (t.size() >= 3 && t.substr(0, 3) == "\xEF\xBB\xBF") pos = skip_ws(t, 3);
  std::vector<std::string> tokens;
  if (!pointer.empty()) {
    std::string cur;
    for (std::size_t i = 1; i <= pointer.size(); ++i) {
      if (i == pointer.size() || pointer[i] == '/') {
        tokens.push_back(cur);
        cur.clear();
      } else {
        cur += pointer[i];
      }
    }
  }
  for (const auto& tok : tokens) {
    if (pos >= t.size()) return pos;
    if (t[pos] == '{') {
      std::size_t i = skip_ws(t, pos + 1);
      bool found = false;
      while (i < t.size() && t[i] == '"') {
        std::string key;
        i = skip_ws(t, skip_string(t, i, &key));
        if (i < t.size() && t[i] == ':') i = skip_ws(t, i + 1);
        if (key == tok) {
          pos = i;
          found = true;
          break;
        }
        i = skip_ws(t, skip_value(t, i));
        if (i < t.size() && t[i] == ',') i = skip_ws(t, i + 1);
      }
      if (!found) return pos;
    } else if (t[pos] == '[') {
      long want = -1;
      std::from_chars(tok.data(), tok.data() + tok.size(), want);
      if (want < 0) return pos;
      std::size_t i = skip_ws(t, pos + 1);
      for (long k = 0; k < want && i < t.size() && t[i] != ']'; ++k) {
        i = skip_ws(t, skip_value(t, i));
        if (i < t.size() && t[i] == ',') i = skip_ws(t, i + 1);
      }
      if (i >= t.size() || t[i] == ']') return pos;
      pos = i;
    } else {
      return pos;
    }
  }
  return pos;
}

// ---------------------------------------------------------------- reading

namespace {

class Reader {
 public:
  Reader(std::string_view text, const std::string& path) : text_(text), path_(path) {}

  [[noreturn]] void fail(const std::string& ptr, const std::string& msg) const {
    const auto [line, col] = line_col(text_, locate_json_pointer(text_, ptr));
    throw InputError(path_ + ":" + std::to_string(line) + ":" + std::to_string(col) + ": " + msg +
                     (ptr.empty() ? "" : " (at " + ptr + ")"));
  }

  const json& member(const json& obj, const std::string& ptr, const char* key, bool required) const {
    static const json null_value;
    auto it = obj.find(key);
    if (it == obj.end()) {
      if (required) fail(ptr, std::string("missing required field \"") + key + "\"");
      return null_value;
    }
    return *it;
  }

  void only_keys(const json& obj, const std::string& ptr,
                 std::initializer_list<std::string_view> keys) const {
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      if (std::find(keys.begin(), keys.end(), it.key()) == keys.end())
        fail(ptr + "/" + it.key(), "unknown field \"" + it.key() + "\"");
    }
  }

  void expect_object(const json& v, const std::string& ptr, const char* what) const {
    if (!v.is_object()) fail(ptr, std::string(what) + " must be an object");
  }

  std::string str(const json& obj, const std::string& ptr, const char* key, bool required,
                  bool nonempty = false) const {
    const json& v = member(obj, ptr, key, required);
    if (v.is_null() && !required) return {};
    if (!v.is_string()) fail(ptr + "/" + key, std::string("\"") + key + "\" must be a string");
    auto s = v.get<std::string>();
    if (nonempty && s.empty()) fail(ptr + "/" + key, std::string("\"") + key + "\" must not be empty");
    return s;
  }

  long long integer(const json& obj, const std::string& ptr, const char* key, bool required,
                    long long min, long long def = 0) const {
    const json& v = member(obj, ptr, key, required);
    if (v.is_null() && !required) return def;
    if (!v.is_number_integer())
      fail(ptr + "/" + key, std::string("\"") + key + "\" must be an integer");
    const long long n = v.get<long long>();
    if (n < min)
      fail(ptr + "/" + key, std::string("\"") + key + "\" must be at least " + std::to_string(min));
    return n;
  }

  std::optional<double> opt_number(const json& v, const std::string& ptr, const char* key) const {
    if (v.is_null()) return std::nullopt;
    if (!v.is_number()) fail(ptr, std::string("\"") + key + "\" must be a number or null");
    const double d = v.get<double>();
    if (!std::isfinite(d) || d < 0) fail(ptr, std::string("\"") + key + "\" must be >= 0");
    return d;
  }

  std::optional<Time> opt_time(const json& obj, const std::string& ptr, const char* key,
                               bool required) const {
    const json& v = member(obj, ptr, key, required);
    if (v.is_null()) {
      if (required) fail(ptr + "/" + key, std::string("\"") + key + "\" must be a time");
      return std::nullopt;
    }
    if (!v.is_string())
      fail(ptr + "/" + key, std::string("\"") + key + "\" must be an ISO-8601 UTC time string");
    auto t = parse_time(v.get_ref<const std::string&>());
    if (!t)
      fail(ptr + "/" + key, "\"" + v.get<std::string>() +
                                "\" is not an ISO-8601 time (2024-05-01T12:00:00Z)");
    return t;
  }

  Part part(const json& v, const std::string& ptr, std::size_t index) const {
    expect_object(v, ptr, "a part");
    only_keys(v, ptr, {"n", "notebook", "hours", "state", "node", "started", "finished", "on"});
    Part p;
    p.n = static_cast<int>(integer(v, ptr, "n", true, 1));
    if (static_cast<std::size_t>(p.n) != index + 1)
      fail(ptr + "/n", "parts must be numbered 1..N in order (expected " +
                           std::to_string(index + 1) + ", found " + std::to_string(p.n) + ")");
    p.notebook = str(v, ptr, "notebook", true, true);
    p.hours = opt_number(member(v, ptr, "hours", true), ptr + "/hours", "hours");
    const auto state = str(v, ptr, "state", true);
    auto ps = parse_part_state(state);
    if (!ps)
      fail(ptr + "/state", "unknown part state \"" + state +
                               "\" (queued, running, done, failed, skipped, rejected, cancelled)");
    p.state = *ps;
    p.node = str(v, ptr, "node", false);
    p.started = opt_time(v, ptr, "started", false);
    p.finished = opt_time(v, ptr, "finished", false);
    const json& on = member(v, ptr, "on", false);
    if (!on.is_null()) {
      expect_object(on, ptr + "/on", "\"on\"");
      for (auto it = on.begin(); it != on.end(); ++it) {
        const std::string tp = ptr + "/on/" + it.key();
        expect_object(*it, tp, "a target estimate");
        only_keys(*it, tp, {"hours", "fits"});
        TargetFit f;
        f.hours = opt_number(member(*it, tp, "hours", false), tp + "/hours", "hours");
        const json& fits = member(*it, tp, "fits", false);
        if (!fits.is_null()) {
          if (!fits.is_boolean()) fail(tp + "/fits", "\"fits\" must be true, false or null");
          f.fits = fits.get<bool>();
        }
        p.on.emplace(it.key(), f);
      }
    }
    return p;
  }

  HistoryEntry history(const json& v, const std::string& ptr) const {
    expect_object(v, ptr, "a history entry");
    only_keys(v, ptr, {"at", "by", "action", "part", "reason"});
    HistoryEntry h;
    h.at = *opt_time(v, ptr, "at", true);
    h.by = str(v, ptr, "by", true);
    h.action = str(v, ptr, "action", true, true);
    h.part = static_cast<int>(integer(v, ptr, "part", false, 0));
    h.reason = str(v, ptr, "reason", false);
    return h;
  }

  Entry entry(const json& v, const std::string& ptr) const {
    expect_object(v, ptr, "a request");
    only_keys(v, ptr, {"id", "folder", "title", "handle", "kind", "target", "submitted", "since",
                       "boost", "state", "parts", "history"});
    Entry e;
    e.id = str(v, ptr, "id", true);
    if (e.id.size() < 2 || e.id[0] != 'r' ||
        !std::all_of(e.id.begin() + 1, e.id.end(), [](char c) { return c >= '0' && c <= '9'; }))
      fail(ptr + "/id", "request id \"" + e.id + "\" must be \"r\" followed by a number");
    e.folder = str(v, ptr, "folder", true, true);
    e.title = str(v, ptr, "title", true);
    e.handle = str(v, ptr, "handle", true);
    e.kind = str(v, ptr, "kind", true);
    const auto& kinds = known_kinds();
    if (std::find(kinds.begin(), kinds.end(), e.kind) == kinds.end())
      fail(ptr + "/kind", "unknown kind \"" + e.kind + "\" (rwkv-x, community-priority, community)");
    e.target = str(v, ptr, "target", true);
    e.submitted = *opt_time(v, ptr, "submitted", true);
    e.since = opt_time(v, ptr, "since", false).value_or(e.submitted);
    const long long b = integer(v, ptr, "boost", false, -1000000, 0);
    if (b > 1000000) fail(ptr + "/boost", "\"boost\" must be between -1000000 and 1000000");
    e.boost = static_cast<int>(b);
    const json& state = member(v, ptr, "state", false);
    if (!state.is_null()) {  // derived from the parts; only its form is checked
      if (!state.is_string() || (state.get<std::string>() != "done" &&
                                 !parse_part_state(state.get<std::string>())))
        fail(ptr + "/state", "unknown request state");
    }
    const json& parts = member(v, ptr, "parts", true);
    if (!parts.is_array() || parts.empty())
      fail(ptr + "/parts", "\"parts\" must be a non-empty array");
    e.parts.reserve(parts.size());
    for (std::size_t i = 0; i < parts.size(); ++i)
      e.parts.push_back(part(parts[i], ptr + "/parts/" + std::to_string(i), i));
    const json& hist = member(v, ptr, "history", false);
    if (!hist.is_null()) {
      if (!hist.is_array()) fail(ptr + "/history", "\"history\" must be an array");
      e.history.reserve(hist.size());
      for (std::size_t i = 0; i < hist.size(); ++i)
        e.history.push_back(history(hist[i], ptr + "/history/" + std::to_string(i)));
    }
    return e;
  }

  Queue queue(const json& doc) const {
    expect_object(doc, "", "the queue document");
    const json& version = member(doc, "", "version", true);
    if (!version.is_number_integer()) fail("/version", "\"version\" must be an integer");
    if (version.get<long long>() != kQueueVersion)
      fail("/version", "unsupported queue version " + version.dump() + " (this rwkvq reads version " +
                           std::to_string(kQueueVersion) + "); use a matching rwkvq");
    only_keys(doc, "", {"$schema", "version", "next_id", "requests"});
    Queue q;
    q.next_id = integer(doc, "", "next_id", true, 1);
    const json& reqs = member(doc, "", "requests", true);
    if (!reqs.is_array()) fail("/requests", "\"requests\" must be an array");
    q.requests.reserve(reqs.size());
    std::set<std::string> ids;
    for (std::size_t i = 0; i < reqs.size(); ++i) {
      const std::string ptr = "/requests/" + std::to_string(i);
      q.requests.push_back(entry(reqs[i], ptr));
      const auto& e = q.requests.back();
      if (!ids.insert(e.id).second) fail(ptr + "/id", "duplicate request id \"" + e.id + "\"");
      if (std::stoll(e.id.substr(1)) >= q.next_id)
        fail(ptr + "/id", "request id \"" + e.id + "\" is not below next_id " +
                              std::to_string(q.next_id));
    }
    return q;
  }

 private:
  std::string_view text_;
  const std::string& path_;
};

}  // namespace

Queue parse_queue(std::string_view text, const std::string& path) {
  std::string_view body = text;
  if (body.size() >= 3 && body.substr(0, 3) == "\xEF\xBB\xBF") body.remove_prefix(3);
  if (std::all_of(body.begin(), body.end(),
                  [](char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }))
    return Queue{};
  json doc;
  try {
    doc = json::parse(body.begin(), body.end());
  } catch (const json::parse_error& e) {
    // e.byte is 1-based and points just past the offending character.
    const std::size_t off = (e.byte > 0 ? e.byte - 1 : 0) + (text.size() - body.size());
    const auto [line, col] = line_col(text, off);
    std::string msg = e.what();
    if (auto p = msg.find("parse error"); p != std::string::npos) msg = msg.substr(p);
    throw InputError(path + ":" + std::to_string(line) + ":" + std::to_string(col) +
                     ": not valid JSON: " + msg);
  }
  return Reader(text, path).queue(doc);
}

// ---------------------------------------------------------------- writing

namespace {
using ojson = nlohmann::ordered_json;

ojson opt(const std::optional<double>& d) { return d ? ojson(*d) : ojson(nullptr); }
ojson opt_time(const std::optional<Time>& t) { return t ? ojson(format_time(*t)) : ojson(nullptr); }
}  // namespace

nlohmann::ordered_json entry_json(const Entry& e) {
  ojson r;
  r["id"] = e.id;
  r["folder"] = e.folder;
  r["title"] = e.title;
  r["handle"] = e.handle;
  r["kind"] = e.kind;
  r["target"] = e.target;
  r["submitted"] = format_time(e.submitted);
  r["since"] = format_time(e.since);
  r["boost"] = e.boost;
  r["state"] = std::string(request_state(e));
  ojson parts = ojson::array();
  for (const auto& p : e.parts) {
    ojson j;
    j["n"] = p.n;
    j["notebook"] = p.notebook;
    j["hours"] = opt(p.hours);
    j["state"] = std::string(to_string(p.state));
    j["node"] = p.node;
    j["started"] = opt_time(p.started);
    j["finished"] = opt_time(p.finished);
    if (!p.on.empty()) {
      ojson on = ojson::object();
      for (const auto& [name, f] : p.on)
        on[name] = ojson{{"hours", opt(f.hours)}, {"fits", f.fits ? ojson(*f.fits) : ojson(nullptr)}};
      j["on"] = std::move(on);
    }
    parts.push_back(std::move(j));
  }
  r["parts"] = std::move(parts);
  ojson hist = ojson::array();
  for (const auto& h : e.history) {
    ojson j;
    j["at"] = format_time(h.at);
    j["by"] = h.by;
    j["action"] = h.action;
    j["part"] = h.part;
    if (!h.reason.empty()) j["reason"] = h.reason;
    hist.push_back(std::move(j));
  }
  r["history"] = std::move(hist);
  return r;
}

std::string serialize_queue(const Queue& q) {
  ojson doc;
  doc["version"] = q.version;
  doc["next_id"] = q.next_id;
  ojson reqs = ojson::array();
  for (const auto& e : q.requests) reqs.push_back(entry_json(e));
  doc["requests"] = std::move(reqs);
  return doc.dump(2, ' ', false, ojson::error_handler_t::replace) + "\n";
}

}  // namespace rwkvq::queue
