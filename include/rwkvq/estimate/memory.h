#pragma once
// GPU memory of a training run, per GPU (DESIGN §3). Formula documented in src/estimate/memory.cpp.
#include <optional>
#include <string>
#include <string_view>

#include "rwkvq/core/settings.h"

namespace rwkvq {

// A Lightning/DeepSpeed strategy name: "deepspeed_stage_2_offload" -> {2, true}.
struct Strategy {
  int zero_stage = 0;    // 0 = not DeepSpeed (DDP: nothing sharded)
  bool offload = false;  // optimiser states in CPU memory
  bool known = true;     // false for a name rwkvq does not understand (treated as stage 0)
};
Strategy parse_strategy(std::string_view name);

struct MemoryInput {
  double params = 0;
  std::optional<long long> n_layer, n_embd, vocab_size;  // when unknown, derived from params
  long long ctx_len = 4096;
  long long microbatch = 1;
  int gpus = 1;
  Strategy strategy;
};

struct MemoryEstimate {  // bytes per GPU
  double weights = 0, gradients = 0, optimiser = 0, activations = 0, overhead = 0;
  double total() const { return weights + gradients + optimiser + activations + overhead; }
  double total_gib() const { return total() / (1024.0 * 1024.0 * 1024.0); }
};

MemoryEstimate memory_per_gpu(const MemoryInput& in, const Limits& limits);

}  // namespace rwkvq
