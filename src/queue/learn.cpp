// Hours learned from real runs: see include/rwkvq/queue/learn.h for the definitions.
#include "rwkvq/queue/learn.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_set>

#include <spdlog/spdlog.h>

#include "rwkvq/core/error.h"
#include "rwkvq/queue/archive.h"
#include "rwkvq/util/atomic_file.h"

namespace rwkvq::queue {

namespace {
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  if (n == 0) return 0;
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

bool by_finish(const LearnedRun& a, const LearnedRun& b) { return a.finished < b.finished; }

std::string target_of(const Entry& e, const Part& p) { return p.ran_on.empty() ? e.target : p.ran_on; }

// Adds the runs of `requests` to `la` and keeps its latest runs per target (a stable sort of the
// kept ones followed by the new ones orders them as a sort of all of them would).
void add_archived(LearnedArchive& la, const std::vector<Entry>& requests) {
  std::set<std::string> touched;
  for (const auto& e : requests) {
    la.ids.push_back(e.id);
    for (const auto& p : e.parts)
      if (auto r = learned_run(e, p)) {
        const std::string t = target_of(e, p);
        la.targets[t].achieved.push_back(r->achieved);
        la.targets[t].runs.push_back(*r);
        touched.insert(t);
      }
  }
  for (const auto& name : touched) {
    auto& t = la.targets[name];
    std::stable_sort(t.runs.begin(), t.runs.end(), by_finish);
    if (t.runs.size() > kLearnedRecentRuns)
      t.runs.erase(t.runs.begin(), t.runs.end() - static_cast<std::ptrdiff_t>(kLearnedRecentRuns));
    t.count = static_cast<int>(t.achieved.size());
  }
}
}  // namespace

std::optional<LearnedUtilisation> Learned::on(std::string_view target) const {
  auto it = targets.find(std::string(target));
  if (it == targets.end() || it->second.count < kMinLearnRuns || !(it->second.utilisation > 0)) return std::nullopt;
  return LearnedUtilisation{it->second.utilisation, it->second.count};
}

std::map<std::string, LearnedUtilisation> Learned::usable() const {
  std::map<std::string, LearnedUtilisation> out;
  for (const auto& [name, t] : targets)
    if (auto u = on(name)) out[name] = *u;
  return out;
}

std::optional<LearnedRun> learned_run(const Entry& e, const Part& p) {
  if (p.state != PartState::Done || !p.started || !p.finished) return std::nullopt;
  const double real = static_cast<double>(*p.finished - *p.started) / 3600.0;
  if (real * 60 < kMinLearnMinutes) return std::nullopt;
  const std::string target = p.ran_on.empty() ? e.target : p.ran_on;
  auto it = p.on.find(target);
  if (it == p.on.end() || !it->second.hours || !it->second.utilisation || *it->second.hours <= 0) return std::nullopt;
  LearnedRun r;
  r.id = e.id;
  r.part = p.n;
  r.finished = *p.finished;
  r.estimate_hours = *it->second.hours;
  r.real_hours = real;
  r.assumed = *it->second.utilisation;
  r.achieved = r.assumed * r.estimate_hours / r.real_hours;
  r.flops = p.flops;
  return r;
}

Learned learn_from_queue(const Queue& q) {
  Learned l;
  for (const auto& e : q.requests)
    for (const auto& p : e.parts)
      if (auto r = learned_run(e, p)) l.targets[p.ran_on.empty() ? e.target : p.ran_on].runs.push_back(*r);
  for (auto& [name, t] : l.targets) {
    std::stable_sort(t.runs.begin(), t.runs.end(),
                     [](const LearnedRun& a, const LearnedRun& b) { return a.finished < b.finished; });
    std::vector<double> achieved;
    for (const auto& r : t.runs) achieved.push_back(r.achieved);
    t.count = static_cast<int>(t.runs.size());
    t.utilisation = std::min(1.0, median(achieved));
  }
  return l;
}

LearnedArchive learn_archive(const std::vector<Entry>& archived, long long bytes, std::string fingerprint) {
  LearnedArchive la;
  la.bytes = bytes;
  la.fingerprint = std::move(fingerprint);
  add_archived(la, archived);
  return la;
}

std::optional<LearnedArchive> extend_learned_archive(const LearnedArchive& covered, const std::vector<Entry>& tail,
                                                     long long tail_bytes, std::string fingerprint) {
  std::unordered_set<std::string_view> ids(covered.ids.begin(), covered.ids.end());
  for (const auto& e : tail)
    if (ids.count(e.id)) return std::nullopt;
  LearnedArchive la = covered;
  la.bytes += tail_bytes;
  la.fingerprint = std::move(fingerprint);
  add_archived(la, tail);
  return la;
}

std::optional<Learned> learn_with_archive(const Queue& active, const LearnedArchive& archived) {
  std::unordered_set<std::string_view> ids(archived.ids.begin(), archived.ids.end());
  Learned l;
  // As learn_from_queue(with_archive(active, archive)): the active queue's runs first, then the
  // archived ones, stably sorted by finish time; the archived ones kept are the latest, which
  // are all that can be among the latest of the two together.
  for (const auto& e : active.requests) {
    // A finished request the change just archived (the queue it wrote still holds it in
    // memory): learned from its archived copy.
    if (ids.count(e.id) && !is_active(e)) continue;
    if (ids.count(e.id)) return std::nullopt;
    for (const auto& p : e.parts)
      if (auto r = learned_run(e, p)) l.targets[target_of(e, p)].runs.push_back(*r);
  }
  for (const auto& [name, at] : archived.targets) l.targets[name];
  for (auto& [name, t] : l.targets) {
    std::vector<double> achieved;
    for (const auto& r : t.runs) achieved.push_back(r.achieved);
    if (auto it = archived.targets.find(name); it != archived.targets.end()) {
      t.runs.insert(t.runs.end(), it->second.runs.begin(), it->second.runs.end());
      achieved.insert(achieved.end(), it->second.achieved.begin(), it->second.achieved.end());
    }
    std::stable_sort(t.runs.begin(), t.runs.end(), by_finish);
    if (t.runs.size() > kLearnedRecentRuns)
      t.runs.erase(t.runs.begin(), t.runs.end() - static_cast<std::ptrdiff_t>(kLearnedRecentRuns));
    t.count = static_cast<int>(achieved.size());
    t.utilisation = std::min(1.0, median(std::move(achieved)));
  }
  l.archive = archived;
  return l;
}

Learned learn_from_active_and_archive(const Queue& active, const std::vector<Entry>& archived, std::string_view archive_text,
                           std::size_t complete) {
  LearnedArchive la = learn_archive(archived, static_cast<long long>(complete),
                                    archive_fingerprint(archive_text.substr(0, complete), static_cast<long long>(complete)));
  if (auto l = learn_with_archive(active, la)) return *l;
  // The active queue holds an archived request (a change interrupted before it dropped it):
  // its copy in the archive wins, as with_archive has it; no archive part is kept.
  Queue all = active;
  std::unordered_set<std::string_view> held;
  for (const auto& e : active.requests) held.insert(e.id);
  for (const auto& e : archived)
    if (!held.count(e.id)) all.requests.push_back(e);
  return learn_from_queue(all);
}

std::string archive_fingerprint(std::string_view end_of_text, long long size) {
  const std::string_view last =
      end_of_text.size() > kFingerprintBytes ? end_of_text.substr(end_of_text.size() - kFingerprintBytes) : end_of_text;
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : last) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%lld:%016llx", size, static_cast<unsigned long long>(h));
  return buf;
}

