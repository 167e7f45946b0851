// The archive of finished requests beside the queue (src/queue/archive.cpp, the file store's
// moves in src/queue/store.cpp): moved on finish, archive-first crash order, an interrupted
// append, history reads, learning, ids, and queues written before the archive.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "queue/queue_fixtures.h"
#include "test_util.h"
#include "rwkvq/core/error.h"
#include "rwkvq/queue/archive.h"
#include "rwkvq/queue/intake.h"
#include "rwkvq/queue/learn.h"
#include "rwkvq/queue/states.h"
#include "rwkvq/queue/store.h"
#include "rwkvq/util/atomic_file.h"

namespace fs = std::filesystem;
using namespace rwkvq;
using namespace rwkvq::queue;

namespace {
struct Dir : rwkvq::test::TempDir {
  Dir() : TempDir("rwkvq-archive") {}
};
std::string slurp(const fs::path& p) { return read_file_if_exists(p).value_or(""); }
using qtest::who;
std::size_t lines(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }

// A queue file with r1..r3 queued (one part each).
QueueStore three(const fs::path& file) {
  QueueStore store(file);
  store.transact(
      [](Queue& q) {
        for (int i = 1; i <= 3; ++i) add_entry(q, qtest::make(i, {1.0}), who(qtest::kT0));
        return true;
      },
      true);
  return store;
}
void finish(QueueStore& store, const std::string& id, Action how) {
  store.transact([&](Queue& q) {
    if (how == Action::Done) {
      apply_action(q, PartRef{id, 0}, Action::Start, who(qtest::kT0 + 60));
      apply_action(q, PartRef{id, 0}, Action::Done, who(qtest::kT0 + 7260));
    } else {
      apply_action(q, PartRef{id, 0}, how, who(qtest::kT0 + 60));
    }
    return true;
  });
}
}  // namespace

TEST_CASE("archive: the archive is named after the queue file", "[queue][archive]") {
  CHECK(archive_path("/d/queue.json") == fs::path("/d/queue.archive.jsonl"));
  CHECK(archive_path("/d/q") == fs::path("/d/q.archive.jsonl"));
}

TEST_CASE("archive: a finished request moves from the queue to the archive", "[queue][archive]") {
  Dir d;
  const auto file = d.path / "queue.json";
  QueueStore store = three(file);
  CHECK_FALSE(fs::exists(archive_path(file)));
  // A change that finishes nothing leaves the archive alone.
  store.transact([](Queue& q) { return bump(q, "r2", 1, who(qtest::kT0)), true; });
  CHECK_FALSE(fs::exists(archive_path(file)));

  // done: the change's result still holds it (for what the command prints), the file does not.
  const Queue written = store.transact([](Queue& q) {
    apply_action(q, PartRef{"r1", 0}, Action::Start, who(qtest::kT0 + 60));
    apply_action(q, PartRef{"r1", 0}, Action::Done, who(qtest::kT0 + 7260));
    return true;
  });
  REQUIRE(written.find("r1"));
  CHECK(request_state(*written.find("r1")) == "done");
  CHECK(slurp(file).find("\"r1\"") == std::string::npos);
  const std::string archive = slurp(archive_path(file));
  CHECK(lines(archive) == 1);
  CHECK(archive.rfind("{\"id\": \"r1\"", 0) == 0);
  CHECK(parse_queue(slurp(file), "q").archive_bytes == static_cast<long long>(archive.size()));

  // reject and cancel finish a request too; the archive is appended to, never rewritten.
  finish(store, "r2", Action::Reject);
  finish(store, "r3", Action::Cancel);
  const std::string archive2 = slurp(archive_path(file));
  CHECK(archive2.rfind(archive, 0) == 0);
  CHECK(lines(archive2) == 3);

  const Queue active = store.read();
  CHECK(active.requests.empty());
  const Queue all = store.read_history();
  REQUIRE(all.requests.size() == 3);
  CHECK(request_state(*all.find("r1")) == "done");
  CHECK(request_state(*all.find("r2")) == "rejected");
  CHECK(request_state(*all.find("r3")) == "cancelled");
  // history (start, done) travels with it
  CHECK(all.find("r1")->history.size() == 3);
}

