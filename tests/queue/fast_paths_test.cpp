// The queue's fast paths (issue 12.6) against general ones: the reader and writer of queue.json
// against nlohmann's parser, times against timegm/strftime, and the learned summary's fast reader
// against its nlohmann reader, on generated queues with odd strings and on mutated texts.
#include <catch2/catch.hpp>

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>
#include <random>

#include "queue/queue_fixtures.h"
#include "rwkvq/core/error.h"
#include "rwkvq/queue/document.h"
#include "rwkvq/queue/learn.h"

using namespace rwkvq;
using namespace rwkvq::queue;

namespace {

// What parse_time did before its fast path: timegm, and dates it normalised refused.
std::optional<Time> reference_time(const std::string& s) {
  int y, mo, d, h, mi, se;
  char tail = 0;
  if (s.size() != 20 || std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &se, &tail) != 7 ||
      tail != 'Z')
    return std::nullopt;
  for (std::size_t k : {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18})
    if (s[k] < '0' || s[k] > '9') return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = se;
  const std::time_t t = timegm(&tm);
  std::tm back{};
  gmtime_r(&t, &back);
  if (back.tm_mday != d || back.tm_mon != mo - 1) return std::nullopt;
  return static_cast<Time>(t);
}

std::string reference_format(Time t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Strings that exercise the reader and writer: escapes, control characters, every UTF-8 length,
// invalid UTF-8 (written as U+FFFD), quotes and backslashes at the ends, long runs.
std::string odd_string(std::mt19937& rnd, std::size_t max_len, bool ascii = false) {
  static const char* const pieces[] = {"r12", ":", ",", "{", "}", "[", "]", "\\u0041", "  ", "a", "Z", " ", "\"", "\\",
                                       "/", "\n", "\t", "\r", "\x01", "\x1f", "\x7f",
                                       "é", "€", "😀", "\xF0\x9F", "\xC3", "\xFF", "\xED\xA0\x80", "\xE0\x80\xAF"};
  constexpr std::size_t kAscii = 21;  // the pieces before "é"
  std::string s;
  const std::size_t n = rnd() % (max_len + 1);
  while (s.size() < n) s += pieces[rnd() % (ascii ? kAscii : sizeof pieces / sizeof *pieces)];
  return s;
}

double odd_number(std::mt19937& rnd) {
  switch (rnd() % 6) {
    case 0: return static_cast<double>(rnd() % 1000) / 100.0;
    case 1: return std::ldexp(static_cast<double>(rnd()), -static_cast<int>(rnd() % 60));
    case 2: return static_cast<double>(rnd() % 100000) * 1e15;  // flops-sized
    case 3: return 0.1 + static_cast<double>(rnd() % 7) * 1e-17;
    case 4: return std::nextafter(static_cast<double>(rnd() % 50), 100.0);
    default: return static_cast<double>(rnd() % 24);
  }
}

Queue odd_queue(std::mt19937& rnd, int n, std::size_t max_len, bool ascii = false) {
  auto S = [&](std::size_t len) { return odd_string(rnd, len, ascii); };
  std::vector<Entry> entries;
  for (int i = 1; i <= n; ++i) {
    Entry e = qtest::make(i, {std::nullopt}, "community");
    e.folder = "/f/" + S(max_len);
    e.title = S(max_len);
    e.handle = S(8);
    e.target = S(8);
    e.submitted = static_cast<Time>(rnd() % 4000000000u);
    e.since = e.submitted + static_cast<Time>(rnd() % 1000);
    e.boost = static_cast<int>(rnd() % 21) - 10;
    const int parts = 1 + static_cast<int>(rnd() % 3);
    e.parts.clear();
    for (int k = 1; k <= parts; ++k) {
      Part p;
      p.n = k;
      p.notebook = "nb-" + S(max_len);
      if (rnd() % 3) p.hours = odd_number(rnd);
      p.state = static_cast<PartState>(rnd() % 7);
      p.node = S(6);
      if (rnd() % 2) p.started = static_cast<Time>(rnd() % 4000000000u);
      if (rnd() % 2) p.finished = static_cast<Time>(rnd() % 4000000000u);
      if (rnd() % 2) p.on[S(6)] = TargetFit{odd_number(rnd), rnd() % 2 == 0, std::nullopt};
      if (rnd() % 2) p.on["1x24vgb"] = TargetFit{std::nullopt, std::nullopt, 0.35};
      if (rnd() % 3 == 0) p.flops = odd_number(rnd);
      if (rnd() % 2) p.ran_on = S(6);
      if (rnd() % 2) p.real_hours = odd_number(rnd);
      e.parts.push_back(p);
    }
    const int hist = static_cast<int>(rnd() % 4);
    for (int k = 0; k < hist; ++k) {
      HistoryEntry h{static_cast<Time>(rnd() % 4000000000u), S(8), "act" + S(3),
                     static_cast<int>(rnd() % 3), S(max_len), std::nullopt};
      if (rnd() % 3 == 0) h.recorded = h.at + 60;
      e.history.push_back(h);
    }
    entries.push_back(std::move(e));
  }
  return qtest::queue_of(std::move(entries));
}

}  // namespace

