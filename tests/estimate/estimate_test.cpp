#include <catch2/catch.hpp>

#include "estimate/request_builder.h"
#include "rwkvq/core/error.h"
#include "rwkvq/estimate/estimate.h"
#include "rwkvq/estimate/params.h"

#include <nlohmann/json.hpp>

using namespace rwkvq;
using rwkvq::testing::RequestBuilder;

namespace {
const StageEstimate& only_stage(const RequestEstimate& e) {
  REQUIRE(e.parts.size() == 1);
  REQUIRE(e.parts[0].stages.size() >= 1);
  return e.parts[0].stages[0];
}
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
bool starts_with_unknown(const std::string& s) { return s.rfind("unknown:", 0) == 0; }
}  // namespace

TEST_CASE("params from init_model.py arguments, following the model file", "[estimate]") {
  RequestBuilder b;
  b.init_model(3, 12, 768, kVocabWorld, "/repo/model/L12-D768-world-init.pth");
  b.init_model(4, 24, 2048, kVocabNeox, "/repo/model/other.pth");  // not the one trained
  b.train(5, "../model/L12-D768-world-init.pth");
  auto e = estimate_request(b.req, default_settings(), {});
  const auto& st = only_stage(e);
  REQUIRE(st.params.value);
  CHECK(*st.params.value == rwkv_params(12, 768, kVocabWorld));
  CHECK(contains(st.params.source, "init_model.py arguments (cell 3)"));
  CHECK(st.params.loc.cell == 3);
}

TEST_CASE("params from the name of a downloaded file", "[estimate]") {
  RequestBuilder b;
  b.download(2, "https://huggingface.co/BlinkDL/rwkv-5-world/resolve/main/RWKV-5-World-1B5-v2-20231025-ctx4096.pth",
             "/repo/model/base.pth");
  b.train(5, "../model/base.pth");
  auto e = estimate_request(b.req, default_settings(), {});
  const auto& st = only_stage(e);
  REQUIRE(st.params.value);
  CHECK(*st.params.value == rwkv_params(24, 2048, kVocabWorld));
  CHECK(contains(st.params.source, "download URL"));
  CHECK(contains(st.params.source, "1B5"));
}

TEST_CASE("params: the load_model name, the config shape, --params, unknown", "[estimate]") {
  SECTION("load_model name") {
    RequestBuilder b;
    b.train(5, "../model/RWKV-5-World-3B-v2.pth");
    auto e = estimate_request(b.req, default_settings(), {});
    CHECK(only_stage(e).params.value == rwkv_params(32, 2560, kVocabWorld));
    CHECK(contains(only_stage(e).params.source, "name of the model loaded"));
  }
  SECTION("config n_layer/n_embd") {
    RequestBuilder b;
    b.download(2, "https://example.org/TokenShift-C-Stage2.pth", "/repo/model/TokenShift-C-Stage2.pth");
    Stage& s = b.train(5, "../model/TokenShift-C-Stage2.pth");
    s.config.n_layer.value = 24;
    s.config.n_embd.value = 2048;
    auto e = estimate_request(b.req, default_settings(), {});
    CHECK(only_stage(e).params.value == rwkv_params(24, 2048, kVocabNeox));
    CHECK(contains(only_stage(e).params.source, "config"));
  }
  SECTION("unknown, then --params") {
    RequestBuilder b;
    b.download(2, "https://example.org/TokenShift-C-Stage2.pth", "/repo/model/TokenShift-C-Stage2.pth");
    b.train(5, "../model/TokenShift-C-Stage2.pth");
    auto e = estimate_request(b.req, default_settings(), {});
    CHECK_FALSE(only_stage(e).params.value);
    CHECK(starts_with_unknown(only_stage(e).params.source));
    CHECK(only_stage(e).targets[0].why == "parameters unknown");
    EstimateOptions opt;
    opt.params = 1500000000;
    auto e2 = estimate_request(b.req, default_settings(), opt);
    CHECK(only_stage(e2).params.value == 1500000000);
    CHECK(only_stage(e2).params.source == "--params");
  }
}

