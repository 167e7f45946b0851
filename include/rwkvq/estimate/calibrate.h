#pragma once
// Calibration of the GPU utilisation from executed notebooks (issue 7; `rwkvq calibrate`): the
// training logs the trainer printed in a training cell's outputs say how many GPUs ran
// (DeepSpeed's "MEMBER: k/N"), how many batches and how long (Lightning's progress bars
// "Epoch e: …| done/total [elapsed<…"), and the model's size (Lightning's model summary
// "533 M     Total params"). With the stage's ctx_len and microbatch (request model), tokens are
// counted the way rwkvq's estimate counts them (batches × microbatch × GPUs × ctx_len), so
//   utilisation = 6·N·tokens / (seconds × GPUs × peak bf16 FLOP/s)
// is exactly the factor that makes rwkvq's hours formula reproduce the run.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rwkvq/core/settings.h"
#include "rwkvq/request/notebook.h"
#include "rwkvq/request/request.h"

namespace rwkvq {

inline constexpr double kCalibrateMinSeconds = 600;  // shorter runs: start-up dominates
inline constexpr long long kCalibrateMinBatches = 50;

// What one training cell's output says about the run.
struct TrainingLog {
  std::optional<int> gpus;          // largest N of "MEMBER: k/N"
  long long batches = 0;            // per epoch, the last progress bar's `done`, summed
  double seconds = 0;               // per epoch, that bar's elapsed time, summed
  int epochs = 0;                   // epochs with a progress bar
  std::optional<double> params;     // "533 M     Total params" (the trainer's model summary)
};
TrainingLog parse_training_log(std::string_view output);

// "8x3090", "[8xA100]", "8xH100s" in a notebook's name or text -> catalogue name (rtx3090,
// a100-80, h100, rtx4090, l40); nullopt when none is said.
std::optional<std::string> gpu_from_text(std::string_view text);

struct CalibrationRun {
  std::string notebook;
  int cell = 0;
  TrainingLog log;
  long long ctx_len = 0;
  bool ctx_assumed = false;          // not in the config: the trainer's default
  long long microbatch = 1;
  std::optional<double> params;
  std::string params_source;         // "model summary in the output", or the estimate's source
  std::string gpu;                   // catalogue name; "" = unknown
  double tokens = 0, flops = 0;
  std::optional<double> tflops_per_gpu;  // achieved
  std::optional<double> utilisation;     // achieved ÷ peak (known GPU only)
  std::string skipped;               // why the run is not used; "" when it is
};

// Every training stage of notebook `notebook_index` of `req`, measured from the outputs of the
// same notebook read with NotebookReadOptions::outputs (`executed`). `gpu`: the catalogue GPU the
// runs used ("" = from the notebook's text, else unknown).
std::vector<CalibrationRun> calibrate_notebook(const Request& req, int notebook_index, const Notebook& executed,
                                               const Settings& settings, const std::string& gpu);

double median_of(std::vector<double> values);

}  // namespace rwkvq
