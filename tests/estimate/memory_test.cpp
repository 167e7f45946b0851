#include <catch2/catch.hpp>

#include "rwkvq/core/settings.h"
#include "rwkvq/estimate/hours.h"
#include "rwkvq/estimate/memory.h"
#include "rwkvq/estimate/params.h"

using namespace rwkvq;

namespace {
constexpr double GiB = 1024.0 * 1024.0 * 1024.0;
MemoryInput model_1b5(int gpus, const char* strategy) {
  MemoryInput in;
  in.params = static_cast<double>(rwkv_params(24, 2048, kVocabNeox));  // 1 514 557 440
  in.n_layer = 24;
  in.n_embd = 2048;
  in.vocab_size = kVocabNeox;
  in.ctx_len = 4096;
  in.microbatch = 1;
  in.gpus = gpus;
  in.strategy = parse_strategy(strategy);
  return in;
}
}  // namespace

TEST_CASE("parse_strategy", "[estimate]") {
  CHECK(parse_strategy("deepspeed_stage_1").zero_stage == 1);
  CHECK(parse_strategy("deepspeed_stage_2_offload").offload);
  CHECK(parse_strategy("deepspeed_stage_3_offload").zero_stage == 3);
  CHECK(parse_strategy("ddp").zero_stage == 0);
  CHECK(parse_strategy("deepspeed").zero_stage == 2);
  CHECK_FALSE(parse_strategy("fsdp_magic").known);
}

TEST_CASE("memory: hand-worked 1.5B cases", "[estimate]") {
  Limits lim;  // activation_bytes 8, overhead 1.5 GiB
  // One GPU, stage 1: 16 bytes per parameter = 24.23e9 B = 22.57 GiB of model states alone;
  // + activations 8·24·2048·4096 = 1.61e9 B (1.5 GiB) + logits 4096·50277·6 = 1.24e9 B
  // (1.151 GiB) + 1.5 GiB = 26.7 GiB > 24.
  MemoryEstimate one = memory_per_gpu(model_1b5(1, "deepspeed_stage_1"), lim);
  CHECK(one.weights + one.gradients + one.optimiser == Approx(16.0 * 1514557440));
  CHECK(one.activations == Approx(8.0 * 24 * 2048 * 4096 + 4096.0 * 50277 * 6));
  CHECK(one.total_gib() == Approx(26.72).margin(0.01));
  CHECK(one.total_gib() > 24);

  // Eight GPUs, stage 2: weights 2N (2.82 GiB) + grads 2N/8 (0.35) + Adam 12N/8 (2.12)
  // + the same activations, logits and overhead (4.15 GiB) = 9.44 GiB < 24.
  MemoryEstimate eight = memory_per_gpu(model_1b5(8, "deepspeed_stage_2"), lim);
  CHECK(eight.weights == Approx(2.0 * 1514557440));
  CHECK(eight.gradients == Approx(2.0 * 1514557440 / 8));
  CHECK(eight.optimiser == Approx(12.0 * 1514557440 / 8));
  CHECK(eight.total_gib() == Approx(9.44).margin(0.01));
  CHECK(eight.total_gib() < 24);

  // Stage 3 also shards the weights; offload takes the optimiser off the GPU.
  MemoryEstimate s3 = memory_per_gpu(model_1b5(8, "deepspeed_stage_3"), lim);
  CHECK(s3.weights == Approx(2.0 * 1514557440 / 8));
  MemoryEstimate off = memory_per_gpu(model_1b5(1, "deepspeed_stage_2_offload"), lim);
  CHECK(off.optimiser == 0);
  CHECK(off.total_gib() < 24);  // 1.5B fits one 3090 with the optimiser in CPU memory

  // Activations grow linearly with ctx_len and microbatch.
  MemoryInput longer = model_1b5(8, "deepspeed_stage_2");
  longer.ctx_len = 8192;
  CHECK(memory_per_gpu(longer, lim).activations == Approx(2 * eight.activations));
  longer.ctx_len = 4096;
  longer.microbatch = 4;
  CHECK(memory_per_gpu(longer, lim).activations == Approx(4 * eight.activations));
  CHECK(eight.overhead == Approx(1.5 * GiB));
  // Without gradient checkpointing (a = 34) the activations alone are 6.4 GiB.
  lim.activation_bytes = 34;
  CHECK(memory_per_gpu(model_1b5(8, "deepspeed_stage_2"), lim).activations ==
        Approx(34.0 * 24 * 2048 * 4096 + 4096.0 * 50277 * 6));
}

TEST_CASE("memory: shape unknown falls back to the nearest release", "[estimate]") {
  Limits lim;
  MemoryInput in = model_1b5(8, "deepspeed_stage_2");
  in.n_layer.reset();
  in.n_embd.reset();
  CHECK(memory_per_gpu(in, lim).total() == Approx(memory_per_gpu(model_1b5(8, "deepspeed_stage_2"), lim).total()));
}

TEST_CASE("hours: 6·N·T / (G × peak × utilisation), with slowdowns", "[estimate]") {
  Limits lim;
  lim.utilisation = 0.25;
  // 6 × 1.5e9 × 1e9 = 9e18 FLOP; 8 × 71e12 × 0.25 = 1.42e14 FLOP/s -> 63 380 s = 17.61 h
  const double h = training_hours(1.5e9, 1e9, 8, 71, parse_strategy("deepspeed_stage_2"), lim);
  CHECK(h == Approx(17.6056).epsilon(1e-4));
  CHECK(training_hours(1.5e9, 1e9, 8, 71, parse_strategy("deepspeed_stage_3"), lim) == Approx(h * 1.5));
  CHECK(training_hours(1.5e9, 1e9, 8, 71, parse_strategy("deepspeed_stage_3_offload"), lim) == Approx(h * 1.5 * 1.3));
  CHECK(training_hours(1.5e9, 1e9, 1, 71, parse_strategy("deepspeed_stage_2"), lim) == Approx(h * 8));
  lim.utilisation = 0.5;
  CHECK(training_hours(1.5e9, 1e9, 8, 71, parse_strategy("deepspeed_stage_2"), lim) == Approx(h / 2));
}
