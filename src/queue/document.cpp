#include "rwkvq/queue/document.h"
#include "rwkvq/util/utf8.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>
#include <set>

#include "rwkvq/core/error.h"

namespace rwkvq::queue {

namespace {
// A full git commit id as libgit2 writes it: 40 lowercase hex digits.
bool is_commit_id(std::string_view s) {
  return s.size() == 40 && std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}
// The "pr" object of an entry imported from a pull request.
nlohmann::ordered_json pr_json(const Entry& e) {
  nlohmann::ordered_json j{{"number", e.pr}, {"author", e.pr_author}};
  if (!e.pr_head.empty()) j["head"] = e.pr_head;
  return j;
}
}  // namespace

// ---------------------------------------------------------------- times

namespace {
// Days since 1970-01-01 of a proleptic Gregorian date, and back (H. Hinnant's algorithms).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}
void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2);
}
bool leap(std::int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }
unsigned days_in_month(std::int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kDays[m - 1];
}
// Times of years 1000-9999 (every one a queue holds) are formatted by hand, the same text
// strftime writes; others by strftime.
constexpr Time kFastFirst = -30610224000;  // 1000-01-01T00:00:00Z
constexpr Time kFastEnd = 253402300800;    // 10000-01-01T00:00:00Z
}  // namespace