TEST_CASE("queue fast paths: times are read and written as timegm and strftime do", "[queue][fast]") {
  std::mt19937 rnd(7);
  // Every day of four centuries' worth of edge years, and random instants, both ways.
  for (Time t : {Time{0}, Time{-1}, Time{86399}, Time{951782400}, Time{4107542399}, Time{-30610224000},
                 Time{253402300799}, Time{-62135596800}, Time{253402300800}, Time{-86401}}) {
    CHECK(format_time(t) == reference_format(t));
    if (t >= -30610224000 && t < 253402300800) CHECK(parse_time(format_time(t)) == t);
  }
  for (int k = 0; k < 200000; ++k) {
    const auto span = static_cast<std::uint64_t>(253402300800LL + 30610224000LL);  // years 1000 … 9999
    const Time t = static_cast<Time>(((static_cast<std::uint64_t>(rnd()) << 32) ^ rnd()) % span) - 30610224000LL;
    const std::string s = format_time(t);
    REQUIRE(s == reference_format(t));
    REQUIRE(parse_time(s) == t);
  }
  // Canonical-shaped strings with any digits: valid dates and times agree, impossible ones are refused.
  for (int k = 0; k < 200000; ++k) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04lu-%02lu-%02luT%02lu:%02lu:%02luZ", rnd() % 10000, rnd() % 14, rnd() % 33,
                  rnd() % 26, rnd() % 62, rnd() % 62);
    const std::string s = buf;
    INFO(s);
    REQUIRE(parse_time(s) == reference_time(s));
  }
  CHECK(parse_time("2024-02-29T12:00:00Z") == reference_time("2024-02-29T12:00:00Z"));
  CHECK_FALSE(parse_time("2023-02-29T12:00:00Z"));
  CHECK_FALSE(parse_time("2100-02-29T00:00:00Z"));
  CHECK(parse_time("2000-02-29T00:00:00Z"));
  CHECK(parse_time("2024-06-30T23:59:60Z") == reference_time("2024-06-30T23:59:60Z"));  // a leap second: general path
  CHECK_FALSE(parse_time("2024-12-31T23:59:60Z"));
}

TEST_CASE("queue fast paths: odd strings and numbers round-trip, as nlohmann reads the text", "[queue][fast]") {
  std::mt19937 rnd(12);
  for (int round = 0; round < 40; ++round) {
    const Queue q = odd_queue(rnd, 25, round % 10 == 9 ? 200000 : 40);  // some huge fields
    const std::string text = serialize_queue(q);
    const Queue back = parse_queue(text, "q.json");
    REQUIRE(back.requests.size() == q.requests.size());
    CHECK(serialize_queue(back) == text);  // the writer is stable on what it wrote
    const auto j = nlohmann::json::parse(text);  // the text is valid JSON (invalid UTF-8 replaced)
    REQUIRE(j["requests"].size() == q.requests.size());
    for (std::size_t k = 0; k < q.requests.size(); ++k) {
      // Our reader's model, as entry_json writes it, equals nlohmann's reading of the same text.
      const auto ours = nlohmann::json::parse(
          entry_json(back.requests[k]).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::strict));
      CHECK(ours == j["requests"][k]);
      // Valid UTF-8 strings come back exactly; numbers bit for bit.
      const auto& e = q.requests[k];
      const auto& b = back.requests[k];
      if (nlohmann::json(e.title).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) ==
          nlohmann::json(e.title).dump(-1, ' ', false, nlohmann::json::error_handler_t::ignore))
        CHECK(b.title == e.title);
      for (std::size_t p = 0; p < e.parts.size(); ++p) {
        CHECK(b.parts[p].hours == e.parts[p].hours);
        CHECK(b.parts[p].flops == e.parts[p].flops);
        CHECK(b.parts[p].real_hours == e.parts[p].real_hours);
        CHECK(b.parts[p].started == e.parts[p].started);
      }
      CHECK(b.submitted == e.submitted);
    }
  }
}

