#include <catch2/catch.hpp>

#include "queue/queue_fixtures.h"
#include "rwkvq/core/error.h"
#include "rwkvq/queue/scheduler.h"

using namespace rwkvq;
using namespace rwkvq::queue;

namespace {
PriorityWeights weights() {
  PriorityWeights w;
  w.age = 0;  // deterministic tests: no age drift
  return w;
}
}  // namespace

TEST_CASE("next proposes the best runnable part for the target", "[queue][scheduler]") {
  Queue q = qtest::queue_of({qtest::make(1, {3.0}, "community"), qtest::make(2, {5.0}, "rwkv-x"),
                             qtest::make(3, {1.0}, "rwkv-x", "8x24vgb")});
  auto r = next_part(q, weights(), "1x24vgb", std::nullopt, qtest::kT0);
  REQUIRE(r.chosen);
  CHECK(r.chosen->entry->id == "r2");
  CHECK(r.chosen->part == 1);
  REQUIRE(r.passed.size() == 1);  // r3 ranks higher but wants 8x24vgb
  CHECK(r.passed[0].candidate.entry->id == "r3");
  CHECK(r.passed[0].reason == PassReason::WrongTarget);
  auto r8 = next_part(q, weights(), "8x24vgb", std::nullopt, qtest::kT0);
  REQUIRE(r8.chosen);
  CHECK(r8.chosen->entry->id == "r3");
}

TEST_CASE("with a window, next backfills and says why better parts were passed", "[queue][scheduler]") {
  Queue q = qtest::queue_of({qtest::make(1, {5.0}, "rwkv-x"), qtest::make(2, {std::nullopt}, "rwkv-x"),
                             qtest::make(3, {2.0, 2.0}, "rwkv-x"), qtest::make(4, {3.5}, "community"),
                             qtest::make(5, {1.0}, "community")});
  q.requests[2].parts[0].state = PartState::Running;
  q.requests[2].parts[0].node = "n7";
  auto r = next_part(q, weights(), "1x24vgb", 4.0, qtest::kT0);
  REQUIRE(r.chosen);
  // r5 (1 h) ranks above r4 (3.5 h) by shortness, and fits
  CHECK(r.chosen->entry->id == "r5");
  REQUIRE(r.passed.size() == 3);
  CHECK(r.passed[0].candidate.entry->id == "r3");
  CHECK(r.passed[0].reason == PassReason::Waiting);
  CHECK(r.passed[0].candidate.part == 2);
  CHECK_THAT(r.passed[0].why, Catch::Contains("running on n7"));
  // r1 (5 h: shortness 0.58) ranks above r2 (unknown hours: shortness 0.5)
  CHECK(r.passed[1].candidate.entry->id == "r1");
  CHECK(r.passed[1].reason == PassReason::TooLong);
  CHECK_THAT(r.passed[1].why, Catch::Contains("needs 5h, the window is 4h"));
  CHECK(r.passed[2].candidate.entry->id == "r2");
  CHECK(r.passed[2].reason == PassReason::UnknownEstimate);

  // Without a window, the best queued part wins even when long or unknown.
  auto nw = next_part(q, weights(), "1x24vgb", std::nullopt, qtest::kT0);
  REQUIRE(nw.chosen);
  CHECK(nw.chosen->entry->id == "r1");

  // A window nothing fits: no proposal, every part listed.
  auto none = next_part(q, weights(), "1x24vgb", 0.5, qtest::kT0);
  CHECK_FALSE(none.chosen);
  CHECK(none.passed.size() == 5);
}

TEST_CASE("failed parts block their request in next", "[queue][scheduler]") {
  Queue q = qtest::queue_of({qtest::make(1, {1.0}, "rwkv-x"), qtest::make(2, {1.0})});
  q.requests[0].parts[0].state = PartState::Failed;
  auto r = next_part(q, weights(), "1x24vgb", std::nullopt, qtest::kT0);
  REQUIRE(r.chosen);
  CHECK(r.chosen->entry->id == "r2");
  CHECK(r.passed.at(0).reason == PassReason::Failed);
}

