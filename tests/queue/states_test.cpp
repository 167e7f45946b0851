#include <catch2/catch.hpp>

#include "queue/queue_fixtures.h"
#include "rwkvq/core/error.h"
#include "rwkvq/queue/states.h"

using namespace rwkvq;
using namespace rwkvq::queue;

namespace {
ChangeInfo at(Time t, std::string reason = "") { return ChangeInfo{"alice", t, std::move(reason), "", "", std::nullopt}; }
PartState st(const Queue& q, const char* id, int part) {
  return q.find(id)->parts[static_cast<std::size_t>(part - 1)].state;
}
}  // namespace

TEST_CASE("references parse", "[queue][states]") {
  CHECK(parse_part_ref("r12").id == "r12");
  CHECK(parse_part_ref("12").id == "r12");
  CHECK(parse_part_ref("r12/part2").part == 2);
  CHECK(parse_part_ref("r3/2").part == 2);
  for (const char* bad : {"", "r", "x12", "r12/", "r12/part0", "r12/partx", "r1 2"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_part_ref(bad), UsageError);
  }
}

TEST_CASE("a part runs queued -> running -> done, with history", "[queue][states]") {
  Queue q = qtest::queue_of({qtest::make(1, {2.0, 3.0})});
  ChangeInfo s = at(qtest::kT0 + 10);
  s.node = "node-a";
  CHECK(apply_action(q, parse_part_ref("r1"), Action::Start, s) == 1);
  CHECK(st(q, "r1", 1) == PartState::Running);
  CHECK(q.find("r1")->parts[0].node == "node-a");
  CHECK(request_state(*q.find("r1")) == "running");
  CHECK(apply_action(q, parse_part_ref("r1/part1"), Action::Done, at(qtest::kT0 + 20, "ok")) == 1);
  CHECK(st(q, "r1", 1) == PartState::Done);
  CHECK(request_state(*q.find("r1")) == "queued");
  CHECK(current_part(*q.find("r1")) == 1);
  const auto& h = q.find("r1")->history;
  REQUIRE(h.size() == 2);
  CHECK(h[0].action == "start");
  CHECK(h[1].action == "done");
  CHECK(h[1].reason == "ok");
  CHECK(h[1].by == "alice");
  CHECK(h[1].part == 1);
  CHECK(h[1].at == qtest::kT0 + 20);
}

TEST_CASE("illegal moves are refused and change nothing", "[queue][states]") {
  Queue q = qtest::queue_of({qtest::make(1, {2.0, 3.0}), qtest::make(2, {1.0})});
  const Queue before = q;
  CHECK_THROWS_WITH(apply_action(q, parse_part_ref("r1"), Action::Done, at(1)),
                    Catch::Contains("not running"));
  CHECK_THROWS_WITH(apply_action(q, parse_part_ref("r1/part2"), Action::Start, at(1)),
                    Catch::Contains("part 1 is queued; part 2 runs only after it is done"));
  CHECK_THROWS_WITH(apply_action(q, parse_part_ref("r1/part3"), Action::Start, at(1)),
                    Catch::Contains("no part 3"));
  CHECK_THROWS_WITH(apply_action(q, parse_part_ref("r9"), Action::Start, at(1)), Catch::Contains("no request r9"));
  ChangeInfo wrong = at(1);
  wrong.target = "8x24vgb";
  CHECK_THROWS_WITH(apply_action(q, parse_part_ref("r2"), Action::Start, wrong),
                    Catch::Contains("does not fit 8x24vgb"));
  CHECK(serialize_queue(q) == serialize_queue(before));
}

TEST_CASE("a part that fits a bigger target may start there; one that does not fit may not",
          "[queue][states]") {
  Queue q = qtest::queue_of({qtest::make(1, {6.0}), qtest::make(2, {1.0})});
  q.requests[0].parts[0].on["8x24vgb"] = TargetFit{0.8, true, std::nullopt};
  q.requests[1].parts[0].on["1x24vgb"] = TargetFit{1.0, false, std::nullopt};
  ChangeInfo big = at(1);
  big.target = "8x24vgb";
  CHECK(apply_action(q, parse_part_ref("r1"), Action::Start, big) == 1);
  CHECK(q.find("r1")->parts[0].node == "8x24vgb");
  CHECK_THROWS_WITH(apply_action(q, parse_part_ref("r2"), Action::Start, at(1)),
                    Catch::Contains("memory per GPU does not fit"));
}