TEST_CASE("queue fast paths: plain decimals convert as from_chars does", "[queue][fast]") {
  std::mt19937 rnd(3);
  auto hours_of = [](const std::string& tok) {
    Queue q = qtest::queue_of({qtest::make(1, {1.0})});
    std::string text = serialize_queue(q);
    const auto at = text.find("\"hours\": 1.0");
    text.replace(at, 12, "\"hours\": " + tok);
    return parse_queue(text, "q.json").requests[0].parts[0].hours;
  };
  for (int k = 0; k < 20000; ++k) {
    std::string tok = std::to_string(rnd() % 100000);
    const std::string frac = std::to_string(rnd()).substr(0, 1 + rnd() % 12);
    if (rnd() % 4) tok += "." + frac;
    if (rnd() % 5 == 0) tok = "0.000" + frac;
    double want = 0;
    std::from_chars(tok.data(), tok.data() + tok.size(), want);
    INFO(tok);
    REQUIRE(hours_of(tok) == want);
  }
  for (const char* tok : {"0", "0.0", "12345678901234.5", "1.0000000000000002", "123456789012345678", "2.5e3",
                          "1E-7", "0.1000000000000000055511151231257827", "9007199254740993"}) {
    double want = 0;
    std::from_chars(tok, tok + std::strlen(tok), want);
    INFO(tok);
    CHECK(hours_of(tok) == want);
  }
}

TEST_CASE("queue fast paths: mutated queue text is read as before or refused, never differently", "[queue][fast]") {
  std::mt19937 rnd(99);
  // ASCII titles: a cut UTF-8 sequence is read as it is (the writer replaces it), nlohmann refuses it.
  const std::string base = serialize_queue(odd_queue(rnd, 3, 12, /*ascii=*/true));
  static const char kBytes[] = "{}[]\",:\\ 0123456789.-eEtrufalsn\nabcxyz";
  int parsed = 0;
  for (int k = 0; k < 20000; ++k) {
    std::string t = base;
    for (int m = 1 + static_cast<int>(rnd() % 3); m > 0; --m) {
      const std::size_t at = rnd() % t.size();
      switch (rnd() % 3) {
        case 0: t[at] = kBytes[rnd() % (sizeof kBytes - 1)]; break;
        case 1: t.erase(at, 1 + rnd() % 4); break;
        default: t.insert(at, 1, kBytes[rnd() % (sizeof kBytes - 1)]);
      }
    }
    Queue q;
    try {
      q = parse_queue(t, "q.json");
    } catch (const InputError& e) {
      REQUIRE(std::string(e.what()).rfind("q.json:", 0) == 0);  // a position, never another exception
      continue;
    }
    ++parsed;
    // Accepted: nlohmann accepts it too, and reads the same requests.
    nlohmann::json j;
    REQUIRE_NOTHROW(j = nlohmann::json::parse(t));
    if (!j.contains("requests")) continue;
    REQUIRE(j["requests"].size() == q.requests.size());
    for (std::size_t r = 0; r < q.requests.size(); ++r) {
      CHECK(j["requests"][r]["id"] == q.requests[r].id);
      CHECK(j["requests"][r]["title"] == q.requests[r].title);
      CHECK(j["requests"][r]["parts"].size() == q.requests[r].parts.size());
    }
  }
  CHECK(parsed > 0);
}