TEST_CASE("node lists parse", "[queue][scheduler]") {
  auto n = parse_nodes("1x24vgb=2, 8x24vgb,1x24vgb=1");
  REQUIRE(n.size() == 2);
  CHECK(n[0].target == "1x24vgb");
  CHECK(n[0].count == 3);
  CHECK(n[1].count == 1);
  for (const char* bad : {"", ",", "=2", "1x24vgb=0", "1x24vgb=x", "1x24vgb=2x"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_nodes(bad), UsageError);
  }
}

TEST_CASE("plan respects part order and fills idle nodes", "[queue][scheduler]") {
  // r1 (best): two parts of 2 h; r2: one part of 3 h; r3: 1 h part that only 8x24vgb runs.
  Queue q = qtest::queue_of({qtest::make(1, {2.0, 2.0}, "rwkv-x"), qtest::make(2, {3.0}, "community"),
                             qtest::make(3, {1.0}, "community", "8x24vgb")});
  const Time from = qtest::kT0;
  auto p = plan_queue(q, weights(), parse_nodes("1x24vgb=2,8x24vgb=1"), from, from);
  REQUIRE(p.items.size() == 4);
  auto find = [&](const char* id, int part) -> const PlanItem& {
    for (const auto& it : p.items)
      if (it.entry->id == id && it.part == part) return it;
    FAIL("missing " << id << "/" << part);
    return p.items[0];
  };
  const auto& a1 = find("r1", 1);
  const auto& a2 = find("r1", 2);
  const auto& b = find("r2", 1);
  const auto& c = find("r3", 1);
  CHECK(a1.start == from);
  CHECK(a2.start >= a1.end);  // dependency
  CHECK(a2.start == from + 2 * 3600);
  CHECK(b.start == from);     // the second 1x24vgb node backfills while r1/part2 waits
  CHECK(b.node != a1.node);
  CHECK(c.node == "8x24vgb");
  CHECK(c.start == from);
  CHECK(p.end == from + 4 * 3600);
  CHECK(p.unplanned.empty());
}

TEST_CASE("plan: one node runs parts in priority order, dependencies wait", "[queue][scheduler]") {
  Queue q = qtest::queue_of({qtest::make(1, {1.0, 1.0}, "rwkv-x"), qtest::make(2, {1.0}, "community")});
  auto p = plan_queue(q, weights(), parse_nodes("1x24vgb"), qtest::kT0, qtest::kT0);
  REQUIRE(p.items.size() == 3);
  CHECK(p.items[0].entry->id == "r1");
  CHECK(p.items[1].entry->id == "r1");  // part 2 is ready when part 1 ends and outranks r2
  CHECK(p.items[1].part == 2);
  CHECK(p.items[2].entry->id == "r2");
  CHECK(p.items[2].start == qtest::kT0 + 2 * 3600);
}

TEST_CASE("plan: running parts hold their node; unknowns and failures are not planned",
          "[queue][scheduler]") {
  Queue q = qtest::queue_of({qtest::make(1, {4.0, 1.0}, "rwkv-x"), qtest::make(2, {std::nullopt, 1.0}),
                             qtest::make(3, {1.0}), qtest::make(4, {1.0}, "community", "2x80gb")});
  q.requests[0].parts[0].state = PartState::Running;
  q.requests[0].parts[0].node = "1x24vgb";
  q.requests[0].parts[0].started = qtest::kT0 - 3600;  // 3 h left
  q.requests[2].parts[0].state = PartState::Failed;
  auto p = plan_queue(q, weights(), parse_nodes("1x24vgb"), qtest::kT0, qtest::kT0);
  REQUIRE(p.items.size() == 2);
  CHECK(p.items[0].running);
  CHECK(p.items[0].end == qtest::kT0 + 3 * 3600);
  CHECK(p.items[1].entry->id == "r1");
  CHECK(p.items[1].part == 2);
  CHECK(p.items[1].start == qtest::kT0 + 3 * 3600);
  REQUIRE(p.unplanned.size() == 4);
  std::map<std::string, std::string> why;
  for (const auto& u : p.unplanned) why[u.entry->id + "/" + std::to_string(u.part)] = u.why;
  CHECK_THAT(why["r2/1"], Catch::Contains("no estimate"));
  CHECK_THAT(why["r2/2"], Catch::Contains("waits for part 1"));
  CHECK_THAT(why["r3/1"], Catch::Contains("failed"));
  CHECK_THAT(why["r4/1"], Catch::Contains("fits none of the planned nodes"));
}

