#include <catch2/catch.hpp>

#include "queue/queue_fixtures.h"
#include "rwkvq/core/error.h"
#include "rwkvq/queue/document.h"

using namespace rwkvq;
using namespace rwkvq::queue;

namespace {
std::string error_of(const std::string& text) {
  try {
    parse_queue(text, "q.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("a queue round-trips through its JSON", "[queue][document]") {
  Queue q = qtest::queue_of({qtest::make(1, {2.5, std::nullopt}, "rwkv-x"), qtest::make(7, {1.0})});
  q.requests[0].parts[0].state = PartState::Done;
  q.requests[0].parts[0].node = "node-a";
  q.requests[0].parts[0].started = qtest::kT0 + 60;
  q.requests[0].parts[0].finished = qtest::kT0 + 3600;
  q.requests[0].parts[1].on["8x24vgb"] = TargetFit{0.4, true, std::nullopt};
  q.requests[0].history.push_back({qtest::kT0, "alice", "add", 0, "looks good", std::nullopt});
  q.requests[1].boost = -3;
  q.requests[1].since = qtest::kT0 + 10;
  const std::string text = serialize_queue(q);
  const Queue back = parse_queue(text, "q.json");
  CHECK(serialize_queue(back) == text);
  REQUIRE(back.requests.size() == 2);
  CHECK(back.next_id == 8);
  CHECK(back.requests[0].parts[1].on.at("8x24vgb").hours == Approx(0.4));
  CHECK_FALSE(back.requests[0].parts[1].hours);
  CHECK(back.requests[1].since == qtest::kT0 + 10);
  CHECK(request_state(back.requests[0]) == "queued");
  CHECK(text.find("\"state\": \"queued\"") != std::string::npos);
}

TEST_CASE("empty text is an empty queue", "[queue][document]") {
  CHECK(parse_queue("", "q.json").requests.empty());
  CHECK(parse_queue("  \n", "q.json").next_id == 1);
}

TEST_CASE("a JSON syntax error names path, line and column", "[queue][document]") {
  const std::string text = "{\n  \"version\": 1,\n  \"next_id\": 1,\n  \"requests\": [,]\n}\n";
  CHECK_THAT(error_of(text), Catch::StartsWith("q.json:4:16: not valid JSON"));
  CHECK_THAT(error_of("{\"version\": 1,"), Catch::StartsWith("q.json:1:"));
  CHECK_THAT(error_of("\xEF\xBB\xBF{]"), Catch::StartsWith("q.json:1:5:"));
}

TEST_CASE("schema violations name the offending value's position", "[queue][document]") {
  Queue q = qtest::queue_of({qtest::make(1, {2.0}), qtest::make(2, {1.0})});
  std::string text = serialize_queue(q);
  SECTION("unknown part state") {
    const auto pos = text.rfind("\"queued\"");
    text.replace(pos, 8, "\"runing\"");
    const std::string err = error_of(text);
    CHECK_THAT(err, Catch::Contains("unknown part state \"runing\""));
    CHECK_THAT(err, Catch::Contains("/requests/1/parts/0/state"));
    // the position is the value's own line
    const int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(pos), '\n'));
    CHECK_THAT(err, Catch::StartsWith("q.json:" + std::to_string(line) + ":"));
  }
  SECTION("unknown field") {
    text.replace(text.find("\"boost\""), 7, "\"boots\"");
    CHECK_THAT(error_of(text), Catch::Contains("unknown field \"boots\""));
  }
  SECTION("duplicate id") {
    text.replace(text.find("\"r2\""), 4, "\"r1\"");
    CHECK_THAT(error_of(text), Catch::Contains("duplicate request id"));
  }
  SECTION("bad time") {
    text.replace(text.find("2024-05-01T12:00:00Z"), 20, "2024-05-01T12:00:99Z");
    CHECK_THAT(error_of(text), Catch::Contains("is not an ISO-8601 time"));
  }
  SECTION("parts out of order") {
    Queue q2 = qtest::queue_of({qtest::make(1, {1.0, 2.0})});
    q2.requests[0].parts[1].n = 3;
    CHECK_THAT(error_of(serialize_queue(q2)), Catch::Contains("numbered 1..N"));
  }
  SECTION("id not below next_id") {
    text.replace(text.find("\"next_id\": 3"), 12, "\"next_id\": 2");
    CHECK_THAT(error_of(text), Catch::Contains("not below next_id"));
  }
  SECTION("a valid file passes") { CHECK(error_of(text).empty()); }
}

TEST_CASE("a pull request's head round-trips, and only a full commit id is one", "[queue][document]") {
  Queue q = qtest::queue_of({qtest::make(1, {2.0}), qtest::make(2, {1.0})});
  q.requests[0].pr = 7;
  q.requests[0].pr_author = "alice";
  q.requests[0].pr_head = "0123456789abcdef0123456789abcdef01234567";
  q.requests[1].pr = 9;  // imported before heads were recorded
  q.requests[1].pr_author = "bob";
  const std::string text = serialize_queue(q);
  CHECK(text.find("0123456789abcdef0123456789abcdef01234567") != std::string::npos);
  const Queue back = parse_queue(text, "q.json");
  CHECK(serialize_queue(back) == text);
  CHECK(back.requests[0].pr_head == q.requests[0].pr_head);
  CHECK(back.requests[1].pr_head.empty());
  for (const char* bad : {"0123456789abcdef", "0123456789ABCDEF0123456789abcdef01234567",
                          "0123456789abcdef0123456789abcdef0123456g", ""}) {
    std::string t = text;
    t.replace(t.find("0123456789abcdef0123456789abcdef01234567"), 40, bad);
    CHECK_THAT(error_of(t), Catch::Contains("\"head\" must be a full commit id") && Catch::Contains("/requests/0/pr/head"));
  }
}

TEST_CASE("an unknown version is refused", "[queue][document]") {
  CHECK_THAT(error_of("{\"version\": 2, \"next_id\": 1, \"requests\": []}"),
             Catch::Contains("unsupported queue version 2"));
  CHECK_THAT(error_of("{\"next_id\": 1, \"requests\": []}"), Catch::Contains("missing required field \"version\""));
  CHECK_THAT(error_of("[]"), Catch::Contains("must be an object"));
  CHECK(error_of("{\"version\": 1, \"next_id\": 1, \"requests\": []}").empty());
}

TEST_CASE("JSON pointers are located in the text", "[queue][document]") {
  const std::string t = "{\"a\": [1, {\"b\": \"x,}\"}], \"c\": {\"d\": [true]}}";
  CHECK(t.substr(locate_json_pointer(t, "/a/1/b"), 5) == "\"x,}\"");
  CHECK(t.substr(locate_json_pointer(t, "/c/d/0"), 4) == "true");
  CHECK(t.substr(locate_json_pointer(t, "/c/zz"), 1) == "{");  // nearest existing value
  CHECK(locate_json_pointer("{\"a\": [", "/a/5/x") <= 7);         // truncated input: no crash
  CHECK(line_col("ab\ncd", 4) == std::pair<int, int>{2, 2});
}

TEST_CASE("strings: escapes in, invalid UTF-8 out as U+FFFD", "[queue][document]") {
  Queue q = qtest::queue_of({qtest::make(1, {1.0})});
  q.requests[0].title = "tab\there \"quoted\" back\\slash \x01 caf\xC3\xA9 bad\xFF end";
  const std::string text = serialize_queue(q);
  const Queue back = parse_queue(text, "q.json");
  CHECK(back.requests[0].title == "tab\there \"quoted\" back\\slash \x01 caf\xC3\xA9 bad\xEF\xBF\xBD end");
  std::string esc = serialize_queue(qtest::queue_of({qtest::make(1, {1.0})}));
  esc.replace(esc.find("\"Request 1\""), 11, "\"\\u00e9\\ud83d\\ude00\\/\"");
  CHECK(parse_queue(esc, "q.json").requests[0].title == "\xC3\xA9\xF0\x9F\x98\x80/");
}

TEST_CASE("trailing text and wrong types are refused with positions", "[queue][document]") {
  const std::string ok = "{\"version\": 1, \"next_id\": 1, \"requests\": []}";
  CHECK_THAT(error_of(ok + " x"), Catch::StartsWith("q.json:1:46: unexpected text"));
  CHECK_THAT(error_of("{\"version\": 1, \"next_id\": \"1\", \"requests\": []}"),
             Catch::StartsWith("q.json:1:27: \"next_id\" must be an integer"));
  CHECK_THAT(error_of("{\"version\": 1, \"next_id\": 1.5, \"requests\": []}"), Catch::Contains("must be an integer"));
  CHECK_THAT(error_of("{\"version\": 1, \"next_id\": 1, \"requests\": {}}"), Catch::Contains("must be an array"));
  CHECK_THAT(error_of("{\"version\": 1, \"next_id\": 1, \"requests\": [], \"extra\": 1}"),
             Catch::StartsWith("q.json:1:46: unknown field \"extra\""));
}

TEST_CASE("every truncation and byte flip of a queue is read or refused, never crashes",
          "[queue][document]") {
  Queue q = qtest::queue_of({qtest::make(1, {2.5, std::nullopt}, "rwkv-x"), qtest::make(2, {1.0})});
  q.requests[0].parts[1].on["8x24vgb"] = TargetFit{0.4, true, std::nullopt};
  q.requests[0].history.push_back({qtest::kT0, "alice", "add", 0, "r\u00e9ason", std::nullopt});
  const std::string text = serialize_queue(q);
  int refused = 0;
  for (std::size_t n = 0; n < text.size(); ++n) {
    try {
      parse_queue(std::string_view(text).substr(0, n), "q.json");
    } catch (const rwkvq::InputError&) {
      ++refused;
    }
  }
  CHECK(refused >= static_cast<int>(text.size()) - 2);  // only "" (and whitespace) read as empty
  const char flips[] = {'"', '{', '}', '[', ']', ',', ':', '\\', 'x', '0', '\0', '\n'};
  for (std::size_t n = 0; n < text.size(); n += 3) {
    for (char f : flips) {
      std::string t = text;
      t[n] = f;
      try {
        parse_queue(t, "q.json");
      } catch (const rwkvq::InputError& e) {
        CHECK_THAT(std::string(e.what()), Catch::StartsWith("q.json:"));
      }
    }
  }
}
