#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "test_util.h"
#include "rwkvq/core/error.h"
#include "rwkvq/core/settings.h"

using namespace rwkvq;
namespace fs = std::filesystem;

namespace {
struct TempDir : test::TempDir {
  TempDir() : test::TempDir("rwkvq-settings") {}
};

std::string load_error(const std::string& yaml) {
  TempDir d;
  auto p = d.write("rwkvq.yaml", yaml);
  try {
    load_settings(p);
  } catch (const InputError& e) {
    std::string msg = e.what();
    // strip the temp path: keep "rwkvq.yaml:LINE:COL: ..."
    auto pos = msg.find("rwkvq.yaml");
    return pos == std::string::npos ? msg : msg.substr(pos);
  }
  return "";
}
}  // namespace

namespace {
// Every field of Settings, one per line, so that two settings can be compared and a difference
// named. A new field of Settings must be added here (the negative test below checks a few).
std::string describe(const Settings& s) {
  std::ostringstream o;
  o.precision(17);
  for (const auto& [id, r] : s.rules) o << "rules." << id << "=" << (r.off ? std::string("off") : std::string(to_string(r.severity))) << "\n";
  const Limits& l = s.limits;
  o << "limits: " << l.max_params << " " << l.stage3_params << " " << l.max_hours << " " << l.max_file_bytes << " "
    << l.max_text_bytes << " " << l.utilisation << " " << l.stage3_slowdown << " " << l.offload_slowdown << " "
    << l.activation_bytes << " " << l.overhead_gib << " " << l.max_read_bytes << " " << l.max_cells << " "
    << l.max_code_lines << " " << l.time_budget_seconds << " " << l.learn << "\n";
  o << "estimate.bytes_per_token=" << s.estimate.bytes_per_token << "\nonline=" << s.online << "\n";
  for (const auto& g : s.gpus) o << "gpu " << g.name << " '" << g.label << "' " << g.memory_gib << " " << g.bf16_tflops << "\n";
  for (const auto& t : s.targets) o << "target " << t.name << " " << t.gpus << "x" << t.gpu << "\n";
  const PriorityWeights& p = s.priority;
  o << "priority: " << p.kind << " " << p.shortness << " " << p.age << " " << p.boost << " " << p.age_period_days << " "
    << p.shortness_scale_hours << "\n";
  for (const auto& [k, v] : p.kind_value) o << "kind_value." << k << "=" << v << "\n";
  for (const auto& w : s.content_words) o << "content.word " << w << "\n";
  for (const auto& [t, u] : s.learned) o << "learned." << t << "=" << u.utilisation << "/" << u.runs << "\n";
  o << "source=" << s.source << "\n";
  return o.str();
}
}  // namespace

TEST_CASE("default settings: the built-in C++ values are exactly data/defaults.yaml", "[settings]") {
  // default_settings() no longer parses YAML at start-up (issue 12.6); the YAML file stays the
  // documented source, and this keeps the two equal.
  const Settings builtin = default_settings(), yaml = default_settings_from_yaml();
  CHECK(describe(builtin) == describe(yaml));
  CHECK(builtin.gpus.size() == 9);
  CHECK(builtin.content_words.size() > 10);
  // describe() sees a change in each part (else the equality above could not fail)
  auto changed = [&](auto f) {
    Settings c = builtin;
    f(c);
    return describe(c) != describe(builtin);
  };
  CHECK(changed([](Settings& c) { c.limits.time_budget_seconds += 1; }));
  CHECK(changed([](Settings& c) { c.limits.learn = !c.limits.learn; }));
  CHECK(changed([](Settings& c) { c.gpus[3].bf16_tflops += 1; }));
  CHECK(changed([](Settings& c) { c.targets[1].gpus = 4; }));
  CHECK(changed([](Settings& c) { c.priority.kind_value["community"] = 0.5; }));
  CHECK(changed([](Settings& c) { c.content_words.pop_back(); }));
  CHECK(changed([](Settings& c) { c.estimate.bytes_per_token = 3; }));
  CHECK(changed([](Settings& c) { c.online = true; }));
}

TEST_CASE("default settings: the built-in catalogue and targets", "[settings]") {
  Settings s = default_settings();
  CHECK(s.source.empty());
  CHECK(s.limits.max_params == 1.6e9);
  CHECK(s.limits.max_hours == 12);
  CHECK(s.limits.utilisation == 0.25);
  CHECK(s.limits.max_file_bytes == 5u * 1024 * 1024);
  CHECK(s.limits.activation_bytes == 8);
  REQUIRE(s.gpu("rtx3090"));
  CHECK(s.gpu("rtx3090")->memory_gib == 24);
  CHECK(s.gpu("rtx3090")->bf16_tflops == 71);
  CHECK(s.gpu("h100")->bf16_tflops == 989);
  CHECK(s.gpu("a100-80")->memory_gib == 80);
  REQUIRE(s.targets.size() == 2);
  CHECK(s.targets[0].name == "1x24vgb");  // smallest first
  CHECK(s.targets[1].name == "8x24vgb");
  CHECK(s.target("8x24vgb")->gpus == 8);
  CHECK(s.target("8x24vgb")->gpu == "rtx3090");
  CHECK(s.target("nope") == nullptr);
  CHECK(s.priority.kind_value.at("rwkv-x") == 1.0);
}