TEST_CASE("plan: an overdue running part is assumed to end now", "[queue][scheduler]") {
  Queue q = qtest::queue_of({qtest::make(1, {1.0})});
  q.requests[0].parts[0].state = PartState::Running;
  q.requests[0].parts[0].started = qtest::kT0 - 5 * 3600;
  auto p = plan_queue(q, weights(), parse_nodes("1x24vgb"), qtest::kT0, qtest::kT0);
  REQUIRE(p.items.size() == 1);
  CHECK(p.items[0].overdue);
  CHECK(p.items[0].end == qtest::kT0);
}

TEST_CASE("plan: a running part stays on a node of the target it was started on", "[queue][scheduler]") {
  // Started by hand on "gpu-node-3" (no plan node has that name) as a 1x24vgb run: it belongs on
  // the 1x24vgb lane, with its 1x24vgb hours, even though the faster 8x24vgb node is free first.
  Queue q = qtest::queue_of({qtest::make(1, {4.0})});
  auto& part = q.requests[0].parts[0];
  part.on["1x24vgb"] = TargetFit{4.0, true, std::nullopt};
  part.on["8x24vgb"] = TargetFit{1.0, true, std::nullopt};
  part.state = PartState::Running;
  part.node = "gpu-node-3";
  part.ran_on = "1x24vgb";
  part.started = qtest::kT0 - 3600;
  auto p = plan_queue(q, weights(), parse_nodes("8x24vgb,1x24vgb"), qtest::kT0, qtest::kT0);
  REQUIRE(p.items.size() == 1);
  CHECK(p.items[0].node == "1x24vgb");
  CHECK(p.items[0].end == qtest::kT0 + 3 * 3600);
  CHECK(!p.items[0].overdue);
  // A second 1x24vgb run while the plan's one 1x24vgb node is taken: the free 8x24vgb node
  // holds it, with the hours of the 1x24vgb it really runs on (not 8x24vgb's 1 h: not overdue).
  Entry second = q.requests[0];
  second.id = "r2";
  q.requests.push_back(second);
  p = plan_queue(q, weights(), parse_nodes("8x24vgb,1x24vgb"), qtest::kT0, qtest::kT0);
  REQUIRE(p.items.size() == 2);
  CHECK(p.items[0].node != p.items[1].node);
  for (const auto& it : p.items) {
    CHECK(it.end == qtest::kT0 + 3 * 3600);
    CHECK(!it.overdue);
  }
  // Without ran_on (a queue written before it was recorded): the earliest free node it fits.
  q.requests.pop_back();
  q.requests[0].parts[0].ran_on.clear();
  p = plan_queue(q, weights(), parse_nodes("8x24vgb,1x24vgb"), qtest::kT0, qtest::kT0);
  REQUIRE(p.items.size() == 1);
  CHECK(p.items[0].node == "8x24vgb");
}

namespace {
// A part estimated on both runner targets (hours; both fit).
void on_both(Entry& e, int part, double h1, double h8) {
  auto& p = e.parts.at(static_cast<std::size_t>(part - 1));
  p.on["1x24vgb"] = TargetFit{h1, true, std::nullopt};
  p.on["8x24vgb"] = TargetFit{h8, true, std::nullopt};
}
const PlanItem& item_of(const Plan& p, const char* id, int part) {
  for (const auto& it : p.items)
    if (it.entry->id == id && it.part == part) return it;
  FAIL("missing " << id << "/" << part);
  return p.items.at(0);
}
}  // namespace