TEST_CASE("a model exported by an earlier stage keeps its size", "[estimate]") {
  RequestBuilder b;
  b.init_model(2, 12, 768, kVocabNeox, "/repo/model/init.pth");
  b.train(3, "../model/init.pth");
  b.exporter(4, "../checkpoint/stage1/last.ckpt", "/repo/model/stage1.pth");
  b.train(5, "../model/stage1.pth");
  auto e = estimate_request(b.req, default_settings(), {});
  REQUIRE(e.parts[0].stages.size() == 2);
  const auto& s2 = e.parts[0].stages[1];
  CHECK(s2.params.value == rwkv_params(12, 768, kVocabNeox));
  CHECK(contains(s2.params.source, "exported (cell 4) from the training stage in cell 3"));
}

namespace {
// Part 1 downloads a 0.4B World model, trains it (cell 8) and exports mirak-poetry-0b4-part1.pth
// (cell 9).
void poetry_part1(RequestBuilder& b) {
  b.download(5, "https://huggingface.co/BlinkDL/rwkv-5-world/resolve/main/RWKV-5-World-0.4B-v2-20231113-ctx4096.pth",
             "/repo/model/RWKV-5-World-0.4B-v2-20231113-ctx4096.pth");
  b.train(8, "../model/RWKV-5-World-0.4B-v2-20231113-ctx4096.pth");
  b.exporter(9, "../checkpoint/part1/last.ckpt", "/repo/model/mirak-poetry-0b4-part1.pth");
}
const StageEstimate& stage_of_part(const RequestEstimate& e, int part) {
  for (const auto& p : e.parts)
    if (p.part == part && !p.stages.empty()) return p.stages[0];
  FAIL("no part " << part);
  return e.parts.at(0).stages.at(0);
}
}  // namespace

TEST_CASE("a model exported by an earlier part keeps its size in a later part", "[estimate]") {
  const long long world_04b = rwkv_params(24, 1024, kVocabWorld);
  SECTION("part 2 downloads what part 1 exported (the name alone would say 0b4, neox assumed)") {
    RequestBuilder b("training-notebook-part1.ipynb", 1);
    poetry_part1(b);
    b.add_notebook("training-notebook-part2.ipynb", 2);
    b.download(5, "https://huggingface.co/rwkv-community/training-runs/resolve/main/mirak-poetry-0b4-part1.pth",
               "/repo/model/mirak-poetry-0b4-part1.pth");
    b.train(8, "../model/mirak-poetry-0b4-part1.pth");
    auto e = estimate_request(b.req, default_settings(), {});
    const auto& s1 = stage_of_part(e, 1);
    const auto& s2 = stage_of_part(e, 2);
    CHECK(s1.params.value == world_04b);
    CHECK(s2.params.value == world_04b);
    CHECK(s2.params.vocab_size == kVocabWorld);
    INFO(s2.params.source);
    CHECK(contains(s2.params.source, "downloaded mirak-poetry-0b4-part1.pth (cell 5): exported by part 1, cell 9"));
    CHECK(contains(s2.params.source, "RWKV-5-World-0.4B"));
  }
  SECTION("part 2 loads it directly; the parts are found by number, not by order") {
    RequestBuilder b("training-notebook-part2.ipynb", 2);
    b.train(8, "../model/mirak-poetry-0b4-part1.pth");
    b.add_notebook("training-notebook-part1.ipynb", 1);
    poetry_part1(b);
    auto e = estimate_request(b.req, default_settings(), {});
    const auto& s2 = stage_of_part(e, 2);
    CHECK(s2.params.value == world_04b);
    CHECK(contains(s2.params.source, "model loaded mirak-poetry-0b4-part1.pth"));
    CHECK(contains(s2.params.source, "exported by part 1, cell 9"));
  }
  SECTION("another file name: the name decides, as before") {
    RequestBuilder b("training-notebook-part1.ipynb", 1);
    poetry_part1(b);
    b.add_notebook("training-notebook-part2.ipynb", 2);
    b.download(5, "https://huggingface.co/x/y/resolve/main/mirak-poetry-0b4-other.pth",
               "/repo/model/mirak-poetry-0b4-other.pth");
    b.train(8, "../model/mirak-poetry-0b4-other.pth");
    auto e = estimate_request(b.req, default_settings(), {});
    const auto& s2 = stage_of_part(e, 2);
    CHECK(s2.params.value == rwkv_params(24, 1024, kVocabNeox));
    CHECK_FALSE(contains(s2.params.source, "exported by part"));
  }
  SECTION("only earlier parts count") {
    RequestBuilder b("training-notebook-part1.ipynb", 1);
    b.download(5, "https://huggingface.co/x/y/resolve/main/mirak-poetry-0b4-part2.pth",
               "/repo/model/mirak-poetry-0b4-part2.pth");
    b.train(8, "../model/mirak-poetry-0b4-part2.pth");
    b.add_notebook("training-notebook-part2.ipynb", 2);
    b.download(5, "https://huggingface.co/BlinkDL/rwkv-5-world/resolve/main/RWKV-5-World-1B5-v2-20231025-ctx4096.pth",
               "/repo/model/base.pth");
    b.train(8, "../model/base.pth");
    b.exporter(9, "../checkpoint/part2/last.ckpt", "/repo/model/mirak-poetry-0b4-part2.pth");
    auto e = estimate_request(b.req, default_settings(), {});
    CHECK(stage_of_part(e, 1).params.value == rwkv_params(24, 1024, kVocabNeox));
    CHECK_FALSE(contains(stage_of_part(e, 1).params.source, "exported by part"));
  }
}

