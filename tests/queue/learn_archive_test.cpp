// The learned summary kept up to date from the archive's tail only (learn_after_change, issue 12):
// after every change it equals the summary learned from the whole history.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <filesystem>

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
  Dir() : TempDir("rwkvq-learnarch") {}
};
using qtest::who;

// The summary from the whole history, as learned before summaries kept their archive part.
std::string full_targets(const QueueStore& store) {
  Learned l = learn_from_queue(store.read_history());
  l.archive.reset();
  return serialize_learned(l);
}
std::string without_archive(Learned l) {
  l.archive.reset();
  return serialize_learned(l);
}
// What a change writes: the summary after it (as `queue done` does), and whether it read only the tail.
bool write_after(QueueStore& store, const Queue* written = nullptr) {
  bool incremental = false;
  const Learned l = learn_after_change(store.file(), written ? *written : store.read(), &incremental);
  write_file_atomic(learned_path(store.file()), serialize_learned(l));
  // Equal to learning from the queue and the whole archive, archive part included.
  const auto archive = archive_path(store.file());
  const std::string text = read_file_if_exists(archive).value_or("");
  const Archive a = parse_archive(text, archive.string());
  CHECK(serialize_learned(l) == serialize_learned(learn_from_active_and_archive(store.read(), a.requests, text, a.complete)));
  CHECK(without_archive(l) == full_targets(store));
  return incremental;
}

// Adds requests first..last (two parts each on alternate targets) and runs them: each part takes
// between 1 and 6 hours, several finishing at the same second; `finish` of them end done.
void run_batch(QueueStore& store, int first, int last, int finish, Time& t) {
  store.transact(
      [&](Queue& q) {
        for (int i = first; i <= last; ++i) {
          const std::string target = i % 3 ? "1x24vgb" : "8x24vgb";
          Entry e = qtest::make(i, {2.0, 3.0}, "community", target);
          for (auto& p : e.parts) p.on[target] = TargetFit{p.hours, true, 0.2 + 0.01 * (i % 7)};
          const std::string id = add_entry(q, e, who(t));
          for (int part = 1; part <= 2; ++part) {
            if (i - first >= finish && part == 2) break;  // stays active, its first part done
            apply_action(q, PartRef{id, part}, Action::Start, who(t));
            apply_action(q, PartRef{id, part}, Action::Done, who(t + 3600 * (1 + (i * 7 + part) % 6)));
          }
          if (i % 2) t += 600;  // pairs finish at the same times
        }
        return true;
      },
      true);
}
}  // namespace

TEST_CASE("learned summary: only the archive's tail is read, and the result equals the whole history's",
          "[queue][learn][archive]") {
  Dir d;
  QueueStore store(d.path / "queue.json");
  Time t = qtest::kT0;
  // No summary yet: the whole archive.
  run_batch(store, 1, 6, 4, t);
  CHECK_FALSE(write_after(store));
  // Then every change reads the tail only; more than kLearnedRecentRuns runs per target.
  int next = 7;
  for (int round = 0; round < 6; ++round) {
    run_batch(store, next, next + 7, 5, t);
    next += 8;
    CHECK(write_after(store));
  }
  // A change that finishes the requests left with a part to run (already learned from while active).
  const Queue written = store.transact(
      [&](Queue& q) {
        for (auto& e : std::vector<Entry>(q.requests))
          for (const auto& p : e.parts)
            if (p.state == PartState::Queued) {
              apply_action(q, PartRef{e.id, p.n}, Action::Start, who(t));
              apply_action(q, PartRef{e.id, p.n}, Action::Done, who(t + 7200));
            }
        return true;
      },
      false);
  CHECK(store.read().requests.empty());
  CHECK_FALSE(written.requests.empty());  // the change's queue in memory still holds what it archived
  CHECK(write_after(store, &written));
  const Learned l = read_learned(store.file());
  REQUIRE(l.archive);
  CHECK(l.targets.at("1x24vgb").count > static_cast<int>(kLearnedRecentRuns));
  CHECK(l.archive->bytes == static_cast<long long>(fs::file_size(archive_path(store.file()))));
}

TEST_CASE("learned summary: a replaced archive, an old summary or a request seen again read it all",
          "[queue][learn][archive]") {
  Dir d;
  QueueStore store(d.path / "queue.json");
  Time t = qtest::kT0;
  run_batch(store, 1, 8, 8, t);
  CHECK_FALSE(write_after(store));
  run_batch(store, 9, 12, 4, t);
  CHECK(write_after(store));
  const auto archive = archive_path(store.file());
  const std::string text = read_file_if_exists(archive).value_or("");

  SECTION("an archive shorter than the summary covers") {
    const auto first_line = text.substr(0, text.find('\n') + 1);
    write_file_atomic(archive, first_line);
    CHECK_FALSE(write_after(store));
  }
  SECTION("an archive of the same length but other contents at its covered end (replaced)") {
    std::string other = text;
    const auto at = other.rfind("\"title\": \"Request ");
    REQUIRE(at != std::string::npos);
    other[at + 18] = 'X';  // the last archived request's title
    write_file_atomic(archive, other);
    CHECK_FALSE(write_after(store));
  }
  SECTION("a summary written before it kept its archive part") {
    Learned old = read_learned(store.file());
    old.archive.reset();
    write_file_atomic(learned_path(store.file()), serialize_learned(old));
    CHECK_FALSE(write_after(store));
    CHECK(write_after(store));
  }
  SECTION("a summary that is not JSON") {
    write_file_atomic(learned_path(store.file()), "{");
    CHECK_FALSE(write_after(store));
  }
  SECTION("an archived request appended again") {
    const auto first_line = text.substr(0, text.find('\n') + 1);
    write_file_atomic(archive, text + first_line);
    CHECK_FALSE(write_after(store));
  }
}

TEST_CASE("learned summary: its archive part round-trips", "[queue][learn][archive]") {
  Dir d;
  QueueStore store(d.path / "queue.json");
  Time t = qtest::kT0;
  run_batch(store, 1, 30, 30, t);
  write_after(store);
  const auto file = learned_path(store.file());
  const std::string text = read_file_if_exists(file).value_or("");
  const Learned l = parse_learned(text, file.string());
  REQUIRE(l.archive);
  CHECK(l.archive->ids.size() == 30);
  CHECK(l.archive->ids.front() == "r1");
  // Its archive part is read whole (the targets' recent runs only as counts).
  const auto part = [](const std::string& s) { return s.substr(s.find("\n  \"archive\": ")); };
  CHECK(part(serialize_learned(l)) == part(text));
  CHECK(l.archive->targets.at("1x24vgb").runs.size() == kLearnedRecentRuns);
  CHECK_THROWS_AS(parse_learned(R"({"version":1,"min_runs":3,"targets":{},"archive":{"bytes":-1}})", "x"), InputError);
}