TEST_CASE("plan: a part goes to the node where it finishes earliest, not the first free one",
          "[queue][scheduler]") {
  // The reported case: r2/part2 took 2h07m on 1x24vgb while 8x24vgb idled (it would take 16m).
  Queue q = qtest::queue_of({qtest::make(2, {2.12}, "community-priority")});
  on_both(q.requests[0], 1, 2.12, 0.27);
  const Time from = qtest::kT0;
  auto p = plan_queue(q, weights(), parse_nodes("1x24vgb=1,8x24vgb=1"), from, from);
  REQUIRE(p.items.size() == 1);
  CHECK(p.items[0].node == "8x24vgb");
  CHECK(p.items[0].start == from);
  CHECK(p.items[0].end == from + 972);  // 0.27 h
  CHECK(p.end == from + 972);
}

TEST_CASE("plan: the best part waits for a faster busy node; the free one backfills",
          "[queue][scheduler]") {
  // r9 runs on 8x24vgb for 30 more minutes. r1 (rwkv-x, best) takes 4 h on 1x24vgb but 30 m on
  // 8x24vgb: it waits for 8x24vgb (ends at +1 h). r2 (community, 1x24vgb only) starts at once
  // on the idle 1x24vgb.
  Queue q = qtest::queue_of({qtest::make(1, {4.0, 4.0}, "rwkv-x"), qtest::make(2, {1.0}, "community"),
                             qtest::make(9, {1.0}, "community", "8x24vgb")});
  on_both(q.requests[0], 1, 4.0, 0.5);
  on_both(q.requests[0], 2, 4.0, 0.5);
  q.requests[2].parts[0].state = PartState::Running;
  q.requests[2].parts[0].node = "8x24vgb";
  q.requests[2].parts[0].started = qtest::kT0 - 1800;
  const Time from = qtest::kT0;
  auto p = plan_queue(q, weights(), parse_nodes("1x24vgb,8x24vgb"), from, from);
  REQUIRE(p.items.size() == 4);
  const auto& a1 = item_of(p, "r1", 1);
  const auto& a2 = item_of(p, "r1", 2);
  const auto& b = item_of(p, "r2", 1);
  CHECK(a1.node == "8x24vgb");
  CHECK(a1.start == from + 1800);
  CHECK(a1.end == from + 3600);
  CHECK(a2.node == "8x24vgb");  // its dependency: starts when part 1 ends
  CHECK(a2.start == a1.end);
  CHECK(a2.end == from + 5400);
  CHECK(b.node == "1x24vgb");
  CHECK(b.start == from);
  CHECK(p.end == from + 5400);
  CHECK(p.unplanned.empty());
}

TEST_CASE("plan: equal ends go to the smaller target; priority order is kept", "[queue][scheduler]") {
  // 8x24vgb is busy for 30 m; r1 ends at +1 h on either node: the smaller 1x24vgb takes it.
  // r2 (lower priority) then takes 8x24vgb when it falls free.
  Queue q = qtest::queue_of({qtest::make(1, {1.0}, "rwkv-x"), qtest::make(2, {1.0}, "community"),
                             qtest::make(9, {1.0}, "community", "8x24vgb")});
  on_both(q.requests[0], 1, 1.0, 0.5);
  on_both(q.requests[1], 1, 1.0, 0.5);
  q.requests[2].parts[0].state = PartState::Running;
  q.requests[2].parts[0].node = "8x24vgb";
  q.requests[2].parts[0].started = qtest::kT0 - 1800;
  const Time from = qtest::kT0;
  // Listed biggest first, so the tie is not decided by the order of the nodes.
  auto p = plan_queue(q, weights(), parse_nodes("8x24vgb,1x24vgb"), from, from);
  REQUIRE(p.items.size() == 3);
  CHECK(item_of(p, "r1", 1).node == "1x24vgb");
  CHECK(item_of(p, "r1", 1).end == from + 3600);
  CHECK(item_of(p, "r2", 1).node == "8x24vgb");
  CHECK(item_of(p, "r2", 1).start == from + 1800);
  CHECK(item_of(p, "r2", 1).end == from + 3600);
}