TEST_CASE("a busy node is refused", "[queue][states]") {
  Queue q = qtest::queue_of({qtest::make(1, {1.0}), qtest::make(2, {1.0})});
  ChangeInfo s = at(1);
  s.node = "n1";
  apply_action(q, parse_part_ref("r1"), Action::Start, s);
  CHECK_THROWS_WITH(apply_action(q, parse_part_ref("r2"), Action::Start, s), Catch::Contains("busy with r1/part1"));
}

TEST_CASE("fail, retry, skip, reject, cancel", "[queue][states]") {
  Queue q = qtest::queue_of({qtest::make(1, {1.0, 1.0}), qtest::make(2, {1.0}), qtest::make(3, {1.0, 2.0})});
  apply_action(q, parse_part_ref("r1"), Action::Start, at(1));
  apply_action(q, parse_part_ref("r1"), Action::Fail, at(2, "OOM"));
  CHECK(request_state(*q.find("r1")) == "failed");
  CHECK(is_active(*q.find("r1")));
  apply_action(q, parse_part_ref("r1"), Action::Start, at(3));  // retry
  CHECK(st(q, "r1", 1) == PartState::Running);
  CHECK_FALSE(q.find("r1")->parts[0].finished);

  // skip: back of the line, reason kept
  apply_action(q, parse_part_ref("r2"), Action::Skip, at(500, "dataset link down"));
  CHECK(st(q, "r2", 1) == PartState::Skipped);
  CHECK(q.find("r2")->since == 500);
  CHECK(q.find("r2")->submitted == qtest::kT0);
  CHECK(q.find("r2")->history.back().reason == "dataset link down");
  CHECK_THROWS_WITH(apply_action(q, parse_part_ref("r1"), Action::Skip, at(4)), Catch::Contains("running"));
  CHECK_THROWS_WITH(apply_action(q, parse_part_ref("r3/part2"), Action::Skip, at(4)),
                    Catch::Contains("not the request's next part"));
  apply_action(q, parse_part_ref("r2"), Action::Start, at(600));  // a skipped part can start
  CHECK(st(q, "r2", 1) == PartState::Running);

  // reject: this part and later ones; a running part must be cancelled instead
  CHECK_THROWS_WITH(apply_action(q, parse_part_ref("r2"), Action::Reject, at(5)), Catch::Contains("running"));
  apply_action(q, parse_part_ref("r3"), Action::Reject, at(5, "NSFW"));
  CHECK(st(q, "r3", 1) == PartState::Rejected);
  CHECK(st(q, "r3", 2) == PartState::Rejected);
  CHECK(request_state(*q.find("r3")) == "rejected");
  CHECK_FALSE(is_active(*q.find("r3")));
  CHECK_THROWS_WITH(apply_action(q, parse_part_ref("r3"), Action::Cancel, at(6)), Catch::Contains("already rejected"));

  // cancel a running part
  apply_action(q, parse_part_ref("r2"), Action::Cancel, at(7, "contributor withdrew"));
  CHECK(st(q, "r2", 1) == PartState::Cancelled);
  CHECK(q.find("r2")->parts[0].finished == 7);
  // done requests cannot move
  apply_action(q, parse_part_ref("r1"), Action::Done, at(8));
  apply_action(q, parse_part_ref("r1"), Action::Start, at(9));
  apply_action(q, parse_part_ref("r1"), Action::Done, at(10));
  CHECK(request_state(*q.find("r1")) == "done");
  CHECK_THROWS_WITH(apply_action(q, parse_part_ref("r1"), Action::Start, at(11)), Catch::Contains("is done"));
  CHECK_THROWS_WITH(apply_action(q, parse_part_ref("r1/part1"), Action::Start, at(11)),
                    Catch::Contains("it is done"));
}

TEST_CASE("bump adds to the boost and records it", "[queue][states]") {
  Queue q = qtest::queue_of({qtest::make(1, {1.0})});
  CHECK(bump(q, "r1", 5, at(1)) == 5);
  CHECK(bump(q, "1", -2, at(2)) == 3);
  CHECK(q.find("r1")->history.back().action == "bump");
  CHECK_THROWS_AS(bump(q, "r2", 1, at(3)), Refused);
}
