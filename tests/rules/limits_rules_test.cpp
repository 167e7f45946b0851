#include <catch2/catch.hpp>

#include "estimate/request_builder.h"
#include "rwkvq/estimate/estimate.h"
#include "rwkvq/estimate/params.h"
#include "rwkvq/rules/rule.h"

using namespace rwkvq;
using rwkvq::testing::RequestBuilder;

namespace {
std::vector<Finding> run(const std::string& rule_id, const Request& req, const Settings& s,
                         const EstimateOptions& opt = {}) {
  RequestEstimate est = estimate_request(req, s, opt);
  RuleContext ctx{s, &est, opt.target};
  const Rule* r = find_rule(rule_id);
  REQUIRE(r);
  std::vector<Finding> out;
  r->check(req, ctx, out);
  for (const auto& f : out) CHECK(f.rule == rule_id);
  return out;
}
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// A request training a model of shape L×D with the given strategy and max_steps.
RequestBuilder request(long long L, long long D, long long V, const std::string& strategy, long long steps,
                       long long ctx = 4096) {
  RequestBuilder b;
  b.init_model(2, L, D, V, "/repo/model/init.pth");
  b.train(3, "../model/init.pth", ctx, strategy, steps, 8);
  return b;
}
}  // namespace

TEST_CASE("limits rules are registered with their severities", "[limits]") {
  REQUIRE(find_rule("limits/model-size"));
  CHECK(find_rule("limits/model-size")->default_severity() == Severity::Warning);
  CHECK(find_rule("limits/stage3-penalty")->default_severity() == Severity::Warning);
  CHECK(find_rule("limits/hours")->default_severity() == Severity::Error);
  CHECK(find_rule("limits/vram")->default_severity() == Severity::Error);
}

TEST_CASE("limits/model-size", "[limits]") {
  Settings s = default_settings();
  SECTION("1.5B class does not trip") {
    auto b = request(24, 2048, kVocabWorld, "deepspeed_stage_2", 100);  // 1.58B
    CHECK(run("limits/model-size", b.req, s).empty());
  }
  SECTION("3B trips, saying the estimate and its source") {
    auto b = request(32, 2560, kVocabWorld, "deepspeed_stage_3", 100);
    auto f = run("limits/model-size", b.req, s);
    REQUIRE(f.size() == 1);
    CHECK(contains(f[0].message, "3.06B"));
    CHECK(contains(f[0].message, "init_model.py arguments (cell 2)"));
    CHECK(f[0].loc.cell == 3);
    CHECK(f[0].severity == Severity::Warning);
  }
  SECTION("the threshold comes from the settings") {
    s.limits.max_params = 1e9;
    auto b = request(24, 2048, kVocabNeox, "deepspeed_stage_2", 100);
    CHECK(run("limits/model-size", b.req, s).size() == 1);
  }
  SECTION("unknown size does not trip") {
    RequestBuilder b;
    b.train(3, "../model/mystery.pth");
    CHECK(run("limits/model-size", b.req, s).empty());
  }
  SECTION("no estimate: silent") {
    auto b = request(32, 2560, kVocabWorld, "deepspeed_stage_3", 100);
    RuleContext ctx{s, nullptr, std::nullopt};
    std::vector<Finding> out;
    find_rule("limits/model-size")->check(b.req, ctx, out);
    CHECK(out.empty());
  }
}

TEST_CASE("limits/stage3-penalty", "[limits]") {
  Settings s = default_settings();
  SECTION("a 1.5B model with stage 2 does not trip") {
    auto b = request(24, 2048, kVocabNeox, "deepspeed_stage_2", 100);
    CHECK(run("limits/stage3-penalty", b.req, s).empty());
  }
  SECTION("a 3B model trips even without stage 3") {
    auto b = request(32, 2560, kVocabWorld, "deepspeed_stage_2", 100);
    auto f = run("limits/stage3-penalty", b.req, s);
    REQUIRE(f.size() == 1);
    CHECK(contains(f[0].message, "need DeepSpeed stage 3"));
  }
  SECTION("stage 3 for a model that fits without it") {
    auto b = request(24, 2048, kVocabNeox, "deepspeed_stage_3", 100);
    auto f = run("limits/stage3-penalty", b.req, s);
    REQUIRE(f.size() == 1);
    CHECK(contains(f[0].message, "fits with deepspeed_stage_2"));
    CHECK(contains(f[0].hint, "deepspeed_stage_2"));
  }
  SECTION("stage 3 for a model that needs it (7B: 26 GiB of model states with stage 2)") {
    auto b = request(32, 4096, kVocabWorld, "deepspeed_stage_3", 100);
    auto f = run("limits/stage3-penalty", b.req, s);
    REQUIRE(f.size() == 1);
    CHECK_FALSE(contains(f[0].message, "fits with"));
    CHECK(contains(f[0].message, "slower"));
  }
}