std::filesystem::path learned_path(const std::filesystem::path& queue_file) {
  auto p = queue_file;
  p.replace_extension();
  p += ".learned.json";
  return p;
}

std::string serialize_learned(const Learned& l) {
  using ojson = nlohmann::ordered_json;
  auto recent = [](const LearnedTarget& t) {
    ojson runs = ojson::array();
    const std::size_t first = t.runs.size() > kLearnedRecentRuns ? t.runs.size() - kLearnedRecentRuns : 0;
    for (std::size_t i = first; i < t.runs.size(); ++i) {
      const auto& r = t.runs[i];
      runs.push_back(ojson{{"id", r.id}, {"part", r.part}, {"finished", format_time(r.finished)},
                           {"estimate_hours", r.estimate_hours}, {"real_hours", r.real_hours},
                           {"assumed", r.assumed}, {"achieved", r.achieved},
                           {"flops", r.flops ? ojson(*r.flops) : ojson(nullptr)}});
    }
    return runs;
  };
  ojson targets = ojson::object();
  for (const auto& [name, t] : l.targets)
    targets[name] = ojson{{"utilisation", t.utilisation}, {"runs", t.count}, {"used", t.count >= kMinLearnRuns},
                          {"recent", recent(t)}};
  ojson j{{"version", kLearnedVersion}, {"min_runs", kMinLearnRuns}, {"targets", std::move(targets)}};
  std::string text = j.dump(2);
  if (l.archive) {
    // What the archive taught, for the next change (not for readers): compact, one line.
    std::string ids;
    for (const auto& id : l.archive->ids) {
      if (!ids.empty()) ids += ' ';
      ids += id;
    }
    ojson at = ojson::object();
    for (const auto& [name, t] : l.archive->targets) at[name] = ojson{{"achieved", t.achieved}, {"recent", recent(t)}};
    ojson a{{"bytes", l.archive->bytes}, {"fingerprint", l.archive->fingerprint}, {"ids", std::move(ids)},
            {"targets", std::move(at)}};
    text.pop_back();  // the closing brace
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    text += ",\n  \"archive\": " + a.dump() + "\n}";
  }
  return text + "\n";
}

