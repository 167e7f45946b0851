#include <catch2/catch.hpp>

#include <filesystem>

#include "estimate/request_builder.h"
#include "queue/queue_fixtures.h"
#include "rwkvq/core/error.h"
#include "rwkvq/estimate/estimate.h"
#include "rwkvq/estimate/params.h"
#include "rwkvq/queue/duration.h"
#include "rwkvq/queue/intake.h"
#include "rwkvq/queue/learn.h"
#include "rwkvq/queue/states.h"

using namespace rwkvq;
using namespace rwkvq::queue;
using rwkvq::testing::RequestBuilder;

namespace {

ChangeInfo when(Time t) { return ChangeInfo{"maintainer", t, "", "", "", std::nullopt}; }

// A small request: 0.19B World, 2000 steps × 8 × ctx 4096 (≈ 1 h on 1x24vgb with the default 0.25).
Request small_request() {
  RequestBuilder b;
  b.init_model(3, 12, 768, kVocabWorld, "/repo/model/L12-D768-world-init.pth");
  b.train(5, "../model/L12-D768-world-init.pth", 4096, "deepspeed_stage_2", 2000, 8, 1);
  return b.req;
}

double hours_on(const RequestEstimate& e, const std::string& target) {
  const TargetEstimate* t = e.parts.at(0).stages.at(0).on(target);
  REQUIRE(t);
  REQUIRE(t->hours);
  return *t->hours;
}

// A queue in which `runs` copies of the small request ran on `target`, each taking `factor`
// times its estimate there.
Queue history(int runs, double factor, const Settings& s, const std::string& target = "1x24vgb") {
  Queue q;
  const Request req = small_request();
  const RequestEstimate est = estimate_request(req, s, {});
  for (int i = 0; i < runs; ++i) {
    IntakeOptions io;
    io.target = target;
    Entry e = make_entry(req, est, io);
    e.folder = "/requests/" + std::to_string(i);
    const Time t0 = qtest::kT0 + i * 86400;
    const std::string id = add_entry(q, e, when(t0));
    const Part& p = q.find(id)->parts[0];
    REQUIRE(p.on.at(target).hours);
    const double est_h = *p.on.at(target).hours;
    apply_action(q, PartRef{id, 1}, Action::Start, when(t0 + 60));
    apply_action(q, PartRef{id, 1}, Action::Done,
                 when(t0 + 60 + static_cast<Time>(est_h * factor * 3600.0)));
  }
  return q;
}

}  // namespace

TEST_CASE("five runs that took twice their estimate double the next estimate on that target only",
          "[queue][learn]") {
  const Settings base = default_settings();
  const RequestEstimate before = estimate_request(small_request(), base, {});
  const double h1 = hours_on(before, "1x24vgb"), h8 = hours_on(before, "8x24vgb");
  CHECK(h1 > 0.5);
  CHECK(h1 < 6);

  const Queue q = history(5, 2.0, base);
  const Learned l = learn_from_queue(q);
  REQUIRE(l.on("1x24vgb"));
  CHECK(l.on("1x24vgb")->runs == 5);
  CHECK(l.on("1x24vgb")->utilisation == Approx(base.limits.utilisation / 2).epsilon(0.02));
  CHECK_FALSE(l.on("8x24vgb"));  // nothing ran there

  Settings learned = base;
  learned.learned = l.usable();
  const RequestEstimate after = estimate_request(small_request(), learned, {});
  CHECK(hours_on(after, "1x24vgb") == Approx(2 * h1).epsilon(0.05));
  CHECK(hours_on(after, "8x24vgb") == Approx(h8).epsilon(1e-9));
  const TargetEstimate* t1 = after.parts[0].stages[0].on("1x24vgb");
  CHECK(t1->utilisation == Approx(0.125).epsilon(0.02));
  CHECK_THAT(t1->utilisation_source, Catch::Matches("0\\.1[23] learned from 5 runs on 1x24vgb"));
  CHECK(after.parts[0].stages[0].on("8x24vgb")->utilisation_source == "limits.utilisation");

  // limits.learn: false (and --no-learn, which leaves settings.learned empty) turn it off.
  learned.limits.learn = false;
  CHECK(hours_on(estimate_request(small_request(), learned, {}), "1x24vgb") == Approx(h1));
}