TEST_CASE("limits/hours", "[limits]") {
  Settings s = default_settings();
  SECTION("a short run does not trip") {
    auto b = request(24, 2048, kVocabNeox, "deepspeed_stage_2", 1000);
    CHECK(run("limits/hours", b.req, s).empty());
  }
  SECTION("a long run trips and is told how many parts it needs") {
    // 1.5B, 20000 steps × 8 × 4096 = 655M tokens: 6·N·T = 5.95e18 FLOP over 8 × 71e12 × 0.25
    // = 41.9e3 s = 11.6 h; 60000 steps = 35.0 h -> 3 parts
    auto b = request(24, 2048, kVocabNeox, "deepspeed_stage_2", 60000);
    auto f = run("limits/hours", b.req, s);
    REQUIRE(f.size() == 1);
    CHECK(f[0].severity == Severity::Error);
    CHECK(contains(f[0].message, "35.0 h"));
    CHECK(contains(f[0].message, "8x24vgb"));
    CHECK(contains(f[0].hint, "split the run into 3 parts"));
    auto ok = request(24, 2048, kVocabNeox, "deepspeed_stage_2", 20000);
    CHECK(run("limits/hours", ok.req, s).empty());
  }
  SECTION("max_hours comes from the settings") {
    s.limits.max_hours = 2;
    auto b = request(24, 2048, kVocabNeox, "deepspeed_stage_2", 20000);
    auto f = run("limits/hours", b.req, s);
    REQUIRE(f.size() == 1);
    CHECK(contains(f[0].hint, "6 parts"));
  }
  SECTION("with --target, that target's hours") {
    auto b = request(12, 768, kVocabNeox, "deepspeed_stage_1", 100000);
    EstimateOptions opt;
    opt.target = "1x24vgb";
    auto f = run("limits/hours", b.req, s, opt);
    REQUIRE(f.size() == 1);
    CHECK(contains(f[0].message, "1x24vgb"));
    CHECK(run("limits/hours", b.req, s).empty());  // fits within 12 h on 8x24vgb
  }
  SECTION("unknown tokens do not trip") {
    RequestBuilder b;
    b.init_model(2, 24, 2048, kVocabNeox, "/repo/model/init.pth");
    b.train(3, "../model/init.pth");
    CHECK(run("limits/hours", b.req, s).empty());
  }
}

TEST_CASE("limits/vram", "[limits]") {
  Settings s = default_settings();
  SECTION("1.5B fits on 8x24vgb: no finding") {
    auto b = request(24, 2048, kVocabNeox, "deepspeed_stage_2", 100);
    CHECK(run("limits/vram", b.req, s).empty());
  }
  SECTION("7B with stage 2 fits nowhere") {
    auto b = request(32, 4096, kVocabWorld, "deepspeed_stage_2", 100);
    auto f = run("limits/vram", b.req, s);
    REQUIRE(f.size() == 1);
    CHECK(f[0].severity == Severity::Error);
    CHECK(contains(f[0].message, "on every target"));
    CHECK(contains(f[0].message, "GiB per GPU"));
  }
  SECTION("--target 1x24vgb for a 1.5B model") {
    auto b = request(24, 2048, kVocabNeox, "deepspeed_stage_1", 100);
    EstimateOptions opt;
    opt.target = "1x24vgb";
    auto f = run("limits/vram", b.req, s, opt);
    REQUIRE(f.size() == 1);
    CHECK(contains(f[0].message, "on 1x24vgb"));
  }
  SECTION("a bigger GPU in the settings makes it fit") {
    s.gpus.push_back(GpuSpec{"big", "Big GPU", 200, 100});
    s.targets.push_back(TargetSpec{"1xbig", 1, "big"});
    auto b = request(32, 4096, kVocabWorld, "deepspeed_stage_2", 100);
    CHECK(run("limits/vram", b.req, s).empty());
  }
}