namespace {
template <class Bad>
LearnedArchive parse_learned_archive(const nlohmann::json& a, const Bad& bad) {
  auto number = [&](const nlohmann::json& o, const char* key) {
    if (!o.is_object() || !o.contains(key) || !o.at(key).is_number()) throw bad(std::string("archive: \"") + key + "\" must be a number");
    return o.at(key).get<double>();
  };
  if (!a.is_object() || !a.contains("bytes") || !a.at("bytes").is_number_integer() || a.at("bytes").get<long long>() < 0 ||
      !a.contains("fingerprint") || !a.at("fingerprint").is_string() || !a.contains("ids") || !a.at("ids").is_string() ||
      !a.contains("targets") || !a.at("targets").is_object())
    throw bad("\"archive\" needs \"bytes\", \"fingerprint\", \"ids\" and \"targets\"");
  LearnedArchive la;
  la.bytes = a.at("bytes").get<long long>();
  la.fingerprint = a.at("fingerprint").get<std::string>();
  const auto& ids = a.at("ids").get_ref<const std::string&>();
  for (std::size_t pos = 0; pos < ids.size();) {
    std::size_t sp = ids.find(' ', pos);
    if (sp == std::string::npos) sp = ids.size();
    if (sp > pos) la.ids.push_back(ids.substr(pos, sp - pos));
    pos = sp + 1;
  }
  for (const auto& el : a.at("targets").items()) {
    const auto& t = el.value();
    if (!t.is_object() || !t.contains("achieved") || !t.at("achieved").is_array() || !t.contains("recent") ||
        !t.at("recent").is_array())
      throw bad("archive: target \"" + el.key() + "\" needs \"achieved\" and \"recent\" lists");
    LearnedTarget lt;
    for (const auto& v : t.at("achieved")) {
      if (!v.is_number()) throw bad("archive: target \"" + el.key() + "\": \"achieved\" must list numbers");
      lt.achieved.push_back(v.get<double>());
    }
    for (const auto& r : t.at("recent")) {
      LearnedRun run;
      if (!r.is_object() || !r.contains("id") || !r.at("id").is_string() || !r.contains("part") ||
          !r.at("part").is_number_integer() || !r.contains("finished") || !r.at("finished").is_string() ||
          !r.contains("flops"))
        throw bad("archive: target \"" + el.key() + "\": a recent run needs id, part, finished and flops");
      run.id = r.at("id").get<std::string>();
      run.part = r.at("part").get<int>();
      const auto finished = parse_time(r.at("finished").get<std::string>());
      if (!finished) throw bad("archive: target \"" + el.key() + "\": a recent run's \"finished\" is not a time");
      run.finished = *finished;
      run.estimate_hours = number(r, "estimate_hours");
      run.real_hours = number(r, "real_hours");
      run.assumed = number(r, "assumed");
      run.achieved = number(r, "achieved");
      if (!r.at("flops").is_null()) run.flops = number(r, "flops");
      lt.runs.push_back(std::move(run));
    }
    lt.count = static_cast<int>(lt.achieved.size());
    la.targets[el.key()] = std::move(lt);
  }
  return la;
}
}  // namespace