TEST_CASE("load_settings: values override the defaults", "[settings]") {
  TempDir d;
  auto p = d.write("rwkvq.yaml", R"(
rules:
  limits/hours: warning
  data/committed: off
limits:
  max_hours: 6
  max_file_bytes: 10 MiB
  utilisation: 0.4
priority:
  age: 50
  kind_value: {community: 0.5}
)");
  Settings s = load_settings(p);
  CHECK(s.source == p.string());
  CHECK(s.limits.max_hours == 6);
  CHECK(s.limits.max_file_bytes == 10u * 1024 * 1024);
  CHECK(s.limits.utilisation == 0.4);
  CHECK(s.limits.max_params == 1.6e9);  // untouched keys keep their defaults
  CHECK(s.rules.at("limits/hours").severity == Severity::Warning);
  CHECK_FALSE(s.rules.at("limits/hours").off);
  CHECK(s.rules.at("data/committed").off);
  CHECK(s.priority.age == 50);
  CHECK(s.priority.kind == 1000);
  CHECK(s.priority.kind_value.at("community") == 0.5);
  CHECK(s.priority.kind_value.at("rwkv-x") == 1.0);
}

TEST_CASE("load_settings: GPUs and targets extend and override by name", "[settings]") {
  TempDir d;
  auto p = d.write("rwkvq.yaml", R"(
gpus:
  rtx3090: {bf16_tflops: 80}
  mi300x: {label: AMD MI300X, memory_gib: 192, bf16_tflops: 1307}
targets:
  8x24vgb: {gpus: 4}
  1xmi300: {gpus: 1, gpu: mi300x}
  2xh100: {gpus: 2, gpu: h100}
)");
  Settings s = load_settings(p);
  CHECK(s.gpu("rtx3090")->bf16_tflops == 80);
  CHECK(s.gpu("rtx3090")->memory_gib == 24);  // partial override keeps the rest
  CHECK(s.gpu("rtx3090")->label == "NVIDIA GeForce RTX 3090");
  REQUIRE(s.gpu("mi300x"));
  CHECK(s.target("8x24vgb")->gpus == 4);
  CHECK(s.target("8x24vgb")->gpu == "rtx3090");
  REQUIRE(s.targets.size() == 4);
  // ordered by total memory: 24, 96, 160, 192 GiB
  CHECK(s.targets[0].name == "1x24vgb");
  CHECK(s.targets[1].name == "8x24vgb");
  CHECK(s.targets[2].name == "2xh100");
  CHECK(s.targets[3].name == "1xmi300");

  auto p2 = d.write("b.yaml", "targets:\n  1x24vgb: ~\n");
  Settings s2 = load_settings(p2);
  REQUIRE(s2.targets.size() == 1);
  CHECK(s2.targets[0].name == "8x24vgb");
}

TEST_CASE("load_settings: unknown keys name the closest known key", "[settings]") {
  CHECK(load_error("limits:\n  max_hour: 6\n") == "rwkvq.yaml:2:3: unknown key 'max_hour' (did you mean 'max_hours'?)");
  CHECK(load_error("limit:\n  max_hours: 6\n") == "rwkvq.yaml:1:1: unknown key 'limit' (did you mean 'limits'?)");
  CHECK(load_error("gpus:\n  rtx3090: {memory: 24}\n") ==
        "rwkvq.yaml:2:13: unknown key 'memory' (did you mean 'memory_gib'?)");
  CHECK(load_error("priority:\n  wieghts: 3\n").find("unknown key 'wieghts'") != std::string::npos);
}