TEST_CASE("archive: a failed part stays in the queue (it can be retried)", "[queue][archive]") {
  Dir d;
  const auto file = d.path / "queue.json";
  QueueStore store = three(file);
  store.transact([](Queue& q) {
    apply_action(q, PartRef{"r1", 0}, Action::Start, who(qtest::kT0 + 60));
    apply_action(q, PartRef{"r1", 0}, Action::Fail, who(qtest::kT0 + 120));
    return true;
  });
  CHECK(store.read().find("r1"));
  CHECK_FALSE(fs::exists(archive_path(file)));
  // part 1 of 2 done: still active
  Queue q = qtest::queue_of({qtest::make(1, {1.0, 2.0})});
  apply_action(q, PartRef{"r1", 0}, Action::Start, who(qtest::kT0));
  apply_action(q, PartRef{"r1", 0}, Action::Done, who(qtest::kT0 + 60));
  CHECK(is_active(q.requests[0]));
}

TEST_CASE("archive: ids stay unique across the queue and the archive", "[queue][archive]") {
  Dir d;
  const auto file = d.path / "queue.json";
  QueueStore store = three(file);
  finish(store, "r3", Action::Cancel);  // the highest id leaves the queue
  std::string id;
  store.transact([&](Queue& q) { id = add_entry(q, qtest::make(9, {1.0}), who(qtest::kT0)); return true; });
  CHECK(id == "r4");
  // re-submitting the folder of a finished request is a new request
  store.transact([&](Queue& q) { id = add_entry(q, qtest::make(3, {1.0}), who(qtest::kT0)); return true; });
  CHECK(id == "r5");
}

TEST_CASE("archive: killed between the archive and the queue, the archive's copy wins", "[queue][archive]") {
  Dir d;
  const auto file = d.path / "queue.json";
  QueueStore store = three(file);
  const std::string before = slurp(file);
  // What a change that rejected r2 leaves when killed after appending (queue.json untouched).
  Queue q = parse_queue(before, "q");
  apply_action(q, PartRef{"r2", 0}, Action::Reject, who(qtest::kT0 + 60));
  append_to_archive(archive_path(file), {q.find("r2")});
  CHECK(slurp(file) == before);
  CHECK(slurp(file).find("\"r2\"") != std::string::npos);

  // Readers: r2 is not active; its archived (rejected) copy is what history shows.
  const Queue active = store.read();
  CHECK(active.requests.size() == 2);
  CHECK_FALSE(active.find("r2"));
  const Queue all = store.read_history();
  REQUIRE(all.find("r2"));
  CHECK(request_state(*all.find("r2")) == "rejected");
  // An action on it is refused like on any finished request (not found in the active queue).
  CHECK_THROWS_AS(store.transact([](Queue& qq) { return bump(qq, "r2", 1, who(qtest::kT0)), true; }), Refused);

  // The next write drops it from queue.json and records the archive's size.
  store.transact([](Queue& qq) { return bump(qq, "r1", 1, who(qtest::kT0)), true; });
  CHECK(slurp(file).find("\"r2\"") == std::string::npos);
  CHECK(parse_queue(slurp(file), "q").archive_bytes == static_cast<long long>(slurp(archive_path(file)).size()));
  CHECK(lines(slurp(archive_path(file))) == 1);  // not archived twice
}

TEST_CASE("archive: an incomplete last line is skipped with a warning and cut by the next write",
          "[queue][archive]") {
  Dir d;
  const auto file = d.path / "queue.json";
  QueueStore store = three(file);
  finish(store, "r1", Action::Cancel);
  const std::string good = slurp(archive_path(file));
  // Killed mid-append while archiving r2: half a line, and queue.json still holds r2.
  Queue q = parse_queue(slurp(file), "q");
  apply_action(q, PartRef{"r2", 0}, Action::Cancel, who(qtest::kT0 + 60));
  const std::string r2 = request_line(*q.find("r2"));
  {
    std::ofstream out(archive_path(file), std::ios::app | std::ios::binary);
    out << r2.substr(0, r2.size() / 2);
  }
  const Archive a = parse_archive(slurp(archive_path(file)), "a.jsonl");
  CHECK(a.requests.size() == 1);
  REQUIRE(a.warnings.size() == 1);
  CHECK_THAT(a.warnings[0], Catch::StartsWith("a.jsonl:2: incomplete last line"));
  CHECK(a.complete == good.size());

  // Nothing is lost: r1 archived, r2 still active.
  CHECK(store.read().find("r2"));
  CHECK(store.read_history().requests.size() == 3);
  // The next write cuts the half line (and here archives r2 for real).
  finish(store, "r2", Action::Cancel);
  const std::string repaired = slurp(archive_path(file));
  CHECK(lines(repaired) == 2);
  CHECK(repaired.rfind(good, 0) == 0);
  CHECK(repaired.substr(good.size()) == r2 + "\n");  // the half line is gone, the whole one follows
  CHECK(parse_archive(repaired, "a").warnings.empty());
  CHECK(store.read_history().requests.size() == 3);
}

