#pragma once
// Estimates of a request (DESIGN §3): parameters, tokens, memory per GPU and hours, per training
// stage, per part, for every configured target. Pure computation over the Request model.
// (Owned by the estimate work; this first version fixes the shape the rules and queue use.)
#include <optional>
#include <string_view>
#include <string>
#include <vector>

#include "rwkvq/core/settings.h"
#include "rwkvq/request/request.h"

namespace rwkvq {

namespace net {
struct NetFacts;  // rwkvq/net/lookup.h
}

struct ParamEstimate {
  std::optional<long long> value;  // parameters; nullopt = unknown
  std::string source;              // "init_model.py arguments (cell 4)", "file name RWKV-5-World-1B5", "--params", "unknown: ..."
  std::optional<long long> n_layer, n_embd, vocab_size;
  Location loc;                    // the command the size was read from (init_model/download); may be empty
};

struct TokenEstimate {
  std::optional<long long> value;  // training tokens; nullopt = unknown
  std::string source;
};

struct TargetEstimate {
  std::string name;  // "1x24vgb"
  int gpus = 1;
  std::string gpu;   // GpuSpec::name
  std::optional<double> memory_gib_per_gpu;
  std::optional<bool> fits;      // memory fits; nullopt = unknown
  std::optional<double> hours;   // nullopt = unknown
  std::string why;               // why hours/memory are unknown
  int gpus_used = 1;             // GPUs the stage uses there (min(devices, gpus) for a numeric devices)
  double utilisation = 0;        // fraction of the peak the hours assume
  std::string utilisation_source;  // "limits.utilisation", "0.31 learned from 7 runs on 1x24vgb"
};

struct StageEstimate {
  int notebook = 0;  // index into Request::notebooks
  int stage = 0;     // index into NotebookProgram::stages
  int cell = 0;
  Location loc;      // the training command
  std::string trainer;  // Stage::trainer, for display ("lightning_trainer.py", "train.py (RWKV-v5)")
  std::string load_model;
  bool from_scratch = false;  // no starting model: the trainer initialises one
  ParamEstimate params;
  TokenEstimate tokens;
  std::optional<long long> ctx_len, microbatch_size, target_batch_size, max_epochs, max_steps;
  std::string strategy, precision;
  std::vector<TargetEstimate> targets;  // one per configured target (or the --target only)
  std::vector<std::string> notes;       // assumptions made (defaults taken, unknown values)

  const TargetEstimate* on(std::string_view target) const;
};

struct PartEstimate {
  int notebook = 0;       // index into Request::notebooks
  std::string name;       // notebook file
  int part = 0;
  std::vector<StageEstimate> stages;
  std::optional<double> hours;  // on the chosen target; nullopt = unknown (some stage unknown)
  double known_hours = 0;       // sum over the stages whose hours are known (a lower bound)
};

struct RequestEstimate {
  std::string target;         // chosen (or given) target; "" when none fits
  std::string target_reason;  // why that target
  std::vector<PartEstimate> parts;
  std::optional<double> total_hours;
  std::vector<std::string> targets_considered;  // names, smallest first
};

struct EstimateOptions {
  std::optional<std::string> target;  // --target
  std::optional<long long> tokens;    // --tokens
  std::optional<long long> params;    // --params
  // `--online`: looked-up dataset sizes (tokens of epoch-bounded runs) and file lengths
  // (parameters when nothing better says); null = offline.
  const net::NetFacts* net = nullptr;
};

// Throws UsageError for an unknown --target. Never throws on odd request contents.
// Parts: one per request notebook (training-notebook*.ipynb) with its stages; when the folder
// has no request notebook, every notebook with a training stage (researchers' notebooks).
RequestEstimate estimate_request(const Request& req, const Settings& settings,
                                 const EstimateOptions& opt);

// JSON of `rwkvq estimate --format json` (schemas/estimate.schema.json).
std::string estimate_json(const Request& req, const RequestEstimate& est);

}  // namespace rwkvq