TEST_CASE("load_settings: wrong types and values", "[settings]") {
  CHECK(load_error("limits:\n  max_hours: twelve\n") ==
        "rwkvq.yaml:2:14: 'limits.max_hours' must be a number, not 'twelve'");
  CHECK(load_error("limits:\n  max_hours: -1\n") == "rwkvq.yaml:2:14: 'limits.max_hours' must be greater than 0");
  CHECK(load_error("limits: 3\n") == "rwkvq.yaml:1:9: 'limits' must be a mapping");
  CHECK(load_error("limits:\n  utilisation: 1.5\n").find("at most 1") != std::string::npos);
  CHECK(load_error("limits:\n  max_file_bytes: lots\n").find("must be a size in bytes") != std::string::npos);
  CHECK(load_error("rules:\n  limits/hours: fatal\n") ==
        "rwkvq.yaml:2:17: bad severity 'fatal' for 'limits/hours' (expected error|warning|info|off)");
  CHECK(load_error("rules:\n  hours: error\n").find("is not a rule id") != std::string::npos);
  CHECK(load_error("targets:\n  2x: {gpus: 2, gpu: rtx3099}\n") ==
        "rwkvq.yaml:2:22: unknown GPU 'rtx3099' (did you mean 'rtx3090'?)");
  CHECK(load_error("targets:\n  2x: {gpus: 0, gpu: rtx3090}\n").find("whole number") != std::string::npos);
  CHECK(load_error("targets:\n  2x: {gpus: 2}\n").find("needs gpus and gpu") != std::string::npos);
  CHECK(load_error("gpus:\n  x: {label: X}\n").find("needs memory_gib and bf16_tflops") != std::string::npos);
  CHECK(load_error("- a\n- b\n").find("top level must be a mapping") != std::string::npos);
  CHECK(load_error("gpus:\n  a100-80: ~\n").find("target") == std::string::npos);  // removing an unused GPU is fine
  CHECK(load_error("gpus:\n  rtx3090: ~\n").find("not in the catalogue") != std::string::npos);
}

TEST_CASE("load_settings: priority.kind_value takes only the known kinds", "[settings]") {
  CHECK(load_error("priority:\n  kind_value: {rwkvx: 0.9}\n") ==
        "rwkvq.yaml:2:16: unknown kind 'rwkvx' in 'priority.kind_value' (did you mean 'rwkv-x'?)");
  CHECK(load_error("priority:\n  kind_value:\n    community: 0.2\n    comunity-priority: 0.5\n") ==
        "rwkvq.yaml:4:5: unknown kind 'comunity-priority' in 'priority.kind_value' (did you mean "
        "'community-priority'?)");
  CHECK(load_error("priority:\n  kind_value: {research: 0.9}\n") ==
        "rwkvq.yaml:2:16: unknown kind 'research' in 'priority.kind_value' (kinds: rwkv-x, "
        "community-priority, community)");
  // The known kinds load, and override their built-in values.
  CHECK(load_error("priority:\n  kind_value: {rwkv-x: 0.9, community-priority: 0.5, community: 0.1}\n").empty());
  TempDir d;
  auto s = load_settings(d.write("rwkvq.yaml", "priority:\n  kind_value: {community: 0.1}\n"));
  CHECK(s.priority.kind_value.at("community") == Approx(0.1));
  CHECK(s.priority.kind_value.at("rwkv-x") == Approx(1.0));
  CHECK(s.priority.kind_value.size() == 3);
}

TEST_CASE("load_settings: bad YAML and unreadable files", "[settings]") {
  std::string e = load_error("limits:\n  max_hours: [1, 2\n");
  CHECK(e.rfind("rwkvq.yaml:", 0) == 0);
  CHECK(e.find("not valid YAML") != std::string::npos);
  CHECK(load_error("").empty());  // empty file: the defaults
  CHECK_THROWS_AS(load_settings("/nonexistent/rwkvq.yaml"), InputError);
  TempDir d;
  CHECK_THROWS_AS(load_settings(d.path), InputError);
}

TEST_CASE("find_settings_file walks up to the repository root", "[settings]") {
  TempDir d;
  d.write("repo/.git/HEAD", "ref: refs/heads/main\n");
  auto cfg = d.write("repo/rwkvq.yaml", "limits: {max_hours: 6}\n");
  fs::create_directories(d.path / "repo/notebook/community/x");
  auto found = find_settings_file(d.path / "repo/notebook/community/x");
  REQUIRE(found);
  CHECK(fs::equivalent(*found, cfg));
  // not above the repository root
  d.write("outer/rwkvq.yaml", "limits: {max_hours: 6}\n");
  d.write("outer/repo2/.git/HEAD", "x");
  fs::create_directories(d.path / "outer/repo2/sub");
  CHECK_FALSE(find_settings_file(d.path / "outer/repo2/sub"));
}

TEST_CASE("unknown_rule_ids suggests the closest registered id", "[settings]") {
  TempDir d;
  auto p = d.write("rwkvq.yaml", "rules:\n  limits/hour: off\n  limits/vram: info\n");
  Settings s = load_settings(p);
  auto msgs = unknown_rule_ids(s, {"limits/hours", "limits/vram"});
  REQUIRE(msgs.size() == 1);
  CHECK(msgs[0].find("rwkvq.yaml:2:3: unknown rule 'limits/hour' (did you mean 'limits/hours'?)") != std::string::npos);
}

