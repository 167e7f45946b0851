// Estimates of stages run by the official trainer (DESIGN §7): shape from its flags, tokens from
// --my_exit_tokens or --my_exit, and unknown where train.py would never stop.
#include <catch2/catch.hpp>

#include "rules/rule_fixture.h"
#include "rwkvq/estimate/estimate.h"
#include "rwkvq/estimate/params.h"

using namespace rwkvq;
using namespace rwkvq::test;

namespace {
RequestEstimate estimate_cells(const std::vector<NbCell>& cells) {
  RequestFixture fx({{"training-notebook.ipynb", notebook_json(cells)}});
  return estimate_request(fx.load(), default_settings(), {});
}
const StageEstimate& only_stage(const RequestEstimate& e) {
  REQUIRE(e.parts.size() == 1);
  REQUIRE(e.parts[0].stages.size() == 1);
  return e.parts[0].stages[0];
}
}  // namespace

TEST_CASE("official trainer: params from --n_layer/--n_embd/--vocab_size, tokens from --my_exit_tokens",
          "[estimate][official]") {
  auto e = estimate_cells(official_cells());
  const StageEstimate& st = only_stage(e);
  CHECK(st.trainer == "train.py (RWKV-v5)");
  CHECK(st.cell == 5);
  REQUIRE(st.params.value);
  CHECK(*st.params.value == rwkv_params(12, 768, kVocabWorld));
  CHECK(st.params.source.find("--n_layer/--n_embd") != std::string::npos);
  REQUIRE(st.tokens.value);
  CHECK(*st.tokens.value == 20000000);
  CHECK(st.tokens.source == "--my_exit_tokens 20000000");
  CHECK(st.ctx_len == std::optional<long long>(1024));
  CHECK(st.microbatch_size == std::optional<long long>(8));
  CHECK(st.strategy == "deepspeed_stage_2");
  CHECK(st.precision == "bf16");
  REQUIRE(e.parts[0].hours);
  CHECK(*e.parts[0].hours > 0);
}

TEST_CASE("official trainer: tokens from --my_exit, and the smaller of the two", "[estimate][official]") {
  // epochs 0..2 = 3 epochs × 200 steps × (1 node × 1 device × 8) × 1024
  auto cells = edit_cells(official_cells(), " --my_exit_tokens 20000000", " --my_exit 2");
  const RequestEstimate e_st = estimate_cells(cells);
  const StageEstimate& st = only_stage(e_st);
  REQUIRE(st.tokens.value);
  CHECK(*st.tokens.value == 3LL * 200 * 8 * 1024);
  INFO(st.tokens.source);
  CHECK(st.tokens.source.find("--my_exit 2: 3 epochs") != std::string::npos);
  auto both = edit_cells(official_cells(), " --my_exit_tokens 20000000", " --my_exit_tokens 20000000 --my_exit 2");
  const RequestEstimate e_b = estimate_cells(both);
  const StageEstimate& b = only_stage(e_b);
  CHECK(b.tokens.value == std::optional<long long>(3LL * 200 * 8 * 1024));
  // the defaults: --epoch_steps 1000, --micro_bsz 12, --ctx_len 1024, --devices 1
  auto dflt = edit_cells(edit_cells(edit_cells(official_cells(), " --my_exit_tokens 20000000", " --my_exit 0"),
                                    " --ctx_len 1024 --micro_bsz 8", ""),
                         "--epoch_steps 200 ", "");
  const RequestEstimate e_dflt = estimate_cells(dflt);
  CHECK(only_stage(e_dflt).tokens.value == std::optional<long long>(1000LL * 12 * 1024));
}

TEST_CASE("official trainer: a run that never stops has unknown tokens and hours", "[estimate][official]") {
  auto e = estimate_cells(edit_cells(official_cells(), " --my_exit_tokens 20000000", ""));
  const StageEstimate& st = only_stage(e);
  CHECK(!st.tokens.value);
  CHECK(st.tokens.source.find("never stops by itself") != std::string::npos);
  CHECK(!e.parts[0].hours);
}

TEST_CASE("official trainer: from scratch, its default shape; a non-standard folder is unknown", "[estimate][official]") {
  auto scratch = edit_cells(edit_cells(official_cells(),
                                       "--load_model \"../../model/RWKV-5-World-0.1B-v1-20230803-ctx4096.pth\" ", ""),
                            "--n_layer 12 --n_embd 768 ", "");
  const RequestEstimate e_st = estimate_cells(scratch);
  const StageEstimate& st = only_stage(e_st);
  CHECK(st.from_scratch);
  CHECK(st.params.value == std::optional<long long>(rwkv_params(6, 512, kVocabWorld)));
  CHECK(st.params.source.find("its defaults") != std::string::npos);
  auto tclr = edit_cells(official_cells(), "RWKV-LM/RWKV-v5", "RWKV-LM/RWKV-v6-TCLR");
  const RequestEstimate e_t = estimate_cells(tclr);
  const StageEstimate& t = only_stage(e_t);
  CHECK(!t.params.value);
  INFO(t.params.source);
  CHECK(t.params.source.find("RWKV-v6-TCLR is not one of the official trainer's standard folders") != std::string::npos);
}

TEST_CASE("environment variables that change the blocks make the size unknown", "[estimate][official]") {
  auto cells = edit_cells(official_cells(), "!cd \"{TRAINER_DIR}\" && \\\n    python train.py",
                          "!export RWKV_CMIX_REUSE_MULTIPLIER=4 && cd \"{TRAINER_DIR}\" && \\\n    python train.py");
  const RequestEstimate e_st = estimate_cells(cells);
  const StageEstimate& st = only_stage(e_st);
  CHECK(!st.params.value);
  CHECK(st.params.source.find("RWKV_CMIX_REUSE_MULTIPLIER=4") != std::string::npos);
  // a neutral value leaves them alone
  auto one = edit_cells(official_cells(), "!cd \"{TRAINER_DIR}\" && \\\n    python train.py",
                        "!export RWKV_CMIX_REUSE_MULTIPLIER=1 && cd \"{TRAINER_DIR}\" && \\\n    python train.py");
  const RequestEstimate e_one = estimate_cells(one);
  CHECK(only_stage(e_one).params.value);
}