TEST_CASE("archive: a damaged complete line is an error with its position; blank lines and duplicates are fine",
          "[queue][archive]") {
  const std::string one = request_line(qtest::make(1, {1.0})) + "\n";
  CHECK_THROWS_WITH(parse_archive(one + "{\"id\": \"r2\",}\n", "a.jsonl"), Catch::StartsWith("a.jsonl:2:"));
  CHECK_THROWS_WITH(parse_archive(one + "[]\n" + one, "a.jsonl"), Catch::StartsWith("a.jsonl:2:"));
  CHECK(parse_archive("\n" + one + "\n", "a").requests.size() == 1);
  // A union of two archives (a git merge) holds a request twice: one copy, the later line.
  Entry later = qtest::make(1, {1.0});
  later.title = "later";
  const Archive a = parse_archive(one + request_line(later) + "\n", "a");
  REQUIRE(a.requests.size() == 1);
  CHECK(a.requests[0].title == "later");
  // Every truncation of an archive reads or is refused, never crashes.
  const std::string two = one + request_line(later) + "\n";
  for (std::size_t n = 0; n <= two.size(); ++n) {
    try {
      parse_archive(two.substr(0, n), "a");
    } catch (const InputError&) {
    }
  }
}

TEST_CASE("archive: a queue written before the archive loads, and is migrated by the next write",
          "[queue][archive]") {
  Dir d;
  const auto file = d.path / "queue.json";
  // The indented layout of earlier versions, with a done request still in it.
  const std::string old = R"({
  "version": 1,
  "next_id": 3,
  "requests": [
    {
      "id": "r1",
      "folder": "/requests/1",
      "title": "Request 1",
      "handle": "@u1",
      "kind": "community",
      "target": "1x24vgb",
      "submitted": "2024-05-01T12:00:00Z",
      "since": "2024-05-01T12:00:00Z",
      "boost": 0,
      "state": "done",
      "parts": [
        {"n": 1, "notebook": "training-notebook.ipynb", "hours": 1.0, "state": "done", "node": "n", "started": "2024-05-01T12:00:00Z", "finished": "2024-05-01T13:00:00Z"}
      ],
      "history": [
        {"at": "2024-05-01T12:00:00Z", "by": "t", "action": "add", "part": 0}
      ]
    },
    {
      "id": "r2",
      "folder": "/requests/2",
      "title": "Request 2",
      "handle": "@u2",
      "kind": "community",
      "target": "1x24vgb",
      "submitted": "2024-05-01T12:00:00Z",
      "since": "2024-05-01T12:00:00Z",
      "boost": 0,
      "state": "queued",
      "parts": [
        {"n": 1, "notebook": "training-notebook.ipynb", "hours": 1.0, "state": "queued", "node": "", "started": null, "finished": null}
      ],
      "history": []
    }
  ]
}
)";
  { std::ofstream(file) << old; }
  QueueStore store(file);
  const Queue q = store.read();
  REQUIRE(q.requests.size() == 2);  // as it was: list hides r1 (not active), show finds it
  CHECK(q.find("r1")->parts[0].state == PartState::Done);
  store.transact([](Queue& qq) { return bump(qq, "r2", 1, who(qtest::kT0)), true; });
  CHECK(store.read().requests.size() == 1);
  CHECK(lines(slurp(archive_path(file))) == 1);
  CHECK(store.read_history().find("r1"));
  // One request per line now.
  CHECK(lines(slurp(file)) == 8);  // {, version, next_id, archive_bytes, "requests": [, r2, ], }
}