TEST_CASE("examples/rwkvq.yaml loads and equals the built-in defaults", "[settings]") {
  Settings ex = load_settings(fs::path(RWKVQ_SOURCE_DIR) / "examples/rwkvq.yaml");
  Settings def = default_settings();
  CHECK(ex.limits.max_params == def.limits.max_params);
  CHECK(ex.limits.utilisation == def.limits.utilisation);
  CHECK(ex.limits.max_file_bytes == def.limits.max_file_bytes);
  CHECK(ex.limits.activation_bytes == def.limits.activation_bytes);
  REQUIRE(ex.gpus.size() == def.gpus.size());
  for (std::size_t i = 0; i < ex.gpus.size(); ++i) {
    CHECK(ex.gpus[i].name == def.gpus[i].name);
    CHECK(ex.gpus[i].bf16_tflops == def.gpus[i].bf16_tflops);
    CHECK(ex.gpus[i].memory_gib == def.gpus[i].memory_gib);
  }
  REQUIRE(ex.targets.size() == def.targets.size());
  CHECK(ex.priority.kind_value == def.priority.kind_value);
  CHECK(ex.priority.shortness == def.priority.shortness);
  CHECK(ex.online == def.online);
  CHECK(ex.estimate.bytes_per_token == def.estimate.bytes_per_token);
}

TEST_CASE("load_settings: online and estimate.bytes_per_token", "[settings][net]") {
  CHECK_FALSE(default_settings().online);
  CHECK(default_settings().estimate.bytes_per_token == 4);
  TempDir d;
  Settings s = load_settings(d.write("rwkvq.yaml", "online: true\nestimate:\n  bytes_per_token: 3.5\n"));
  CHECK(s.online);
  CHECK(s.estimate.bytes_per_token == 3.5);
  CHECK(load_error("online: maybe\n").find("'online' must be true or false") != std::string::npos);
  CHECK(load_error("estimate:\n  bytes_per_token: 0\n").find("greater than 0") != std::string::npos);
  CHECK(load_error("estimate:\n  byte_per_token: 2\n").find("bytes_per_token") != std::string::npos);
}

TEST_CASE("settings: content words extend the built-in list; input caps", "[settings]") {
  Settings d = default_settings();
  CHECK(std::find(d.content_words.begin(), d.content_words.end(), "nsfw") != d.content_words.end());
  CHECK(d.limits.max_read_bytes == 64ull << 20);
  CHECK(d.limits.time_budget_seconds == 60);
  TempDir t;
  auto p = t.write("rwkvq.yaml",
                   "content:\n  words: [spam-bot, \"free crypto\"]\n"
                   "limits:\n  max_read_bytes: 2 MiB\n  max_cells: 10\n  max_code_lines: 99\n"
                   "  time_budget_seconds: 1.5\n");
  Settings s = load_settings(p);
  CHECK(s.content_words.size() == d.content_words.size() + 2);
  CHECK(s.content_words.back() == "free crypto");
  CHECK(s.limits.max_read_bytes == 2u << 20);
  CHECK(s.limits.max_cells == 10);
  CHECK(s.limits.max_code_lines == 99);
  CHECK(s.limits.time_budget_seconds == 1.5);
  CHECK(load_error("content:\n  word: [x]\n").find("unknown key 'word' (did you mean 'words'?)") != std::string::npos);
  CHECK(load_error("content:\n  words: x\n").find("must be a list") != std::string::npos);
}

TEST_CASE("load_settings: runner: overrides the built-in runner defaults, strictly", "[settings]") {
  const Settings d = default_settings();
  CHECK(d.runner.repo == "RWKV/RWKV-infctx-trainer");
  CHECK(d.runner.workflow == "notebook-run.yml");
  CHECK(d.runner.ref == "rwkv-community-training");
  CHECK(d.runner.lane == "lane2");
  CHECK(d.runner.cuda == "11-8");
  CHECK(d.runner.hf_repo == "rwkv-x-dev/rwkv-x-playground");
  TempDir dir;
  const Settings s = load_settings(dir.write("rwkvq.yaml", "runner:\n  repo: me/fork\n  lane: lane1\n"));
  CHECK(s.runner.repo == "me/fork");
  CHECK(s.runner.lane == "lane1");
  CHECK(s.runner.cuda == "11-8");  // untouched
  CHECK(load_error("runner:\n  lanes: lane1\n") == "rwkvq.yaml:2:3: unknown key 'lanes' (did you mean 'lane'?)");
  CHECK(load_error("runner:\n  repo: no-slash\n").find("rwkvq.yaml:2:9: 'runner.repo' must be OWNER/NAME") == 0);
  CHECK(load_error("runner:\n  ref: a b\n").find("rwkvq.yaml:2:8: 'runner.ref' must not contain spaces") == 0);
  CHECK(load_error("runner:\n  cuda: [1]\n").find("'runner.cuda' must be a non-empty string") != std::string::npos);
}