TEST_CASE("tokens: max_steps bound, --tokens × epochs, unknown", "[estimate]") {
  RequestBuilder b;
  b.init_model(2, 12, 768, kVocabNeox, "/repo/model/init.pth");
  Stage& s = b.train(3, "../model/init.pth", 4096, "deepspeed_stage_1", 1000, 8);
  s.config.max_epochs.value = 2;
  auto e = estimate_request(b.req, default_settings(), {});
  CHECK(only_stage(e).tokens.value == 1000LL * 8 * 4096);
  CHECK(contains(only_stage(e).tokens.source, "max_steps 1000"));

  EstimateOptions opt;
  opt.tokens = 1000000;  // 2 epochs -> 2e6, below the max_steps bound
  auto e2 = estimate_request(b.req, default_settings(), opt);
  CHECK(only_stage(e2).tokens.value == 2000000);
  opt.tokens = 1000000000;  // above the bound: max_steps ends the run first
  auto e3 = estimate_request(b.req, default_settings(), opt);
  CHECK(only_stage(e3).tokens.value == 1000LL * 8 * 4096);

  RequestBuilder u;
  u.init_model(2, 12, 768, kVocabNeox, "/repo/model/init.pth");
  u.train(3, "../model/init.pth");
  auto e4 = estimate_request(u.req, default_settings(), {});
  CHECK_FALSE(only_stage(e4).tokens.value);
  CHECK(starts_with_unknown(only_stage(e4).tokens.source));
  CHECK_FALSE(e4.parts[0].hours);
  CHECK_FALSE(e4.total_hours);
}

TEST_CASE("target choice: the smallest target that fits", "[estimate]") {
  SECTION("a small model on one GPU") {
    RequestBuilder b;
    b.init_model(2, 12, 768, kVocabNeox, "/repo/model/init.pth");
    b.train(3, "../model/init.pth", 4096, "deepspeed_stage_1", 1000, 8);
    auto e = estimate_request(b.req, default_settings(), {});
    CHECK(e.target == "1x24vgb");
    REQUIRE(e.parts[0].hours);
    CHECK(*e.parts[0].hours < 12);
    REQUIRE(e.total_hours);
    CHECK(only_stage(e).targets.size() == 2);
  }
  SECTION("1.5B needs the eight-GPU node") {
    RequestBuilder b;
    b.init_model(2, 24, 2048, kVocabNeox, "/repo/model/init.pth");
    b.train(3, "../model/init.pth", 4096, "deepspeed_stage_2", 1000, 8);
    auto e = estimate_request(b.req, default_settings(), {});
    CHECK(e.target == "8x24vgb");
    CHECK(only_stage(e).on("1x24vgb")->fits == false);
    CHECK(only_stage(e).on("8x24vgb")->fits == true);
    CHECK(contains(e.target_reason, "smallest target"));
  }
  SECTION("too long everywhere: the fastest target that fits") {
    RequestBuilder b;
    b.init_model(2, 12, 768, kVocabNeox, "/repo/model/init.pth");
    b.train(3, "../model/init.pth", 4096, "deepspeed_stage_1", 10000000, 8);
    auto e = estimate_request(b.req, default_settings(), {});
    CHECK(e.target == "8x24vgb");
    CHECK(contains(e.target_reason, "no target finishes"));
    CHECK(*e.parts[0].hours > 12);
  }
  SECTION("too big everywhere: the largest target") {
    RequestBuilder b;
    b.download(2, "https://example.org/RWKV-4-Pile-14B-20230313-ctx8192.pth", "/repo/model/big.pth");
    b.train(3, "../model/big.pth", 4096, "deepspeed_stage_2", 10, 8);
    auto e = estimate_request(b.req, default_settings(), {});
    CHECK(e.target == "8x24vgb");
    CHECK(contains(e.target_reason, "no target has the GPU memory"));
  }
  SECTION("--target evaluates that target only") {
    RequestBuilder b;
    b.init_model(2, 24, 2048, kVocabNeox, "/repo/model/init.pth");
    b.train(3, "../model/init.pth", 4096, "deepspeed_stage_2", 1000, 8);
    EstimateOptions opt;
    opt.target = "1x24vgb";
    auto e = estimate_request(b.req, default_settings(), opt);
    CHECK(e.target == "1x24vgb");
    REQUIRE(only_stage(e).targets.size() == 1);
    CHECK(only_stage(e).targets[0].fits == false);
    opt.target = "nope";
    CHECK_THROWS_AS(estimate_request(b.req, default_settings(), opt), UsageError);
  }
}