TEST_CASE("archive: learned hours come from archived runs too", "[queue][archive][learn]") {
  Dir d;
  const auto file = d.path / "queue.json";
  QueueStore store(file);
  store.transact(
      [](Queue& q) {
        for (int i = 1; i <= 3; ++i) {
          Entry e = qtest::make(i, {2.0});
          e.parts[0].on["1x24vgb"] = TargetFit{2.0, true, 0.3};
          add_entry(q, e, who(qtest::kT0));
          apply_action(q, PartRef{"r" + std::to_string(i), 0}, Action::Start, who(qtest::kT0));
          apply_action(q, PartRef{"r" + std::to_string(i), 0}, Action::Done, who(qtest::kT0 + 4 * 3600));
        }
        return true;
      },
      true);
  CHECK(store.read().requests.empty());
  CHECK_FALSE(learn_from_queue(store.read()).on("1x24vgb"));
  const auto l = learn_from_queue(store.read_history()).on("1x24vgb");
  REQUIRE(l);
  CHECK(l->runs == 3);
  CHECK(l->utilisation == Approx(0.15));  // 0.3 × 2 h estimated / 4 h real
}

TEST_CASE("archive: one request is found without parsing the others, by its exact id",
          "[queue][archive]") {
  Entry r1 = qtest::make(1, {1.0});
  Entry r12 = qtest::make(12, {2.0});
  Entry r123 = qtest::make(123, {3.0});
  r123.title = "follows \"r1\" and r12";  // quotes another id: a candidate line, not a match
  Entry r12_again = r12;
  r12_again.title = "Request 12, archived again";
  const std::string text = request_line(r12) + "\n" + request_line(r123) + "\n" + request_line(r1) + "\n" +
                           request_line(r12_again) + "\n";
  const Archive all = parse_archive(text, "a.jsonl");
  for (const char* id : {"r1", "r12", "r123"}) {
    const auto found = find_in_archive(text, id, "a.jsonl");
    REQUIRE(found);
    const auto it = std::find_if(all.requests.begin(), all.requests.end(), [&](const Entry& e) { return e.id == id; });
    REQUIRE(it != all.requests.end());
    CHECK(request_line(*found) == request_line(*it));  // the same as reading it all
  }
  CHECK(find_in_archive(text, "r12", "a.jsonl")->title == "Request 12, archived again");  // the later line wins
  CHECK(find_in_archive(text, "r1", "a.jsonl")->title == "Request 1");
  CHECK_FALSE(find_in_archive(text, "r2", "a.jsonl"));
  CHECK_FALSE(find_in_archive(text, "r", "a.jsonl"));
  CHECK_FALSE(find_in_archive("", "r1", "a.jsonl"));
  // An interrupted append (incomplete last line) is skipped; a damaged line naming the id is an error.
  const std::string line = request_line(qtest::make(5, {1.0}));
  CHECK_FALSE(find_in_archive(text + line.substr(0, line.size() / 2), "r5", "a.jsonl"));
  CHECK(find_in_archive(text + line, "r5", "a.jsonl"));  // whole but for its newline
  CHECK_THROWS_WITH(find_in_archive(text + line.substr(0, line.size() / 2) + "\n" + request_line(r1) + "\n", "r5",
                                    "a.jsonl"),
                    Catch::StartsWith("a.jsonl:5:"));
}

TEST_CASE("archive: find_archived reads the archive beside the queue", "[queue][archive]") {
  Dir d;
  const auto file = d.path / "queue.json";
  QueueStore store = three(file);
  CHECK_FALSE(find_archived(file, "r1"));  // no archive yet
  finish(store, "r1", Action::Reject);
  const auto found = find_archived(file, "r1");
  REQUIRE(found);
  CHECK(found->id == "r1");
  CHECK_FALSE(find_archived(file, "r2"));  // still active
}