namespace {
// format_time into buf (at least 64 bytes); returns the length.
std::size_t format_time_chars(Time t, char* buf) {
  if (t >= kFastFirst && t < kFastEnd) {
    const Time days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    const auto secs = static_cast<unsigned>(t - days * 86400);
    std::int64_t y;
    unsigned m, d;
    civil_from_days(days, y, m, d);
    auto put2 = [&](int at, unsigned v) {
      buf[at] = static_cast<char>('0' + v / 10);
      buf[at + 1] = static_cast<char>('0' + v % 10);
    };
    const auto yy = static_cast<unsigned>(y);
    put2(0, yy / 100);
    put2(2, yy % 100);
    buf[4] = '-';
    put2(5, m);
    buf[7] = '-';
    put2(8, d);
    buf[10] = 'T';
    put2(11, secs / 3600);
    buf[13] = ':';
    put2(14, secs / 60 % 60);
    buf[16] = ':';
    put2(17, secs % 60);
    buf[19] = 'Z';
    return 20;
  }
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return std::strftime(buf, 64, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
}  // namespace

std::string format_time(Time t) {
  char buf[64];
  return std::string(buf, format_time_chars(t, buf));
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
  // What the queue writes ("2024-05-01T12:00:00Z"), a valid date and time: computed here
  // (timegm and the check below agree on it); anything else takes the general path.
  if (s.size() == 20 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' && s[16] == ':' && s[19] == 'Z') {
    // The 14 digits, each checked, without a call per field.
    unsigned dg[20];
    bool digits = true;
    for (std::size_t k : {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18}) {
      dg[k] = static_cast<unsigned>(static_cast<unsigned char>(s[k])) - '0';
      digits &= dg[k] <= 9;
    }
    const auto two = [&](std::size_t k) { return static_cast<int>(dg[k] * 10 + dg[k + 1]); };
    const int y = digits ? static_cast<int>(dg[0] * 1000 + dg[1] * 100 + dg[2] * 10 + dg[3]) : 0;
    const int mo = digits ? two(5) : 0, d = digits ? two(8) : 0, h = digits ? two(11) : 0;
    const int mi = digits ? two(14) : 0, se = digits ? two(17) : 0;
    if (digits && mo >= 1 && mo <= 12 && d >= 1 && static_cast<unsigned>(d) <= days_in_month(y, static_cast<unsigned>(mo)) &&
        h <= 23 && mi <= 59 && se <= 59)
      return days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 + h * 3600 + mi * 60 + se;
  }
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
//
// A hand-written reader straight into the typed model: one pass, no DOM (nlohmann's DOM costs
// ~20 ms per MB, and a 10 000-request queue is ~8 MB). Every error carries the line and column
// of the offending value and its JSON pointer. Nesting is fixed by the format, so recursion is
// bounded; unknown fields are errors, so no arbitrary value is ever descended into.

namespace {

// The first byte at or after `i` that ends a run of plain string bytes ('"', '\\' or a control
// character), or t.size(): eight bytes at a time (the lowest flagged byte of each test is exact).
std::size_t scan_plain(std::string_view t, std::size_t i) {
  const std::size_t n = t.size();
  const char* p = t.data();
  if constexpr (std::endian::native == std::endian::little) {
    constexpr std::uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    while (i + 8 <= n) {
      std::uint64_t x;
      std::memcpy(&x, p + i, 8);
      const std::uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
      const std::uint64_t hit = (((q - ones) & ~q) | ((b - ones) & ~b) | ((x - ones * 0x20) & ~x)) & highs;
      if (hit) return i + static_cast<std::size_t>(std::countr_zero(hit) >> 3);
      i += 8;
    }
  }
  while (i < n && p[i] != '"' && p[i] != '\\' && static_cast<unsigned char>(p[i]) >= 0x20) ++i;
  return i;
}

// A field name is `lit` (a compare of known length, done inline).
template <std::size_t N>
bool is(std::string_view key, const char (&lit)[N]) {
  return key.size() == N - 1 && std::memcmp(key.data(), lit, N - 1) == 0;
}

// A plain decimal ("12", "0.35", "-3.25": no exponent, at most 15 significant digits) as the
// nearest double: both the digits and the power of ten are exact doubles, so one division is
// correctly rounded, as std::from_chars is. false for anything else (from_chars reads it).
bool fast_decimal(std::string_view tok, double& out) {
  std::size_t i = 0;
  const bool neg = !tok.empty() && tok[0] == '-';
  if (neg) ++i;
  std::uint64_t mant = 0;
  int digits = 0, frac = -1;
  for (; i < tok.size(); ++i) {
    const char c = tok[i];
    if (c == '.' && frac < 0) { frac = 0; continue; }
    if (c < '0' || c > '9') return false;
    mant = mant * 10 + static_cast<std::uint64_t>(c - '0');
    if (mant != 0) ++digits;
    if (frac >= 0) ++frac;
    if (digits > 15) return false;
  }
  static constexpr double kPow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                      1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  if (frac > 22) return false;
  double d = static_cast<double>(mant);
  if (frac > 0) d /= kPow10[frac];
  out = neg ? -d : d;
  return true;
}


// rwkvq's own layout of a request (put_entry: its fields in that order, ", " and ": " between
// them, strings without escapes), read by literal compares instead of the general object loop
// (no whitespace skipping, no field-name dispatch). It accepts only text the general reader
// reads to the same Entry, checking what the general reader checks; anything else (another order
// or spacing, escapes, a value the general reader refuses, dispatch, run and pr records) returns
// false, and the general reader reads the request again from its start, with its errors.
class LayoutReader {
 public:
  LayoutReader(std::string_view text, std::size_t at) : t_(text), i_(at) {}
  std::size_t pos() const { return i_; }

  bool entry(Entry& e, std::size_t& id_pos) {
    if (!lit("{\"id\": ")) return false;
    id_pos = i_;
    if (!str(e.id)) return false;
    if (e.id.size() < 2 || e.id.size() > 19 || e.id[0] != 'r' ||
        !std::all_of(e.id.begin() + 1, e.id.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return false;
    if (!lit(", \"folder\": ") || !str(e.folder) || e.folder.empty()) return false;
    if (!lit(", \"title\": ") || !str(e.title)) return false;
    if (!lit(", \"handle\": ") || !str(e.handle)) return false;
    if (!lit(", \"kind\": ") || !str(e.kind)) return false;
    const auto& kinds = known_kinds();
    if (std::find(kinds.begin(), kinds.end(), e.kind) == kinds.end()) return false;
    if (!lit(", \"target\": ") || !str(e.target)) return false;
    if (!lit(", \"submitted\": ") || !time(e.submitted)) return false;
    if (!lit(", \"since\": ") || !time(e.since)) return false;
    long long v = 0;
    if (!lit(", \"boost\": ") || !integer(-1000000, 1000000, v)) return false;
    e.boost = static_cast<int>(v);
    std::string_view state;
    if (!lit(", \"state\": ") || !str(state) || (state != "done" && !parse_part_state(state))) return false;
    if (!lit(", \"parts\": [")) return false;
    auto& parts = scratch_parts();
    parts.clear();
    for (;;) {
      parts.emplace_back();
      if (!part(parts.back(), parts.size() - 1)) return false;
      if (lit("]")) break;
      if (!lit(", ")) return false;
    }
    e.parts.assign(std::make_move_iterator(parts.begin()), std::make_move_iterator(parts.end()));
    if (!lit(", \"history\": [")) return false;
    if (!lit("]")) {
      auto& hist = scratch_history();
      hist.clear();
      for (;;) {
        hist.emplace_back();
        if (!change(hist.back())) return false;
        if (lit("]")) break;
        if (!lit(", ")) return false;
      }
      e.history.assign(std::make_move_iterator(hist.begin()), std::make_move_iterator(hist.end()));
    }
    return lit("}");
  }

 private:
  // Parts and history entries are gathered here and copied once at their final size (instead
  // of the vectors growing 1, 2, 4, 8 for each request).
  static std::vector<Part>& scratch_parts() {
    static thread_local std::vector<Part> v;
    return v;
  }
  static std::vector<HistoryEntry>& scratch_history() {
    static thread_local std::vector<HistoryEntry> v;
    return v;
  }

  bool part(Part& p, std::size_t index) {
    long long n = 0;
    if (!lit("{\"n\": ") || !integer(1, 1000000, n) || static_cast<std::size_t>(n) != index + 1) return false;
    p.n = static_cast<int>(n);
    if (!lit(", \"notebook\": ") || !str(p.notebook) || p.notebook.empty()) return false;
    if (!lit(", \"hours\": ") || !number(p.hours)) return false;
    std::string_view state;
    if (!lit(", \"state\": ") || !str(state)) return false;
    const auto ps = parse_part_state(state);
    if (!ps) return false;
    p.state = *ps;
    if (!lit(", \"node\": ") || !str(p.node)) return false;
    if (!lit(", \"started\": ") || !opt_time(p.started)) return false;
    if (!lit(", \"finished\": ") || !opt_time(p.finished)) return false;
    if (lit(", \"on\": {") && !lit("}")) {
      for (;;) {
        std::string_view target;
        TargetFit f;
        if (!str(target) || !lit(": {\"hours\": ") || !number(f.hours)) return false;
        if (!lit(", \"fits\": ")) return false;
        if (lit("true")) f.fits = true;
        else if (lit("false")) f.fits = false;
        else if (!lit("null")) return false;
        if (lit(", \"utilisation\": ")) {
          if (!number(f.utilisation)) return false;
          if (f.utilisation && (*f.utilisation <= 0 || *f.utilisation > 1)) return false;
        }
        if (!lit("}")) return false;
        p.on[std::string(target)] = f;
        if (lit("}")) break;
        if (!lit(", ")) return false;
      }
    }
    if (lit(", \"flops\": ") && !number(p.flops)) return false;
    if (lit(", \"ran_on\": ") && !str(p.ran_on)) return false;
    if (lit(", \"real_hours\": ") && !number(p.real_hours)) return false;
    return lit("}");
  }

  bool change(HistoryEntry& h) {
    if (!lit("{\"at\": ") || !time(h.at)) return false;
    if (!lit(", \"by\": ") || !str(h.by)) return false;
    if (!lit(", \"action\": ") || !str(h.action) || h.action.empty()) return false;
    long long part = 0;
    if (!lit(", \"part\": ") || !integer(0, 1000000, part)) return false;
    h.part = static_cast<int>(part);
    if (lit(", \"reason\": ") && !str(h.reason)) return false;
    if (lit(", \"recorded\": ") && !opt_time(h.recorded)) return false;
    return lit("}");
  }

  template <std::size_t N>
  bool lit(const char (&s)[N]) {
    if (t_.size() - i_ < N - 1 || std::memcmp(t_.data() + i_, s, N - 1) != 0) return false;
    i_ += N - 1;
    return true;
  }
  // A string without escapes or control characters: its bytes as they are, as the general reader takes them.
  bool str(std::string_view& out) {
    if (i_ >= t_.size() || t_[i_] != '"') return false;
    const std::size_t start = i_ + 1;
    const std::size_t end = scan_plain(t_, start);
    if (end >= t_.size() || t_[end] != '"') return false;
    out = t_.substr(start, end - start);
    i_ = end + 1;
    return true;
  }
  bool str(std::string& out) {
    std::string_view v;
    if (!str(v)) return false;
    out = std::string(v);  // constructed at its size (assign goes through _M_replace)
    return true;
  }
  bool time(Time& out) {
    std::string_view v;
    if (!str(v)) return false;
    const auto t = parse_time(v);
    if (!t) return false;
    out = *t;
    return true;
  }
  bool opt_time(std::optional<Time>& out) {
    if (lit("null")) { out.reset(); return true; }
    Time t = 0;
    if (!time(t)) return false;
    out = t;
    return true;
  }
  // An integer as JSON writes it (no leading zeros, at most 18 digits) within [lo, hi].
  bool integer(long long lo, long long hi, long long& out) {
    std::size_t j = i_;
    const bool neg = j < t_.size() && t_[j] == '-';
    if (neg) ++j;
    const std::size_t d0 = j;
    long long v = 0;
    while (j < t_.size() && t_[j] >= '0' && t_[j] <= '9') v = v * 10 + (t_[j++] - '0');
    if (j == d0 || j - d0 > 18 || (j - d0 > 1 && t_[d0] == '0')) return false;
    if (neg) v = -v;
    if (v < lo || v > hi) return false;
    out = v;
    i_ = j;
    return true;
  }
  // null, or a JSON number without exponent that fast_decimal reads, >= 0 (as Reader::hours).
  bool number(std::optional<double>& out) {
    if (lit("null")) { out.reset(); return true; }
    std::size_t j = i_;
    if (j < t_.size() && t_[j] == '-') ++j;
    const std::size_t d0 = j;
    while (j < t_.size() && t_[j] >= '0' && t_[j] <= '9') ++j;
    if (j == d0 || (j - d0 > 1 && t_[d0] == '0')) return false;
    if (j < t_.size() && t_[j] == '.') {
      const std::size_t f0 = ++j;
      while (j < t_.size() && t_[j] >= '0' && t_[j] <= '9') ++j;
      if (j == f0) return false;
    }
    if (j < t_.size() && (t_[j] == 'e' || t_[j] == 'E')) return false;
    double d = 0;
    if (!fast_decimal(t_.substr(i_, j - i_), d) || !std::isfinite(d) || d < 0) return false;
    out = d;
    i_ = j;
    return true;
  }

  std::string_view t_;
  std::size_t i_;
};

class Reader {
 public:
  Reader(std::string_view text, const std::string& path, int first_line = 1, bool layout = true)
      : t_(text), path_(path), line_base_(first_line - 1), layout_(layout) {}

  // One request object (a line of the archive), the whole text.
  Entry request() {
    ws();
    std::size_t id_pos = 0;
    Entry e = entry(id_pos);
    ws();
    if (i_ < t_.size()) fail_at(i_, "unexpected text after the request");
    return e;
  }

  Queue document() {
    if (t_.size() >= 3 && t_.substr(0, 3) == "\xEF\xBB\xBF") i_ = 3;
    check_version_first();
    ws();
    const std::size_t start = i_;
    Queue q;
    unsigned seen = 0;
    std::vector<std::size_t> id_pos;
    object("the queue document", [&](std::string_view key, std::size_t key_pos) {
      if (is(key, "version")) {
        push("version");
        const std::size_t at = i_;
        if (integer() != kQueueVersion) fail_at(at, "unsupported queue version");  // pre-checked
        seen |= 1;
      } else if (is(key, "next_id")) {
        push("next_id");
        q.next_id = integer(1);
        seen |= 2;
      } else if (is(key, "requests")) {
        push("requests");
        // A request takes ~300-700 bytes: reserving avoids moving thousands of them as it grows.
        q.requests.reserve(std::min<std::size_t>(t_.size() / 256 + 1, 1u << 20));
        array([&](std::size_t idx) {
          push_index(idx);
          id_pos.push_back(0);
          q.requests.push_back(entry(id_pos.back()));
          pop();
        });
        seen |= 4;
      } else if (is(key, "archive_bytes")) {
        push("archive_bytes");
        q.archive_bytes = integer(0);
      } else if (is(key, "$schema")) {
        push("$schema");
        str();
      } else {
        unknown(key, key_pos);
      }
      pop();
    });
    ws();
    if (i_ < t_.size()) fail_at(i_, "unexpected text after the queue document");
    if (!(seen & 1)) fail_at(start, "missing required field \"version\"");
    if (!(seen & 2)) fail_at(start, "missing required field \"next_id\"");
    if (!(seen & 4)) fail_at(start, "missing required field \"requests\"");
    std::set<std::string_view> ids;
    for (std::size_t k = 0; k < q.requests.size(); ++k) {
      const auto& e = q.requests[k];
      const std::string ptr = "/requests/" + std::to_string(k) + "/id";
      if (!ids.insert(e.id).second) fail_ptr(id_pos[k], ptr, "duplicate request id \"" + e.id + "\"");
      if (std::stoll(e.id.substr(1)) >= q.next_id)
        fail_ptr(id_pos[k], ptr,
                 "request id \"" + e.id + "\" is not below next_id " + std::to_string(q.next_id));
    }
    return q;
  }

 private:
  struct Seg {
    const char* key;
    std::size_t index;
  };

  // ---- errors
  std::string pointer() const {
    std::string p;
    for (std::size_t k = 0; k < std::min(depth_, kMaxDepth); ++k) {
      const Seg& s = path_stack_[k];
      p += '/';
      p += s.key ? std::string(s.key) : std::to_string(s.index);
    }
    return p;
  }
  [[noreturn]] void fail_ptr(std::size_t pos, const std::string& ptr, const std::string& msg) const {
    const auto [line, col] = line_col(t_, pos);
    throw InputError(path_ + ":" + std::to_string(line + line_base_) + ":" + std::to_string(col) + ": " + msg +
                     (ptr.empty() ? "" : " (at " + ptr + ")"));
  }
  [[noreturn]] void fail_at(std::size_t pos, const std::string& msg) const { fail_ptr(pos, pointer(), msg); }
  [[noreturn]] void syntax(const std::string& msg) const {
    const auto [line, col] = line_col(t_, i_);
    throw InputError(path_ + ":" + std::to_string(line + line_base_) + ":" + std::to_string(col) + ": not valid JSON: " + msg);
  }
  [[noreturn]] void unknown(std::string_view key, std::size_t key_pos) const {
    fail_ptr(key_pos, pointer() + "/" + std::string(key), "unknown field \"" + std::string(key) + "\"");
  }
  // The format fixes the nesting (at most 7 deep), so a fixed stack holds the pointer.
  void push(const char* key) {
    if (depth_ < kMaxDepth) path_stack_[depth_] = {key, 0};
    ++depth_;
  }
  void push_index(std::size_t i) {
    if (depth_ < kMaxDepth) path_stack_[depth_] = {nullptr, i};
    ++depth_;
  }
  void pop() { --depth_; }
  std::string name() const {
    if (depth_ == 0 || depth_ > kMaxDepth || !path_stack_[depth_ - 1].key) return "value";
    return std::string("\"") + path_stack_[depth_ - 1].key + "\"";
  }

  // ---- lexing
  void ws() {
    if (i_ < t_.size() && t_[i_] == ' ') ++i_;  // the one space the writer puts after ':' and ','
    if (i_ < t_.size() && static_cast<unsigned char>(t_[i_]) > ' ') return;
    while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\n' || t_[i_] == '\r' || t_[i_] == '\t')) ++i_;
  }
  char peek() const { return i_ < t_.size() ? t_[i_] : '\0'; }
  bool at_end() const { return i_ >= t_.size(); }

  // The version decides how to read the rest: check it before anything else.
  void check_version_first() {
    const std::size_t pos = locate_json_pointer(t_, "/version");
    std::size_t j = pos;
    std::size_t end = j;
    while (end < t_.size() && (std::isdigit(static_cast<unsigned char>(t_[end])) || t_[end] == '-')) ++end;
    if (end == j || pos == 0) return;  // not found or not a number: the full read reports it
    long long v = 0;
    auto [p, ec] = std::from_chars(t_.data() + j, t_.data() + end, v);
    if (ec == std::errc() && p == t_.data() + end && v != kQueueVersion &&
        (end >= t_.size() || t_[end] == ',' || t_[end] == '}' || t_[end] == ' ' || t_[end] == '\n' || t_[end] == '\r'))
      fail_ptr(pos, "/version",
               "unsupported queue version " + std::to_string(v) + " (this rwkvq reads version " +
                   std::to_string(kQueueVersion) + "); use a matching rwkvq");
  }

  unsigned hex4() {
    if (i_ + 4 > t_.size()) syntax("incomplete \\u escape");
    unsigned v = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = t_[i_++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<unsigned>(c - 'A' + 10);
      else { --i_; syntax("invalid \\u escape"); }
    }
    return v;
  }
  // At '"'. The string's contents: a view of the text when it has no escapes (the common case:
  // no copy), else decoded into `buf` and a view of it.
  std::string_view string_view_at(std::string& buf) {
    const std::size_t start = i_ + 1;
    i_ = scan_plain(t_, start);
    if (i_ < t_.size() && t_[i_] == '"') {
      ++i_;
      return t_.substr(start, i_ - 1 - start);
    }
    i_ = start - 1;
    raw_string(buf);
    return buf;
  }
  // At '"'. Reads a JSON string into out.
  void raw_string(std::string& out) {
    out.clear();
    ++i_;
    for (;;) {
      const std::size_t chunk = i_;
      i_ = scan_plain(t_, i_);
      out.append(t_.data() + chunk, i_ - chunk);
      if (at_end()) syntax("unterminated string");
      const char c = t_[i_];
      if (c == '"') { ++i_; return; }
      if (c != '\\') syntax("control character in a string");
      ++i_;
      if (at_end()) syntax("unterminated string");
      const char e = t_[i_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          unsigned cp = hex4();
          if (cp >= 0xD800 && cp < 0xDC00 && i_ + 1 < t_.size() && t_[i_] == '\\' && t_[i_ + 1] == 'u') {
            i_ += 2;
            const unsigned lo = hex4();
            if (lo >= 0xDC00 && lo < 0xE000) cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            else { append_utf8(out, 0xFFFD); cp = lo; }
          }
          if (cp >= 0xD800 && cp < 0xE000) cp = 0xFFFD;
          append_utf8(out, cp);
          break;
        }
        default: --i_; syntax("invalid escape in a string");
      }
    }
  }
  // Skips a literal or number token (for error messages about the wrong type).
  void expect_literal(std::string_view word) {
    if (t_.substr(i_, word.size()) != word) syntax("unexpected character");
    i_ += word.size();
  }
  // Consumes `null` if it is next.
  bool null() {
    if (peek() == 'n') { expect_literal("null"); return true; }
    return false;
  }
  // A JSON number token at i_: returns its text.
  std::string_view number_token(bool& integral) {
    const std::size_t s = i_;
    integral = true;
    if (peek() == '-') ++i_;
    if (!std::isdigit(static_cast<unsigned char>(peek()))) syntax("unexpected character");
    if (peek() == '0') ++i_;
    else while (std::isdigit(static_cast<unsigned char>(peek()))) ++i_;
    if (peek() == '.') {
      integral = false;
      ++i_;
      if (!std::isdigit(static_cast<unsigned char>(peek()))) syntax("digit expected after '.'");
      while (std::isdigit(static_cast<unsigned char>(peek()))) ++i_;
    }
    if (peek() == 'e' || peek() == 'E') {
      integral = false;
      ++i_;
      if (peek() == '+' || peek() == '-') ++i_;
      if (!std::isdigit(static_cast<unsigned char>(peek()))) syntax("digit expected in exponent");
      while (std::isdigit(static_cast<unsigned char>(peek()))) ++i_;
    }
    return t_.substr(s, i_ - s);
  }
  // Skips any one value, only to report a type error at its start (bounded: nesting counted).
  [[noreturn]] void wrong_type(std::size_t at, const std::string& what) { fail_at(at, name() + " must be " + what); }

  // ---- values
  template <class F>
  void object(const char* what, F&& on_key) {
    ws();
    if (peek() != '{') {
      if (!value_start()) syntax(at_end() ? "unexpected end of input" : "unexpected character");
      fail_at(i_, std::string(what) + " must be an object");
    }
    ++i_;
    ws();
    if (peek() == '}') { ++i_; return; }
    std::string key_buf;  // only for a key with escapes
    for (;;) {
      ws();
      if (peek() != '"') syntax("expected a field name in quotes");
      const std::size_t key_pos = i_;
      const std::string_view key = string_view_at(key_buf);
      ws();
      if (peek() != ':') syntax("expected ':' after a field name");
      ++i_;
      ws();
      on_key(key, key_pos);
      ws();
      if (peek() == ',') { ++i_; continue; }
      if (peek() == '}') { ++i_; return; }
      syntax("expected ',' or '}'");
    }
  }
  template <class F>
  void array(F&& on_item) {
    ws();
    if (peek() != '[') {
      if (at_end()) syntax("unexpected end of input");
      wrong_type(i_, "an array");
    }
    ++i_;
    ws();
    if (peek() == ']') { ++i_; return; }
    for (std::size_t idx = 0;; ++idx) {
      ws();
      on_item(idx);
      ws();
      if (peek() == ',') { ++i_; continue; }
      if (peek() == ']') { ++i_; return; }
      syntax("expected ',' or ']'");
    }
  }
  std::string str(bool nonempty = false) {
    if (peek() != '"') type_error("a string");
    const std::size_t at = i_;
    std::string s;
    const std::string_view v = string_view_at(s);
    if (nonempty && v.empty()) fail_at(at, name() + " must not be empty");
    if (v.data() != s.data()) return std::string(v);
    return s;
  }
  bool value_start() const {
    const char c = peek();
    return c == '"' || c == '{' || c == '[' || c == 't' || c == 'f' || c == 'n' || c == '-' ||
           std::isdigit(static_cast<unsigned char>(c));
  }
  [[noreturn]] void type_error(const std::string& what) {
    const std::size_t at = i_;
    if (!value_start()) syntax(at_end() ? "unexpected end of input" : "unexpected character");
    wrong_type(at, what);
  }
  long long integer(long long min = LLONG_MIN, long long max = LLONG_MAX) {
    const std::size_t at = i_;
    if (peek() != '-' && !std::isdigit(static_cast<unsigned char>(peek()))) type_error("an integer");
    bool integral;
    const auto tok = number_token(integral);
    long long v = 0;
    auto [p, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), v);
    if (!integral || ec != std::errc() || p != tok.data() + tok.size()) fail_at(at, name() + " must be an integer");
    if (v < min) fail_at(at, name() + " must be at least " + std::to_string(min));
    if (v > max) fail_at(at, name() + " must be at most " + std::to_string(max));
    return v;
  }
  std::optional<double> hours() {
    if (null()) return std::nullopt;
    const std::size_t at = i_;
    if (peek() != '-' && !std::isdigit(static_cast<unsigned char>(peek()))) type_error("a number or null");
    bool integral;
    const auto tok = number_token(integral);
    double d = 0;
    std::errc ec{};
    if (!fast_decimal(tok, d)) ec = std::from_chars(tok.data(), tok.data() + tok.size(), d).ec;
    if (ec != std::errc() || !std::isfinite(d) || d < 0) fail_at(at, name() + " must be a number >= 0");
    return d;
  }
  std::optional<bool> bool_or_null() {
    if (null()) return std::nullopt;
    if (peek() == 't') { expect_literal("true"); return true; }
    if (peek() == 'f') { expect_literal("false"); return false; }
    type_error("true, false or null");
  }
  std::optional<Time> time(bool nullable) {
    if (nullable && null()) return std::nullopt;
    const std::size_t at = i_;
    if (peek() != '"') type_error(nullable ? "an ISO-8601 UTC time string or null" : "an ISO-8601 UTC time string");
    std::string buf;
    const std::string_view s = string_view_at(buf);
    auto t = parse_time(s);
    if (!t) fail_at(at, "\"" + std::string(s) + "\" is not an ISO-8601 time (2024-05-01T12:00:00Z)");
    return t;
  }

  // ---- the format
  Part part(std::size_t index) {
    Part p;
    const std::size_t start = i_;
    unsigned seen = 0;
    object("a part", [&](std::string_view key, std::size_t key_pos) {
      const std::size_t at = i_;
      if (is(key, "n")) {
        push("n");
        p.n = static_cast<int>(integer(1, 1000000));
        if (static_cast<std::size_t>(p.n) != index + 1)
          fail_at(at, "parts must be numbered 1..N in order (expected " + std::to_string(index + 1) +
                          ", found " + std::to_string(p.n) + ")");
        seen |= 1;
      } else if (is(key, "notebook")) {
        push("notebook");
        p.notebook = str(true);
        seen |= 2;
      } else if (is(key, "hours")) {
        push("hours");
        p.hours = hours();
        seen |= 4;
      } else if (is(key, "state")) {
        push("state");
        const auto s = str();
        auto ps = parse_part_state(s);
        if (!ps)
          fail_at(at, "unknown part state \"" + s + "\" (queued, running, done, failed, skipped, rejected, cancelled)");
        p.state = *ps;
        seen |= 8;
      } else if (is(key, "node")) {
        push("node");
        p.node = str();
      } else if (is(key, "started")) {
        push("started");
        p.started = time(true);
      } else if (is(key, "finished")) {
        push("finished");
        p.finished = time(true);
      } else if (is(key, "flops")) {
        push("flops");
        p.flops = hours();
      } else if (is(key, "ran_on")) {
        push("ran_on");
        p.ran_on = str();
      } else if (is(key, "real_hours")) {
        push("real_hours");
        p.real_hours = hours();
      } else if (is(key, "dispatch")) {
        push("dispatch");
        p.dispatch = dispatch_record();
      } else if (is(key, "run")) {
        push("run");
        p.run = run_record();
      } else if (is(key, "on")) {
        push("on");
        object("\"on\"", [&](std::string_view target, std::size_t) {
          TargetFit f;
          object("a target estimate", [&](std::string_view k2, std::size_t k2_pos) {
            if (is(k2, "hours")) { push("hours"); f.hours = hours(); pop(); }
            else if (is(k2, "fits")) { push("fits"); f.fits = bool_or_null(); pop(); }
            else if (is(k2, "utilisation")) {
              push("utilisation");
              const std::size_t at2 = i_;
              f.utilisation = hours();
              if (f.utilisation && (*f.utilisation <= 0 || *f.utilisation > 1))
                fail_at(at2, name() + " must be a fraction of the peak: greater than 0, at most 1");
              pop();
            }
            else unknown(k2, k2_pos);
          });
          p.on[std::string(target)] = f;
        });
      } else {
        unknown(key, key_pos);
      }
      pop();
    });
    if (!(seen & 1)) fail_at(start, "missing required field \"n\"");
    if (!(seen & 2)) fail_at(start, "missing required field \"notebook\"");
    if (!(seen & 4)) fail_at(start, "missing required field \"hours\"");
    if (!(seen & 8)) fail_at(start, "missing required field \"state\"");
    return p;
  }

  DispatchRecord dispatch_record() {
    DispatchRecord d;
    const std::size_t start = i_;
    unsigned seen = 0;
    object("a dispatch", [&](std::string_view key, std::size_t key_pos) {
      if (is(key, "at")) { push("at"); d.at = *time(false); seen |= 1; }
      else if (is(key, "by")) { push("by"); d.by = str(); }
      else if (is(key, "repo")) { push("repo"); d.repo = str(true); seen |= 2; }
      else if (is(key, "workflow")) { push("workflow"); d.workflow = str(true); seen |= 4; }
      else if (is(key, "ref")) { push("ref"); d.ref = str(true); seen |= 8; }
      else if (is(key, "inputs")) {
        push("inputs");
        object("\"inputs\"", [&](std::string_view name, std::size_t) {
          push("input");
          d.inputs.emplace_back(std::string(name), str());
          pop();
        });
      } else unknown(key, key_pos);
      pop();
    });
    static const char* const required[] = {"at", "repo", "workflow", "ref"};
    for (unsigned k = 0; k < 4; ++k)
      if (!(seen & (1u << k))) fail_at(start, std::string("missing required field \"") + required[k] + "\"");
    return d;
  }

  RunRecord run_record() {
    RunRecord r;
    const std::size_t start = i_;
    bool has_id = false;
    object("a run", [&](std::string_view key, std::size_t key_pos) {
      if (is(key, "id")) { push("id"); r.id = integer(1); has_id = true; }
      else if (is(key, "url")) { push("url"); r.url = str(); }
      else if (is(key, "status")) { push("status"); r.status = str(); }
      else if (is(key, "conclusion")) { push("conclusion"); if (!null()) r.conclusion = str(); }
      else if (is(key, "started")) { push("started"); r.started = time(true); }
      else if (is(key, "finished")) { push("finished"); r.finished = time(true); }
      else unknown(key, key_pos);
      pop();
    });
    if (!has_id) fail_at(start, "missing required field \"id\"");
    return r;
  }

  HistoryEntry change() {
    HistoryEntry h;
    const std::size_t start = i_;
    unsigned seen = 0;
    object("a history entry", [&](std::string_view key, std::size_t key_pos) {
      if (is(key, "at")) { push("at"); h.at = *time(false); seen |= 1; }
      else if (is(key, "by")) { push("by"); h.by = str(); seen |= 2; }
      else if (is(key, "action")) { push("action"); h.action = str(true); seen |= 4; }
      else if (is(key, "part")) { push("part"); h.part = static_cast<int>(integer(0, 1000000)); }
      else if (is(key, "reason")) { push("reason"); h.reason = str(); }
      else if (is(key, "recorded")) { push("recorded"); h.recorded = time(true); }
      else unknown(key, key_pos);
      pop();
    });
    if (!(seen & 1)) fail_at(start, "missing required field \"at\"");
    if (!(seen & 2)) fail_at(start, "missing required field \"by\"");
    if (!(seen & 4)) fail_at(start, "missing required field \"action\"");
    return h;
  }

  Entry entry(std::size_t& id_pos) {
    if (layout_) {
      LayoutReader fast(t_, i_);
      Entry e;
      if (fast.entry(e, id_pos)) {
        i_ = fast.pos();
        return e;
      }
    }
    Entry e;
    const std::size_t start = i_;
    unsigned seen = 0;
    bool has_since = false;
    object("a request", [&](std::string_view key, std::size_t key_pos) {
      const std::size_t at = i_;
      if (is(key, "id")) {
        push("id");
        e.id = str();
        id_pos = at;
        if (e.id.size() < 2 || e.id.size() > 19 || e.id[0] != 'r' ||
            !std::all_of(e.id.begin() + 1, e.id.end(), [](char c) { return c >= '0' && c <= '9'; }))
          fail_at(at, "request id \"" + e.id + "\" must be \"r\" followed by a number");
        seen |= 1;
      } else if (is(key, "folder")) { push("folder"); e.folder = str(true); seen |= 2; }
      else if (is(key, "title")) { push("title"); e.title = str(); seen |= 4; }
      else if (is(key, "handle")) { push("handle"); e.handle = str(); seen |= 8; }
      else if (is(key, "kind")) {
        push("kind");
        e.kind = str();
        const auto& kinds = known_kinds();
        if (std::find(kinds.begin(), kinds.end(), e.kind) == kinds.end())
          fail_at(at, "unknown kind \"" + e.kind + "\" (rwkv-x, community-priority, community)");
        seen |= 16;
      } else if (is(key, "target")) { push("target"); e.target = str(); seen |= 32; }
      else if (is(key, "submitted")) { push("submitted"); e.submitted = *time(false); seen |= 64; }
      else if (is(key, "since")) { push("since"); e.since = *time(false); has_since = true; }
      else if (is(key, "boost")) { push("boost"); e.boost = static_cast<int>(integer(-1000000, 1000000)); }
      else if (is(key, "state")) {
        push("state");
        const auto s = str();
        if (s != "done" && !parse_part_state(s)) fail_at(at, "unknown request state \"" + s + "\"");
      } else if (is(key, "parts")) {
        push("parts");
        array([&](std::size_t idx) {
          push_index(idx);
          e.parts.push_back(part(idx));
          pop();
        });
        if (e.parts.empty()) fail_at(at, "\"parts\" must not be empty");
        seen |= 128;
      } else if (is(key, "pr")) {
        push("pr");
        object("\"pr\"", [&](std::string_view k2, std::size_t k2_pos) {
          if (is(k2, "number")) { push("number"); e.pr = integer(1); }
          else if (is(k2, "author")) { push("author"); e.pr_author = str(); }
          else if (is(k2, "head")) {
            push("head");
            const std::size_t head_at = i_;
            e.pr_head = str();
            if (!is_commit_id(e.pr_head)) fail_at(head_at, "\"head\" must be a full commit id (40 lowercase hex digits)");
          }
          else unknown(k2, k2_pos);
          pop();
        });
      } else if (is(key, "history")) {
        push("history");
        array([&](std::size_t idx) {
          push_index(idx);
          e.history.push_back(change());
          pop();
        });
      } else {
        unknown(key, key_pos);
      }
      pop();
    });
    static const char* const required[] = {"id", "folder", "title", "handle", "kind", "target", "submitted", "parts"};
    for (unsigned k = 0; k < 8; ++k)
      if (!(seen & (1u << k))) fail_at(start, std::string("missing required field \"") + required[k] + "\"");
    if (!has_since) e.since = e.submitted;
    return e;
  }

  std::string_view t_;
  std::size_t i_ = 0;
  const std::string& path_;
  int line_base_ = 0;
  bool layout_ = true;  // try LayoutReader first for each request
  static constexpr std::size_t kMaxDepth = 16;
  std::array<Seg, kMaxDepth> path_stack_{};
  std::size_t depth_ = 0;
};

}  // namespace

namespace {
Queue read_queue(std::string_view text, const std::string& path, bool layout) {
  std::string_view body = text;
  if (body.size() >= 3 && body.substr(0, 3) == "\xEF\xBB\xBF") body.remove_prefix(3);
  if (std::all_of(body.begin(), body.end(),
                  [](char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }))
    return Queue{};
  return Reader(text, path, 1, layout).document();
}
}  // namespace

Queue parse_queue(std::string_view text, const std::string& path) { return read_queue(text, path, true); }
Queue parse_queue_general(std::string_view text, const std::string& path) { return read_queue(text, path, false); }

Entry parse_request(std::string_view text, const std::string& path, int line) {
  return Reader(text, path, line).request();
}
Entry parse_request_general(std::string_view text, const std::string& path, int line) {
  return Reader(text, path, line, false).request();
}

// ---------------------------------------------------------------- writing

namespace {

// The first byte at or after `i` that is not printable ASCII other than '"' and '\\' (a control
// character, '"', '\\' or a byte >= 0x80), or s.size(): util/utf8.h's json_plain_run.
std::size_t scan_printable_ascii(std::string_view s, std::size_t i) { return i + json_plain_run(s.substr(i)); }

// JSON string with escapes; invalid UTF-8 becomes U+FFFD, so the file always parses.
void put_string(std::string& out, std::string_view s) {
  out += '"';
  std::size_t i = 0;
  while (i < s.size()) {
    // A run of printable ASCII other than '"' and '\\' is copied as it is.
    std::size_t j = scan_printable_ascii(s, i);
    if (j > i) {
      out.append(s.data() + i, j - i);
      i = j;
      if (i == s.size()) break;
    }
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') { out += '\\'; out += static_cast<char>(c); ++i; continue; }
    if (c < 0x20) {
      char buf[8];
      switch (c) {
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default: std::snprintf(buf, sizeof buf, "\\u%04x", c); out += buf;
      }
      ++i;
      continue;
    }
    if (c < 0x80) { out += static_cast<char>(c); ++i; continue; }
    // Multi-byte sequence: validate (no overlongs, no surrogates, <= U+10FFFF).
    std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
    bool ok = len > 0 && c < 0xF5 && c >= 0xC2 && i + len <= s.size();
    for (std::size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    if (ok && len == 3) {
      const auto c1 = static_cast<unsigned char>(s[i + 1]);
      ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0);
    }
    if (ok && len == 4) {
      const auto c1 = static_cast<unsigned char>(s[i + 1]);
      ok = !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
    }
    if (ok) { out.append(s.data() + i, len); i += len; }
    else { out += "\xEF\xBF\xBD"; ++i; }
  }
  out += '"';
}

void put_number(std::string& out, double d) {
  char buf[32];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, d);
  if (ec != std::errc()) { out += "null"; return; }
  out.append(buf, p);
  if (std::string_view(buf, static_cast<std::size_t>(p - buf)).find_first_of(".e") == std::string_view::npos) out += ".0";
}

void put_opt(std::string& out, const std::optional<double>& d) {
  if (d) put_number(out, *d); else out += "null";
}
// A string literal, its length known at compile time.
template <std::size_t N>
void lit(std::string& out, const char (&s)[N]) {
  out.append(s, N - 1);
}

// A time in quotes (format_time: no character to escape).
void put_time(std::string& out, Time t) {
  char buf[66];
  buf[0] = '"';
  const std::size_t n = format_time_chars(t, buf + 1);
  buf[n + 1] = '"';
  out.append(buf, n + 2);
}
void put_opt_time(std::string& out, const std::optional<Time>& t) {
  if (t) put_time(out, *t); else out += "null";
}
void put_int(std::string& out, long long v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

using ojson = nlohmann::ordered_json;
ojson opt(const std::optional<double>& d) { return d ? ojson(*d) : ojson(nullptr); }
ojson opt_time(const std::optional<Time>& t) { return t ? ojson(format_time(*t)) : ojson(nullptr); }
// One line of JSON (dispatch and run records); invalid UTF-8 becomes U+FFFD like put_string.
void put_json(std::string& out, const ojson& j) { out += j.dump(-1, ' ', false, ojson::error_handler_t::replace); }
ojson dispatch_json(const DispatchRecord& d) {
  ojson inputs = ojson::object();
  for (const auto& [k, v] : d.inputs) inputs[k] = v;
  return ojson{{"at", format_time(d.at)}, {"by", d.by}, {"repo", d.repo}, {"workflow", d.workflow},
               {"ref", d.ref}, {"inputs", std::move(inputs)}};
}
ojson run_json(const RunRecord& r) {
  return ojson{{"id", r.id}, {"url", r.url}, {"status", r.status},
               {"conclusion", r.conclusion.empty() ? ojson(nullptr) : ojson(r.conclusion)},
               {"started", opt_time(r.started)}, {"finished", opt_time(r.finished)}};
}

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
      for (const auto& [name, f] : p.on) {
        on[name] = ojson{{"hours", opt(f.hours)}, {"fits", f.fits ? ojson(*f.fits) : ojson(nullptr)}};
        if (f.utilisation) on[name]["utilisation"] = *f.utilisation;
      }
      j["on"] = std::move(on);
    }
    if (p.flops) j["flops"] = *p.flops;
    if (!p.ran_on.empty()) j["ran_on"] = p.ran_on;
    if (p.real_hours) j["real_hours"] = *p.real_hours;
    if (p.dispatch) j["dispatch"] = dispatch_json(*p.dispatch);
    if (p.run) j["run"] = run_json(*p.run);
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
    if (h.recorded) j["recorded"] = format_time(*h.recorded);
    hist.push_back(std::move(j));
  }
  r["history"] = std::move(hist);
  if (e.pr > 0) r["pr"] = pr_json(e);
  return r;
}

namespace {

// One request as one line of compact JSON (no newline): the unit of queue.json and of the archive.
void put_entry(std::string& out, const Entry& e) {
  lit(out, "{\"id\": "); put_string(out, e.id);
  lit(out, ", \"folder\": "); put_string(out, e.folder);
  lit(out, ", \"title\": "); put_string(out, e.title);
  lit(out, ", \"handle\": "); put_string(out, e.handle);
  lit(out, ", \"kind\": "); put_string(out, e.kind);
  lit(out, ", \"target\": "); put_string(out, e.target);
  lit(out, ", \"submitted\": "); put_time(out, e.submitted);
  lit(out, ", \"since\": "); put_time(out, e.since);
  lit(out, ", \"boost\": "); put_int(out, e.boost);
  lit(out, ", \"state\": "); put_string(out, request_state(e));
  lit(out, ", \"parts\": [");
  for (std::size_t k = 0; k < e.parts.size(); ++k) {
    const Part& p = e.parts[k];
    out += k ? ", {" : "{";
    lit(out, "\"n\": ");
    put_int(out, p.n);
    lit(out, ", \"notebook\": ");
    put_string(out, p.notebook);
    lit(out, ", \"hours\": "); put_opt(out, p.hours);
    lit(out, ", \"state\": "); put_string(out, to_string(p.state));
    lit(out, ", \"node\": "); put_string(out, p.node);
    lit(out, ", \"started\": "); put_opt_time(out, p.started);
    lit(out, ", \"finished\": "); put_opt_time(out, p.finished);
    if (!p.on.empty()) {
      lit(out, ", \"on\": {");
      bool first = true;
      for (const auto& [name, f] : p.on) {
        if (!first) lit(out, ", ");
        first = false;
        put_string(out, name);
        lit(out, ": {\"hours\": "); put_opt(out, f.hours);
        lit(out, ", \"fits\": ");
        out += f.fits ? (*f.fits ? "true" : "false") : "null";
        if (f.utilisation) { lit(out, ", \"utilisation\": "); put_number(out, *f.utilisation); }
        lit(out, "}");
      }
      lit(out, "}");
    }
    if (p.flops) { lit(out, ", \"flops\": "); put_number(out, *p.flops); }
    if (!p.ran_on.empty()) { lit(out, ", \"ran_on\": "); put_string(out, p.ran_on); }
    if (p.real_hours) { lit(out, ", \"real_hours\": "); put_number(out, *p.real_hours); }
    if (p.dispatch) { lit(out, ", \"dispatch\": "); put_json(out, dispatch_json(*p.dispatch)); }
    if (p.run) { lit(out, ", \"run\": "); put_json(out, run_json(*p.run)); }
    lit(out, "}");
  }
  lit(out, "], \"history\": [");
  for (std::size_t k = 0; k < e.history.size(); ++k) {
    const HistoryEntry& h = e.history[k];
    out += k ? ", {\"at\": " : "{\"at\": ";
    put_time(out, h.at);
    lit(out, ", \"by\": "); put_string(out, h.by);
    lit(out, ", \"action\": "); put_string(out, h.action);
    lit(out, ", \"part\": "); put_int(out, h.part);
    if (!h.reason.empty()) { lit(out, ", \"reason\": "); put_string(out, h.reason); }
    if (h.recorded) { lit(out, ", \"recorded\": "); put_time(out, *h.recorded); }
    lit(out, "}");
  }
  lit(out, "]");
  if (e.pr > 0) {
    lit(out, ", \"pr\": ");
    put_json(out, pr_json(e));
  }
  lit(out, "}");
}

}  // namespace

std::string request_line(const Entry& e) {
  std::string out;
  out.reserve(512);
  put_entry(out, e);
  return out;
}

// The header pretty, then one request per line: readable, diffable per request (a git queue's
// commits show each changed request as one changed line), and a third of fully indented JSON.
// Files written the older way (indented) read the same: the reader ignores layout.
std::string serialize_queue(const Queue& q, bool active_only) {
  std::string out;
  out.reserve(256 + q.requests.size() * 720);
  out += "{\n  \"version\": " + std::to_string(q.version) + ",\n  \"next_id\": " + std::to_string(q.next_id) + ",\n";
  if (q.archive_bytes > 0) out += "  \"archive_bytes\": " + std::to_string(q.archive_bytes) + ",\n";
  out += "  \"requests\": [";
  bool first = true;
  for (const auto& e : q.requests) {
    if (active_only && !is_active(e)) continue;
    out += first ? "\n    " : ",\n    ";
    first = false;
    put_entry(out, e);
  }
  out += first ? "]\n}\n" : "\n  ]\n}\n";
  return out;
}

}  // namespace rwkvq::queue
