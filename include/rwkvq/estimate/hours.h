#pragma once
// Training time (DESIGN §3). Formula documented in src/estimate/hours.cpp.
#include "rwkvq/core/settings.h"
#include "rwkvq/estimate/memory.h"

namespace rwkvq {

// Hours of training: 6·N·T / (gpus × peak bf16 FLOP/s × utilisation) × slowdown, where the
// slowdown is limits.stage3_slowdown for ZeRO stage 3 and × limits.offload_slowdown for offload.
double training_hours(double params, double tokens, int gpus, double bf16_tflops, const Strategy& s,
                      const Limits& limits);

}  // namespace rwkvq
