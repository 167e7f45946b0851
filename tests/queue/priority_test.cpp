#include <catch2/catch.hpp>

#include "queue/queue_fixtures.h"
#include "rwkvq/queue/priority.h"

using namespace rwkvq;
using namespace rwkvq::queue;

TEST_CASE("each factor is normalised and weighted", "[queue][priority]") {
  PriorityWeights w;  // kind 1000, shortness 500, age 300, boost 100, 14 days, 12 h
  Entry e = qtest::make(1, {3.0}, "community-priority");
  e.boost = 5;
  const auto f = compute_priority(e, w, qtest::kT0 + 7 * 86400);
  CHECK(f.kind == Approx(0.6));
  CHECK(f.shortness == Approx(0.75));
  CHECK(f.age == Approx(0.5));
  CHECK(f.boost == Approx(0.5));
  CHECK(f.kind_part == Approx(600));
  CHECK(f.shortness_part == Approx(375));
  CHECK(f.age_part == Approx(150));
  CHECK(f.boost_part == Approx(50));
  CHECK(f.total == Approx(1175));
  CHECK(f.part == 1);
}

TEST_CASE("factors saturate and handle unknowns", "[queue][priority]") {
  PriorityWeights w;
  Entry e = qtest::make(1, {20.0}, "no-such-kind");
  e.boost = -50;
  auto f = compute_priority(e, w, qtest::kT0 + 100 * 86400);
  CHECK(f.kind == 0);
  CHECK(f.shortness == 0);  // longer than the scale
  CHECK(f.age == 1);        // capped
  CHECK(f.boost == -1);     // clamped
  e.parts[0].hours.reset();
  CHECK(compute_priority(e, w, qtest::kT0).shortness == Approx(0.5));  // unknown: neutral
  CHECK(compute_priority(e, w, qtest::kT0 - 3600).age == 0);            // clock skew: no negative age
}

TEST_CASE("shortness looks at the current part", "[queue][priority]") {
  PriorityWeights w;
  Entry e = qtest::make(1, {11.0, 1.0});
  CHECK(compute_priority(e, w, qtest::kT0).shortness == Approx(1.0 / 12));
  e.parts[0].state = PartState::Done;
  const auto f = compute_priority(e, w, qtest::kT0);
  CHECK(f.part == 2);
  CHECK(f.shortness == Approx(11.0 / 12));
}

TEST_CASE("weights come from the settings", "[queue][priority]") {
  PriorityWeights w;
  w.kind = 0;
  w.shortness = 0;
  w.age = 0;
  w.boost = 1;
  Entry e = qtest::make(1, {1.0}, "rwkv-x");
  e.boost = 10;
  CHECK(compute_priority(e, w, qtest::kT0 + 86400).total == Approx(1));
}

TEST_CASE("ranking: priority, then since, then id number; inactive last", "[queue][priority]") {
  PriorityWeights w;
  Queue q = qtest::queue_of({qtest::make(10, {2.0}), qtest::make(9, {2.0}), qtest::make(2, {2.0}, "community", "1x24vgb", qtest::kT0 - 5),
                             qtest::make(4, {2.0}, "rwkv-x"), qtest::make(5, {2.0})});
  q.requests[4].parts[0].state = PartState::Done;
  const Time now = qtest::kT0;  // ages equal at 0 (r2 is 5 s older: its age is ~0 too but > 0)
  w.age = 0;  // make r2's earlier submission matter only as a tie-break
  auto ranked = rank_queue(q, w, now);
  REQUIRE(ranked.size() == 4);
  CHECK(ranked[0].entry->id == "r4");  // kind
  CHECK(ranked[1].entry->id == "r2");  // earlier since
  CHECK(ranked[2].entry->id == "r9");  // id 9 < 10 (numerically, not as text)
  CHECK(ranked[3].entry->id == "r10");
  auto all = rank_queue(q, w, now, true);
  REQUIRE(all.size() == 5);
  CHECK(all.back().entry->id == "r5");
}

TEST_CASE("a skipped request goes behind its equals", "[queue][priority]") {
  PriorityWeights w;
  Queue q = qtest::queue_of({qtest::make(1, {2.0}), qtest::make(2, {2.0})});
  q.requests[0].since = qtest::kT0 + 3600;  // skipped an hour later
  q.requests[0].parts[0].state = PartState::Skipped;
  auto ranked = rank_queue(q, w, qtest::kT0 + 7200);
  CHECK(ranked[0].entry->id == "r2");
  CHECK(ranked[1].entry->id == "r1");
}
