// GPU memory per GPU of one training stage (DESIGN §3).
//
//   model states (bf16 weights and gradients, Adam in fp32: master weights, m, v = 12 bytes):
//     weights    2·N bytes   / G when ZeRO stage 3
//     gradients  2·N bytes   / G when ZeRO stage ≥ 2
//     optimiser 12·N bytes   / G when ZeRO stage ≥ 1; 0 on the GPU with *_offload (CPU RAM)
//   activations: a · L · D · ctx_len · microbatch   (a = limits.activation_bytes, default 8).
//     With gradient checkpointing (grad_cp: true, the trainer template's setting) each layer
//     keeps its bf16 input (2 bytes per token and unit of width) and one layer at a time
//     recomputes its intermediates (~34 bytes, Korthikanti et al. 2022, for a 16-bit block
//     without attention scores, i.e. ~34/L per layer), plus RWKV's state and chunk buffers.
//     The corpus bounds a from above: 8×A100-80GB runs of 7B (ctx 8192, microbatch 4, stage 2)
//     and 3B (ctx 8192, microbatch 8, stage 1) trained, which needs a ≤ ~8; without grad_cp
//     set a ≈ 34. The infctx trainer trains long samples in chunks of ctx_len, so ctx_len
//     (not the sample length) bounds this.
//     + logits: ctx_len · microbatch · V · 6 bytes (bf16 logits and their fp32 softmax)
//   overhead: limits.overhead_gib (CUDA context, NCCL buffers, allocator fragmentation).
#include "rwkvq/estimate/memory.h"

#include <algorithm>
#include <cmath>

#include "rwkvq/estimate/params.h"
#include "rwkvq/util/match.h"
#include "rwkvq/util/strings.h"

namespace rwkvq {

Strategy parse_strategy(std::string_view name) {
  Strategy s;
  const std::string n = to_lower(trim(name));
  if (auto ds = match_deepspeed_stage(n)) {
    s.zero_stage = ds->stage;
    s.offload = ds->offload;
    return s;
  }
  if (n.empty() || n == "auto" || n == "ddp" || n == "ddp_find_unused_parameters_false" ||
      n == "ddp_find_unused_parameters_true" || n == "single_device" || n == "ddp_spawn") {
    return s;
  }
  if (n == "deepspeed") {  // Lightning's DeepSpeedStrategy defaults to ZeRO stage 2
    s.zero_stage = 2;
    return s;
  }
  s.known = false;
  return s;
}

MemoryEstimate memory_per_gpu(const MemoryInput& in, const Limits& limits) {
  MemoryEstimate e;
  const double N = in.params;
  const double G = std::max(1, in.gpus);
  const int stage = in.strategy.zero_stage;
  e.weights = 2 * N / (stage >= 3 ? G : 1);
  e.gradients = 2 * N / (stage >= 2 ? G : 1);
  e.optimiser = in.strategy.offload ? 0 : 12 * N / (stage >= 1 ? G : 1);

  long long L = in.n_layer.value_or(0), D = in.n_embd.value_or(0);
  const long long V = in.vocab_size.value_or(kVocabNeox);
  if (L <= 0 || D <= 0) {
    // Shape unknown: take the release whose size is nearest (log scale).
    struct S { long long L, D; };
    const S shapes[] = {{12, 768}, {24, 1024}, {24, 2048}, {32, 2560}, {32, 4096}, {40, 5120}};
    // |log N - log P| compared as the ratio max(N, P) / min(N, P): the same order without libm
    // (util/fmath.h).
    const double n = std::max(1.0, N);
    double best = 1e300;
    for (const auto& s : shapes) {
      const double p = static_cast<double>(rwkv_params(s.L, s.D, V));
      const double d = n > p ? n / p : p / n;
      if (d < best) { best = d; L = s.L; D = s.D; }
    }
  }
  const double tokens = static_cast<double>(std::max<long long>(1, in.ctx_len)) *
                        static_cast<double>(std::max<long long>(1, in.microbatch));
  e.activations = limits.activation_bytes * static_cast<double>(L) * static_cast<double>(D) * tokens +
                  tokens * static_cast<double>(V) * 6.0;
  e.overhead = limits.overhead_gib * 1024.0 * 1024.0 * 1024.0;
  return e;
}

}  // namespace rwkvq