namespace {
Learned sample_learned(std::mt19937& rnd, bool archive) {
  Learned l;
  for (const char* t : {"1x24vgb", "8x24vgb", "a-target"}) {
    if (rnd() % 4 == 0) continue;
    LearnedTarget lt;
    lt.count = static_cast<int>(rnd() % 30);
    lt.utilisation = 0.01 + static_cast<double>(rnd() % 990) / 1000.0 + std::ldexp(1.0, -40);
    for (int k = static_cast<int>(rnd() % 25); k > 0; --k) {
      LearnedRun r{"r" + std::to_string(rnd() % 100000), static_cast<int>(1 + rnd() % 3),
                   static_cast<Time>(rnd() % 4000000000u), odd_number(rnd), odd_number(rnd), 0.35,
                   std::ldexp(static_cast<double>(rnd()), -33), std::nullopt};
      if (rnd() % 2) r.flops = odd_number(rnd) * 1e18;
      lt.runs.push_back(r);
    }
    l.targets[t] = lt;
  }
  if (archive) {
    LearnedArchive la;
    la.bytes = rnd() % 100000000;
    la.fingerprint = std::to_string(la.bytes) + ":00ff00ff00ff00ff";
    for (int k = static_cast<int>(rnd() % 50); k > 0; --k) la.ids.push_back("r" + std::to_string(rnd() % 1000000));
    for (const auto& [name, t] : l.targets) {
      LearnedTarget at = t;
      for (int k = static_cast<int>(rnd() % 200); k > 0; --k) at.achieved.push_back(std::ldexp(static_cast<double>(rnd()), -32));
      at.count = static_cast<int>(at.achieved.size());
      la.targets[name] = at;
    }
    l.archive = la;
  }
  return l;
}
}  // namespace

TEST_CASE("queue fast paths: the learned summary reads as nlohmann reads it", "[queue][fast][learn]") {
  std::mt19937 rnd(5);
  for (int k = 0; k < 300; ++k) {
    const std::string text = serialize_learned(sample_learned(rnd, k % 3 != 0));
    const Learned fast = parse_learned(text, "l.json");
    const Learned slow = parse_learned_json(text, "l.json");
    REQUIRE(serialize_learned(fast) == serialize_learned(slow));
    CHECK(fast.usable().size() == slow.usable().size());
  }
  // Mutations: both readers accept with the same result, or both refuse. The text mutated holds
  // every kind of field a few times, not hundreds of numbers: the random sample above can write
  // 20 KB, whose parse by both readers 40 000 times took over 600 s in the sanitizer pass, with
  // most mutations landing in the long lists of numbers.
  Learned compact = sample_learned(rnd, true);
  auto trim = [](std::map<std::string, LearnedTarget>& targets) {
    for (auto& [name, t] : targets) {
      if (t.runs.size() > 3) t.runs.resize(3);
      if (t.achieved.size() > 4) t.achieved.resize(4);
      if (!t.achieved.empty()) t.count = static_cast<int>(t.achieved.size());
    }
  };
  trim(compact.targets);
  REQUIRE(compact.archive);
  trim(compact.archive->targets);
  if (compact.archive->ids.size() > 5) compact.archive->ids.resize(5);
  const std::string base = serialize_learned(compact);
  INFO(base);
  for (const char* field : {"\"utilisation\"", "\"flops\": null", "\"achieved\"", "\"fingerprint\"", "\"ids\"", "\"recent\""})
    REQUIRE(base.find(field) != std::string::npos);
  bool flops_number = false;  // and a run whose flops are a number
  for (std::size_t at = base.find("\"flops\": "); at != std::string::npos; at = base.find("\"flops\": ", at + 1))
    flops_number = flops_number || std::isdigit(static_cast<unsigned char>(base[at + 9]));
  REQUIRE(flops_number);
  REQUIRE(base.size() < 6000);
  static const char kBytes[] = "{}[]\",:\\ 0123456789.-eEtrufalsn\n\xC3\xA9";
  int accepted = 0;
  for (int k = 0; k < 40000; ++k) {
    std::string t = base;
    const std::size_t at = rnd() % t.size();
    switch (rnd() % 3) {
      case 0: t[at] = kBytes[rnd() % (sizeof kBytes - 1)]; break;
      case 1: t.erase(at, 1 + rnd() % 3); break;
      default: t.insert(at, 1, kBytes[rnd() % (sizeof kBytes - 1)]);
    }
    std::optional<std::string> a, b;
    try { a = serialize_learned(parse_learned(t, "l.json")); } catch (const InputError&) {}
    try { b = serialize_learned(parse_learned_json(t, "l.json")); } catch (const InputError&) {}
    INFO(t);
    REQUIRE(a == b);
    accepted += a.has_value();
  }
  CHECK(accepted > 100);
  // Layouts and spellings the fast reader leaves to the general one.
  for (const char* t : {R"({"version":1,"targets":{"a":{"utilisation":0.5,"runs":4}}})",
                        R"({"targets":{"a":{"runs":4,"utilisation":5e-1}},"version":1})",
                        R"({"version":1,"targets":{"\u0061":{"utilisation":0.5,"runs":4}}})",
                        R"({"version":1.0,"targets":{}})",
                        R"({"version":1,"targets":{"a":{"utilisation":0.5,"runs":4}},"targets":{}})",
                        R"({"version":1,"targets":{"a":{"utilisation":0.5,"runs":4.0}}})",
                        R"({"version":1,"targets":{"a":{"utilisation":0.5,"runs":4,"x":1e999}}})",
                        R"({"version":1,"targets":{"a":{"utilisation":0.5,"runs":4,"x":1e-999}}})",
                        R"({"version":1,"targets":{"a":{"utilisation":0.5,"runs":4,"x":123456789012345678901234}}})"}) {
    std::optional<std::string> a, b;
    try { a = serialize_learned(parse_learned(t, "l.json")); } catch (const InputError&) {}
    try { b = serialize_learned(parse_learned_json(t, "l.json")); } catch (const InputError&) {}
    INFO(t);
    CHECK(a == b);
  }
}

