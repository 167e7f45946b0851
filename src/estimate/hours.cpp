// Training time (DESIGN §3):
//   FLOPs ≈ 6·N·T (forward 2·N·T, backward 4·N·T, for T training tokens; RWKV's recurrence
//   adds O(L·D·T), negligible next to the matrix products)
//   hours = FLOPs / (G × peak bf16 FLOP/s × utilisation) / 3600 × slowdown
//   slowdown = limits.stage3_slowdown for ZeRO stage 3 (weights gathered every layer, every
//   step), × limits.offload_slowdown for *_offload (optimiser step on the CPU).
// utilisation (default 0.25) is calibrated on the corpus's training logs:
// bench/calibrate_utilisation.py, docs/estimate.md.
#include "rwkvq/estimate/hours.h"

#include <algorithm>

namespace rwkvq {

double training_hours(double params, double tokens, int gpus, double bf16_tflops, const Strategy& s,
                      const Limits& limits) {
  const double flops = 6.0 * params * tokens;
  const double rate = std::max(1, gpus) * bf16_tflops * 1e12 * limits.utilisation;
  double hours = flops / rate / 3600.0;
  if (s.zero_stage >= 3) hours *= limits.stage3_slowdown;
  if (s.offload) hours *= limits.offload_slowdown;
  return hours;
}

}  // namespace rwkvq