TEST_CASE("the queue's unfinished parts follow what is learned, on their own target only", "[queue][learn]") {
  const Settings base = default_settings();
  Queue q = history(5, 2.0, base);
  const Request req = small_request();
  const RequestEstimate est = estimate_request(req, base, {});
  Entry waiting = make_entry(req, est, IntakeOptions{});
  waiting.folder = "/requests/waiting";
  const std::string id = add_entry(q, waiting, when(qtest::kT0 + 10 * 86400));
  const double h1 = *q.find(id)->parts[0].on.at("1x24vgb").hours;
  const double h8 = *q.find(id)->parts[0].on.at("8x24vgb").hours;
  REQUIRE(q.find(id)->target == "1x24vgb");

  apply_learned(q, learn_from_queue(q).usable());
  const Part& p = q.find(id)->parts[0];
  CHECK(*p.on.at("1x24vgb").hours == Approx(2 * h1).epsilon(0.05));
  CHECK(*p.hours == Approx(2 * h1).epsilon(0.05));  // the request's own target
  CHECK(*p.on.at("8x24vgb").hours == Approx(h8));
  // Done parts keep the estimate they were made with.
  CHECK(*q.find("r1")->parts[0].on.at("1x24vgb").hours == Approx(h1));
}

TEST_CASE("learning needs three runs, ignores very short ones, and takes the median", "[queue][learn]") {
  const Settings base = default_settings();
  CHECK_FALSE(learn_from_queue(history(2, 2.0, base)).on("1x24vgb"));
  CHECK(learn_from_queue(history(3, 2.0, base)).on("1x24vgb"));

  // One outlier (a run 10× its estimate) does not move the median of five.
  Queue q = history(4, 2.0, base);
  Queue slow = history(1, 10.0, base);
  Entry e = slow.requests[0];
  e.id = "r99";
  q.requests.push_back(e);
  CHECK(learn_from_queue(q).on("1x24vgb")->utilisation == Approx(base.limits.utilisation / 2).epsilon(0.02));

  // A run done within minutes of its start teaches nothing (start-up dominates, or a mistake).
  Queue quick;
  Entry r = qtest::make(1, {2.0});
  r.parts[0].on["1x24vgb"] = TargetFit{2.0, true, 0.25};
  quick.requests.push_back(r);
  apply_action(quick, PartRef{"r1", 1}, Action::Start, when(qtest::kT0));
  apply_action(quick, PartRef{"r1", 1}, Action::Done, when(qtest::kT0 + 120));
  CHECK_FALSE(learned_run(quick.requests[0], quick.requests[0].parts[0]));

  // Faster than the peak allows is capped at 1.
  CHECK(learn_from_queue(history(3, 0.2, base)).on("1x24vgb")->utilisation == Approx(1.0));

  // A queue written before the assumed utilisation was recorded teaches nothing.
  Queue old = history(3, 2.0, base);
  for (auto& x : old.requests) x.parts[0].on["1x24vgb"].utilisation.reset();
  CHECK(learn_from_queue(old).targets.empty());
}

TEST_CASE("the learned summary round-trips and refuses nonsense", "[queue][learn]") {
  const Learned l = learn_from_queue(history(4, 2.0, default_settings()));
  const std::string text = serialize_learned(l);
  const Learned back = parse_learned(text, "q.learned.json");
  REQUIRE(back.on("1x24vgb"));
  CHECK(back.on("1x24vgb")->runs == 4);
  CHECK(back.on("1x24vgb")->utilisation == Approx(l.on("1x24vgb")->utilisation));
  CHECK(learned_path("/x/queue.json") == std::filesystem::path("/x/queue.learned.json"));
  CHECK_THROWS_AS(parse_learned("{", "f"), InputError);
  CHECK_THROWS_AS(parse_learned("{\"version\": 2, \"targets\": {}}", "f"), InputError);
  CHECK_THROWS_AS(parse_learned("{\"version\": 1, \"targets\": {\"a\": {\"utilisation\": 3, \"runs\": 4}}}", "f"),
                  InputError);
  CHECK_THROWS_AS(parse_learned("[1]", "f"), InputError);
}