namespace {
// Both readers of a request: the same request (written back byte for byte the same) or the same error.
void same_request(const std::string& line, int& parsed) {
  std::string fast, general, fast_err, general_err;
  try { fast = request_line(parse_request(line, "a.jsonl", 7)); } catch (const InputError& e) { fast_err = e.what(); }
  try { general = request_line(parse_request_general(line, "a.jsonl", 7)); } catch (const InputError& e) { general_err = e.what(); }
  INFO(line);
  REQUIRE(fast_err == general_err);
  REQUIRE(fast == general);
  parsed += fast_err.empty();
}
void same_queue(const std::string& text, int& parsed) {
  std::string fast, general, fast_err, general_err;
  try { fast = serialize_queue(parse_queue(text, "q.json")); } catch (const InputError& e) { fast_err = e.what(); }
  try { general = serialize_queue(parse_queue_general(text, "q.json")); } catch (const InputError& e) { general_err = e.what(); }
  INFO(text);
  REQUIRE(fast_err == general_err);
  REQUIRE(fast == general);
  parsed += fast_err.empty();
}
// A request as the queue holds it: estimates on two targets, done parts, a history.
Entry busy_entry(std::mt19937& rnd, int i) {
  Entry e = qtest::make(i, {std::nullopt}, "community");
  e.folder = "/requests/" + std::to_string(i);
  e.title = "Request " + std::to_string(i);
  e.handle = "@u" + std::to_string(i);
  e.target = "1x24vgb";
  e.submitted = 1714564800 + static_cast<Time>(rnd() % 3000000);
  e.since = e.submitted;
  e.boost = static_cast<int>(rnd() % 7) - 3;
  e.parts.clear();
  for (int k = 1; k <= 1 + static_cast<int>(rnd() % 3); ++k) {
    Part p;
    p.n = k;
    p.notebook = "training-notebook-part" + std::to_string(k) + ".ipynb";
    if (rnd() % 4) p.hours = static_cast<double>(rnd() % 1200) / 100.0;
    p.on["8x24vgb"] = TargetFit{p.hours ? std::optional<double>(*p.hours / 7) : std::nullopt, true, std::nullopt};
    if (rnd() % 2) {
      p.state = PartState::Done;
      p.node = "node-a";
      p.started = e.submitted + 3600;
      p.finished = *p.started + 7200;
      p.on["1x24vgb"] = TargetFit{p.hours, true, 0.35};
      p.ran_on = "1x24vgb";
      p.real_hours = 2.0;
      e.history.push_back(HistoryEntry{*p.started, "bench", "start", k, "", std::nullopt});
      e.history.push_back(HistoryEntry{*p.finished, "bench", "done", k, rnd() % 3 ? "" : "why", std::nullopt});
    }
    if (rnd() % 5 == 0) p.flops = 1.5e18;
    e.parts.push_back(p);
  }
  return e;
}
}  // namespace