namespace {
// A reader of summaries as serialize_learned writes them, ~10 times faster than building
// nlohmann's DOM: strict JSON syntax, but it gives up (Bail) on anything it does not need to
// handle to return exactly what the nlohmann path returns: escapes or non-ASCII bytes in a
// string, a duplicate key where it reads, a number it does not convert exactly as nlohmann
// does, a value of the wrong type or out of range (the nlohmann path then reports it).
struct Bail {};

class FastLearned {
 public:
  explicit FastLearned(std::string_view t) : t_(t) {}

  Learned read() {
    Learned l;
    ws();
    bool version = false, targets = false, archive = false;
    object([&](std::string_view key) {
      if (key == "version") {
        if (version) throw Bail{};
        version = true;
        if (number_token() != "1") throw Bail{};
      } else if (key == "targets") {
        if (targets) throw Bail{};
        targets = true;
        object([&](std::string_view name) {
          if (l.targets.count(std::string(name))) throw Bail{};
          std::optional<double> u;
          std::optional<long long> n;
          object([&](std::string_view k) {
            if (k == "utilisation") u = once(u, number());
            else if (k == "runs") n = once(n, integer());
            else skip();
          });
          if (!u || !n || !std::isfinite(*u) || *u <= 0 || *u > 1 || *n < 0 || *n > 100000000) throw Bail{};
          LearnedTarget lt;
          lt.utilisation = *u;
          lt.count = static_cast<int>(*n);
          l.targets[std::string(name)] = lt;
        });
      } else if (key == "archive") {
        if (archive) throw Bail{};
        archive = true;
        l.archive = read_archive();
      } else {
        skip();
      }
    });
    ws();
    if (i_ != t_.size() || !version || !targets) throw Bail{};
    return l;
  }

 private:
  template <class T>
  static T once(const std::optional<T>& seen, T v) {
    if (seen) throw Bail{};
    return v;
  }

  LearnedArchive read_archive() {
    LearnedArchive la;
    std::optional<long long> bytes;
    std::optional<std::string_view> fingerprint, ids;
    bool targets = false;
    object([&](std::string_view key) {
      if (key == "bytes") bytes = once(bytes, integer());
      else if (key == "fingerprint") fingerprint = once(fingerprint, string());
      else if (key == "ids") ids = once(ids, string());
      else if (key == "targets") {
        if (targets) throw Bail{};
        targets = true;
        object([&](std::string_view name) {
          if (la.targets.count(std::string(name))) throw Bail{};
          LearnedTarget lt;
          bool achieved = false, recent = false;
          object([&](std::string_view k) {
            if (k == "achieved") {
              if (achieved) throw Bail{};
              achieved = true;
              array([&] { lt.achieved.push_back(number()); });
            } else if (k == "recent") {
              if (recent) throw Bail{};
              recent = true;
              array([&] { lt.runs.push_back(run()); });
            } else {
              skip();
            }
          });
          if (!achieved || !recent) throw Bail{};
          lt.count = static_cast<int>(lt.achieved.size());
          la.targets[std::string(name)] = std::move(lt);
        });
      } else {
        skip();
      }
    });
    if (!bytes || *bytes < 0 || !fingerprint || !ids || !targets) throw Bail{};
    la.bytes = *bytes;
    la.fingerprint = std::string(*fingerprint);
    const std::string_view all = *ids;
    for (std::size_t pos = 0; pos < all.size();) {
      std::size_t sp = all.find(' ', pos);
      if (sp == std::string_view::npos) sp = all.size();
      if (sp > pos) la.ids.emplace_back(all.substr(pos, sp - pos));
      pos = sp + 1;
    }
    return la;
  }

  LearnedRun run() {
    LearnedRun r;
    std::optional<std::string_view> id, finished;
    std::optional<long long> part;
    std::optional<double> est, real, assumed, achieved;
    bool flops = false;
    object([&](std::string_view k) {
      if (k == "id") id = once(id, string());
      else if (k == "part") part = once(part, integer());
      else if (k == "finished") finished = once(finished, string());
      else if (k == "estimate_hours") est = once(est, number());
      else if (k == "real_hours") real = once(real, number());
      else if (k == "assumed") assumed = once(assumed, number());
      else if (k == "achieved") achieved = once(achieved, number());
      else if (k == "flops") {
        if (flops) throw Bail{};
        flops = true;
        if (peek() == 'n') literal("null");
        else r.flops = number();
      } else {
        skip();
      }
    });
    if (!id || !part || *part < INT_MIN || *part > INT_MAX || !finished || !est || !real || !assumed || !achieved ||
        !flops)
      throw Bail{};
    const auto t = parse_time(*finished);
    if (!t) throw Bail{};
    r.id = std::string(*id);
    r.part = static_cast<int>(*part);
    r.finished = *t;
    r.estimate_hours = *est;
    r.real_hours = *real;
    r.assumed = *assumed;
    r.achieved = *achieved;
    return r;
  }