TEST_CASE("archive: read_archive reads a file piece by piece as parse_archive reads its whole text",
          "[queue][archive]") {
  Dir d;
  const fs::path file = d.path / "q.json";
  // ~2 600 lines of ~1 KB (the 1 MiB pieces end inside lines), one line of 2.5 MiB (longer than
  // a piece), a duplicate id, blank and CRLF lines, then each way a file can end.
  std::string text;
  for (int i = 1; i <= 2600; ++i) {
    Entry e = qtest::make(i, {1.0, 2.0});
    e.title = std::string(static_cast<std::size_t>(700 + i % 300), static_cast<char>('a' + i % 26));
    text += request_line(e) + (i % 500 == 0 ? "\r\n" : "\n");
    if (i == 1300) {
      Entry big = qtest::make(5000, {1.0});
      big.title = std::string(std::size_t{5} << 19, 'x');
      text += "\n  \n" + request_line(big) + "\n";
    }
  }
  Entry again = qtest::make(7, {3.0});
  again.title = "the later line wins";
  text += request_line(again) + "\n";
  const std::string half = request_line(qtest::make(6000, {1.0}));
  for (const std::string& tail : {std::string(), half.substr(0, half.size() / 2), std::string("   "), half}) {
    {
      std::ofstream out(archive_path(file), std::ios::binary | std::ios::trunc);
      out << text << tail;
    }
    const std::string path = archive_path(file).string();
    const Archive whole = parse_archive(text + tail, path);
    const Archive pieces = read_archive(file);
    CHECK(pieces.complete == whole.complete);
    CHECK(pieces.warnings == whole.warnings);
    REQUIRE(pieces.requests.size() == whole.requests.size());
    for (std::size_t i = 0; i < whole.requests.size(); ++i)
      REQUIRE(request_line(pieces.requests[i]) == request_line(whole.requests[i]));
    CHECK(pieces.requests.size() == 2601 + (tail == half ? 1 : 0));
    CHECK(pieces.requests[6].title == "the later line wins");
  }
  // A damaged line far into the file: the same error, with its line number.
  std::string bad = text;
  bad.insert(bad.find("\"r2000\"") - 7, "{\"id\": 1}\n");
  {
    std::ofstream out(archive_path(file), std::ios::binary | std::ios::trunc);
    out << bad;
  }
  std::string want;
  try {
    parse_archive(bad, archive_path(file).string());
  } catch (const InputError& e) {
    want = e.what();
  }
  REQUIRE_FALSE(want.empty());
  CHECK_THROWS_WITH(read_archive(file), want);
}

TEST_CASE("archive: a large archive read beside the queue (on a second thread) gives what one thread gives",
          "[queue][archive]") {
  Dir d;
  const auto file = d.path / "queue.json";
  QueueStore store(file);
  store.transact(
      [](Queue& q) {
        for (int i = 1; i <= 400; ++i) {
          Entry e = qtest::make(i, {1.0});
          e.title = std::string(1000, static_cast<char>('a' + i % 26));
          add_entry(q, e, who(qtest::kT0));
        }
        return true;
      },
      true);
  store.transact([](Queue& q) {
    for (int i = 1; i <= 300; ++i) apply_action(q, PartRef{"r" + std::to_string(i), 0}, Action::Cancel, who(qtest::kT0 + 60));
    return true;
  });
  const std::string archive = slurp(archive_path(file));
  REQUIRE(archive.size() > 256 * 1024);  // store.cpp's kArchiveOnThread
  const Queue all = store.read_history();
  REQUIRE(all.requests.size() == 400);
  CHECK(request_state(*all.find("r1")) == "cancelled");
  CHECK(request_state(*all.find("r300")) == "cancelled");
  CHECK(request_state(*all.find("r301")) == "queued");
  CHECK(all.find("r7")->title == std::string(1000, 'h'));
  // An error in the archive is thrown here, with its line.
  {
    std::ofstream out(archive_path(file), std::ios::app | std::ios::binary);
    out << "{\"id\": 5}\n";
  }
  CHECK_THROWS_WITH(store.read_history(), Catch::StartsWith(archive_path(file).string() + ":301:"));
  // When both are damaged, the queue's error comes first, as when they are read one by one.
  const std::string queue_text = slurp(file);
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << queue_text.substr(0, queue_text.size() / 2);
  }
  CHECK_THROWS_WITH(store.read_history(), Catch::StartsWith(file.string() + ":"));
}