TEST_CASE("parts: one per request notebook; other notebooks only when there is none", "[estimate]") {
  RequestBuilder b("training-notebook-part1.ipynb", 1);
  b.init_model(2, 12, 768, kVocabNeox, "/repo/model/init.pth");
  b.train(3, "../model/init.pth", 4096, "deepspeed_stage_1", 100, 8);
  b.add_notebook("training-notebook-part2.ipynb", 2);
  b.download(2, "https://example.org/L12-D768-part1.pth", "/repo/model/part1.pth");
  b.train(3, "../model/part1.pth", 4096, "deepspeed_stage_1", 100, 8);
  NotebookProgram& scratch = b.add_notebook("scratch.ipynb");
  scratch.request_notebook = false;
  b.train(1, "../model/x.pth");
  auto e = estimate_request(b.req, default_settings(), {});
  REQUIRE(e.parts.size() == 2);
  CHECK(e.parts[0].part == 1);
  CHECK(e.parts[1].part == 2);
  CHECK(e.parts[1].stages[0].params.value == rwkv_params(12, 768, kVocabNeox));
  REQUIRE(e.total_hours);
  CHECK(*e.total_hours == Approx(*e.parts[0].hours + *e.parts[1].hours));
  CHECK_FALSE(estimate_json(b.req, e).empty());
}

TEST_CASE("estimate JSON keys come in the documented order, not sorted", "[estimate]") {
  RequestBuilder b("training-notebook.ipynb");
  b.download(2, "https://huggingface.co/BlinkDL/rwkv-5-world/resolve/main/RWKV-5-World-0.4B-v2-20231113-ctx4096.pth",
             "/repo/model/base.pth");
  b.train(5, "../model/base.pth", 4096, "deepspeed_stage_1", 100, 8);
  auto e = estimate_request(b.req, default_settings(), {});
  // ordered_json keeps the keys in the order of the text
  const auto doc = nlohmann::ordered_json::parse(estimate_json(b.req, e));
  auto keys = [](const nlohmann::ordered_json& o) {
    std::vector<std::string> k;
    for (const auto& item : o.items()) k.push_back(item.key());
    return k;
  };
  using V = std::vector<std::string>;
  CHECK(keys(doc) == V{"path", "target", "target_reason", "parts", "total_hours"});
  REQUIRE(doc["parts"].size() == 1);
  const auto& part = doc["parts"][0];
  CHECK(keys(part) == V{"notebook", "part", "hours", "stages"});
  REQUIRE(part["stages"].size() == 1);
  const auto& st = part["stages"][0];
  CHECK(keys(st) == V{"cell", "line", "load_model", "trainer", "from_scratch", "params", "tokens", "ctx_len", "microbatch_size",
                      "target_batch_size", "max_epochs", "max_steps", "strategy", "precision", "notes",
                      "targets"});
  CHECK(keys(st["params"]) == V{"value", "source", "n_layer", "n_embd", "vocab_size"});
  CHECK(keys(st["tokens"]) == V{"value", "source"});
  REQUIRE(!st["targets"].empty());
}