TEST_CASE("queue fast paths: the layout reader reads requests as the general reader does", "[queue][fast]") {
  std::mt19937 rnd(31);
  int parsed = 0;
  // Written by rwkvq (odd strings: the ones with escapes go to the general reader), and dispatch,
  // run and pr records (read by the general reader alone).
  for (int k = 0; k < 200; ++k) {
    Queue q = odd_queue(rnd, 4, 20, k % 2 == 0);
    if (k % 3 == 0) {
      q.requests[0].pr = 12;
      q.requests[0].pr_author = "someone";
      q.requests[1].parts[0].dispatch = DispatchRecord{1714564800, "me", "o/r", "w.yml", "main", {{"a", "b"}}};
      q.requests[1].parts[0].run = RunRecord{7, "https://x/7", "completed", "success", std::nullopt, std::nullopt};
    }
    const std::string text = serialize_queue(q);
    same_queue(text, parsed);
    REQUIRE(serialize_queue(parse_queue(text, "q.json")) == text);
    for (const auto& e : q.requests) same_request(request_line(e), parsed);
  }
  // Mutated: whatever the layout reader accepts, the general reader reads the same; what it
  // refuses, the general reader reads or refuses with its own error.
  std::vector<Entry> entries;
  for (int i = 1; i <= 3; ++i) entries.push_back(busy_entry(rnd, i));
  const std::string line = request_line(entries[2]);
  const std::string text = serialize_queue(qtest::queue_of(entries));
  static const char* const kTokens[] = {"{", "}", "[", "]", "\"", ",", ":", " ", "\\", "\\\"", "\\u0041", "0", "1",
                                        "9", "-", ".", "e", "E", "+", "null", "true", "false", "01", "1e2", "-0",
                                        "\n", "\t", "\x01", "\xC3\xA9", "\"x\": 1, ", ", \"x\": 1", "2024-02-30"};
  for (int k = 0; k < 30000; ++k) {
    std::string t = k % 2 ? line : text;
    for (int m = 1 + static_cast<int>(rnd() % 3); m > 0; --m) {
      const std::size_t at = rnd() % t.size();
      switch (rnd() % 4) {
        case 0: t[at] = kTokens[rnd() % 26][0]; break;
        case 1: t.erase(at, 1 + rnd() % 4); break;
        case 2: t.insert(at, kTokens[rnd() % (sizeof kTokens / sizeof *kTokens)]); break;
        default: {  // a digit or a time's field changed in place: values the checks refuse or accept
          const std::size_t d = t.find_first_of("0123456789", at);
          if (d != std::string::npos) t[d] = static_cast<char>('0' + rnd() % 10);
        }
      }
    }
    if (k % 2) same_request(t, parsed);
    else same_queue(t, parsed);
  }
  CHECK(parsed > 1000);
}

namespace rwkvq::cli::qcli {
std::string fixed(double v, int digits);  // src/cli/queue/common.h (not on the tests' include path)
}

TEST_CASE("queue fast paths: numbers in the queue's tables are formatted as printf's %.*f", "[queue][fast]") {
  std::mt19937 rnd(17);
  auto reference = [](double v, int digits) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", digits, v);
    return std::string(buf);
  };
  std::vector<double> values = {0.0, -0.0, 0.5, 1.5, 2.5, -2.5, 0.125, 0.045, 1e300, -1e300, 1e-300,
                                123456789.125, std::nan(""), -std::nan(""), INFINITY, -INFINITY};
  for (int k = 0; k < 200000; ++k) {
    switch (k % 4) {
      case 0: values.push_back(odd_number(rnd)); break;
      case 1: values.push_back(static_cast<double>(rnd() % 100000) / 1000.0 - 50.0); break;  // ties at .xx5
      case 2: values.push_back(std::ldexp(static_cast<double>(rnd()), static_cast<int>(rnd() % 80) - 60)); break;
      default: {
        std::uint64_t bits = (static_cast<std::uint64_t>(rnd()) << 32) ^ rnd();
        double d;
        std::memcpy(&d, &bits, sizeof d);
        values.push_back(d);
      }
    }
  }
  for (double v : values)
    for (int digits : {0, 1, 2, 3}) REQUIRE(rwkvq::cli::qcli::fixed(v, digits) == reference(v, digits));
}