TEST_CASE("done parts keep their real hours; --at records a run after the fact", "[queue][learn]") {
  Queue q = qtest::queue_of({qtest::make(1, {2.0, 3.0})});
  const Time now = qtest::kT0 + 10 * 3600;
  ChangeInfo s = when(now);
  s.at = now - 5 * 3600;
  apply_action(q, PartRef{"r1", 0}, Action::Start, s);
  const Part& p = q.find("r1")->parts[0];
  CHECK(*p.started == now - 5 * 3600);
  CHECK(p.ran_on == "1x24vgb");
  REQUIRE(q.find("r1")->history.back().recorded);
  CHECK(*q.find("r1")->history.back().recorded == now);

  ChangeInfo future = when(now);
  future.at = now + 60;
  CHECK_THROWS_WITH(apply_action(q, PartRef{"r1", 0}, Action::Done, future), Catch::Contains("in the future"));
  ChangeInfo early = when(now);
  early.at = now - 6 * 3600;
  CHECK_THROWS_WITH(apply_action(q, PartRef{"r1", 0}, Action::Done, early), Catch::Contains("before the part started"));
  CHECK(q.find("r1")->parts[0].state == PartState::Running);  // refused: unchanged
  // Without --at the end is the clock here: one behind the start (another machine's) is refused,
  // for done and fail alike, rather than recording negative hours.
  for (Action a : {Action::Done, Action::Fail})
    CHECK_THROWS_WITH(apply_action(q, PartRef{"r1", 0}, a, when(now - 6 * 3600)),
                      Catch::Contains("after this machine's clock") && Catch::Contains("--at"));
  CHECK(q.find("r1")->parts[0].state == PartState::Running);
  CHECK_FALSE(q.find("r1")->parts[0].real_hours);

  ChangeInfo d = when(now);
  d.at = now - 3600;
  apply_action(q, PartRef{"r1", 0}, Action::Done, d);
  CHECK(*q.find("r1")->parts[0].real_hours == Approx(4.0));
  // Part 2 cannot start before part 1 finished.
  ChangeInfo s2 = when(now);
  s2.at = now - 2 * 3600;
  CHECK_THROWS_WITH(apply_action(q, PartRef{"r1", 2}, Action::Start, s2), Catch::Contains("before part 1 finished"));
  // Only start, done and fail take a time.
  CHECK_THROWS_WITH(apply_action(q, PartRef{"r1", 2}, Action::Skip, d), Catch::Contains("only for start"));

  // The new fields survive the file.
  const Queue back = parse_queue(serialize_queue(q), "q.json");
  CHECK(*back.find("r1")->parts[0].real_hours == Approx(4.0));
  CHECK(back.find("r1")->parts[0].ran_on == "1x24vgb");
  CHECK(back.find("r1")->history[1].recorded == q.find("r1")->history[1].recorded);
}

TEST_CASE("times given with --at: ISO-8601 or a duration ago", "[queue][learn]") {
  const Time now = qtest::kT0;
  CHECK(parse_at("3h ago", now) == now - 3 * 3600);
  CHECK(parse_at("1h30m ago", now) == now - 5400);
  CHECK(parse_at("now", now) == now);
  CHECK(parse_at("2024-05-01T10:00Z", now) == now - 2 * 3600);
  CHECK_FALSE(parse_at("3 ago", now));
  CHECK_FALSE(parse_at("yesterday", now));
  CHECK_FALSE(parse_at("", now));
}