  // ---- JSON
  char peek() const { return i_ < t_.size() ? t_[i_] : '\0'; }
  void ws() {
    while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\n' || t_[i_] == '\r' || t_[i_] == '\t')) ++i_;
  }
  void expect(char c) {
    ws();
    if (peek() != c) throw Bail{};
    ++i_;
  }
  void literal(std::string_view word) {
    if (t_.substr(i_, word.size()) != word) throw Bail{};
    i_ += word.size();
  }
  template <class F>
  void object(F&& on_key) {
    expect('{');
    ws();
    if (peek() == '}') { ++i_; return; }
    for (;;) {
      ws();
      const std::string_view key = string();
      expect(':');
      ws();
      on_key(key);
      ws();
      if (peek() == ',') { ++i_; continue; }
      if (peek() == '}') { ++i_; return; }
      throw Bail{};
    }
  }
  template <class F>
  void array(F&& on_item) {
    expect('[');
    ws();
    if (peek() == ']') { ++i_; return; }
    for (;;) {
      ws();
      on_item();
      ws();
      if (peek() == ',') { ++i_; continue; }
      if (peek() == ']') { ++i_; return; }
      throw Bail{};
    }
  }
  // A string of printable ASCII without escapes (anything else: Bail).
  std::string_view string() {
    if (peek() != '"') throw Bail{};
    const std::size_t start = ++i_;
    while (i_ < t_.size() && t_[i_] != '"') {
      const auto c = static_cast<unsigned char>(t_[i_]);
      if (c < 0x20 || c >= 0x7f || c == '\\') throw Bail{};
      ++i_;
    }
    if (i_ >= t_.size()) throw Bail{};
    return t_.substr(start, i_++ - start);
  }
  static bool digit(char c) { return c >= '0' && c <= '9'; }
  // A JSON number token (strict grammar).
  std::string_view number_token() {
    const std::size_t s = i_;
    if (peek() == '-') ++i_;
    if (peek() == '0') ++i_;
    else if (digit(peek())) while (digit(peek())) ++i_;
    else throw Bail{};
    if (peek() == '.') {
      ++i_;
      if (!digit(peek())) throw Bail{};
      while (digit(peek())) ++i_;
    }
    if (peek() == 'e' || peek() == 'E') {
      ++i_;
      if (peek() == '+' || peek() == '-') ++i_;
      if (!digit(peek())) throw Bail{};
      while (digit(peek())) ++i_;
    }
    return t_.substr(s, i_ - s);
  }
  // Any number as a double (nlohmann: integers converted, others by strtod: both the nearest).
  double number() {
    const auto tok = number_token();
    double d = 0;
    auto [p, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), d);
    if (ec != std::errc() || p != tok.data() + tok.size() || !std::isfinite(d)) throw Bail{};
    if (tok.size() > 18 && tok.find_first_of(".eE") == std::string_view::npos) throw Bail{};  // beyond int64
    return d;
  }
  // An integer token (no fraction or exponent) that fits in a long long.
  long long integer() {
    const auto tok = number_token();
    if (tok.find_first_of(".eE") != std::string_view::npos || tok.size() > 18) throw Bail{};
    long long v = 0;
    auto [p, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), v);
    if (ec != std::errc() || p != tok.data() + tok.size()) throw Bail{};
    return v;
  }
  // Any value, checked (nesting bounded).
  void skip(int depth = 0) {
    if (depth > 64) throw Bail{};
    ws();
    const char c = peek();
    if (c == '{') object([&](std::string_view) { skip(depth + 1); });
    else if (c == '[') array([&] { skip(depth + 1); });
    else if (c == '"') string();
    else if (c == 't') literal("true");
    else if (c == 'f') literal("false");
    else if (c == 'n') literal("null");
    else number();  // nlohmann refuses a number that overflows a double
  }

  std::string_view t_;
  std::size_t i_ = 0;
};
}  // namespace

Learned parse_learned(std::string_view text, const std::string& path) {
  try {
    return FastLearned(text).read();
  } catch (const Bail&) {
    // Not as serialize_learned writes it: read (and reported) by the general path.
  }
  return parse_learned_json(text, path);
}

Learned parse_learned_json(std::string_view text, const std::string& path) {
  Learned l;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(std::string(text));
  } catch (const nlohmann::json::exception& ex) {
    throw InputError(path + ": not valid JSON: " + ex.what());
  }
  auto bad = [&](const std::string& why) { return InputError(path + ": " + why); };
  if (!j.is_object()) throw bad("not a learned-utilisation summary (expected an object)");
  if (!j.contains("version") || j["version"] != kLearnedVersion)
    throw bad("unsupported version (expected " + std::to_string(kLearnedVersion) + ")");
  if (!j.contains("targets") || !j["targets"].is_object()) throw bad("\"targets\" must be an object");
  for (const auto& el : j["targets"].items()) {
    const std::string name = el.key();
    const nlohmann::json& t = el.value();
    if (!t.is_object() || !t.contains("utilisation") || !t.at("utilisation").is_number() || !t.contains("runs") ||
        !t.at("runs").is_number_integer())
      throw bad("target \"" + name + "\" needs a numeric \"utilisation\" and an integer \"runs\"");
    const double u = t.at("utilisation").get<double>();
    const long long n = t.at("runs").get<long long>();
    if (!std::isfinite(u) || u <= 0 || u > 1) throw bad("target \"" + name + "\": utilisation must be in (0, 1]");
    if (n < 0 || n > 100000000) throw bad("target \"" + name + "\": runs out of range");
    LearnedTarget lt;
    lt.utilisation = u;
    lt.count = static_cast<int>(n);
    l.targets[name] = lt;
  }
  if (j.contains("archive")) l.archive = parse_learned_archive(j["archive"], bad);
  return l;
}

Learned read_learned(const std::filesystem::path& queue_file) {
  const auto file = learned_path(queue_file);
  const auto text = read_file_if_exists(file);
  if (!text) return {};
  return parse_learned(*text, file.string());
}

Learned learn_after_change(const std::filesystem::path& queue_file, const Queue& written, bool* incremental) {
  if (incremental) *incremental = false;
  const auto file = learned_path(queue_file);
  std::optional<Learned> learned;
  try {
    if (const auto text = read_file_if_exists(file)) {
      const Learned before = parse_learned(*text, file.string());
      if (before.archive) {
        const auto tail = read_archive_tail(queue_file, before.archive->bytes);
        const std::string_view seen = tail ? std::string_view(tail->text) : std::string_view();
        if (tail && archive_fingerprint(seen.substr(0, tail->offset), before.archive->bytes) ==
                        before.archive->fingerprint) {
          const Archive a = parse_archive(seen.substr(tail->offset), archive_path(queue_file).string());
          if (a.warnings.empty()) {
            const auto size = before.archive->bytes + static_cast<long long>(a.complete);
            if (auto la = extend_learned_archive(*before.archive, a.requests, static_cast<long long>(a.complete),
                                                 archive_fingerprint(seen.substr(0, tail->offset + a.complete), size)))
              learned = learn_with_archive(written, *la);
          }
        }
      }
    }
  } catch (const InputError&) {
    learned.reset();  // a summary or a tail that cannot be used: learn from the whole archive
  }
  if (learned) {
    if (incremental) *incremental = true;
    return *learned;
  }
  const auto archive = archive_path(queue_file);
  const std::string text = read_file_if_exists(archive).value_or("");
  const Archive a = parse_archive(text, archive.string());
  for (const auto& w : a.warnings) warn_once(w);
  return learn_from_active_and_archive(written, a.requests, text, a.complete);
}

void apply_learned(Queue& q, const std::map<std::string, LearnedUtilisation>& learned) {
  if (learned.empty()) return;
  for (auto& e : q.requests)
    for (auto& p : e.parts) {
      if (p.state == PartState::Done || p.state == PartState::Rejected || p.state == PartState::Cancelled) continue;
      for (auto& [name, f] : p.on) {
        auto it = learned.find(name);
        if (it == learned.end() || !f.hours || !f.utilisation || it->second.utilisation <= 0) continue;
        f.hours = *f.hours * *f.utilisation / it->second.utilisation;
        f.utilisation = it->second.utilisation;
        if (name == e.target) p.hours = f.hours;
      }
    }
}

}  // namespace rwkvq::queue
