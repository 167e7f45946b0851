#pragma once
// rwkvq.yaml: rule severities, limits, GPU catalogue and runner targets, queue priority weights.
// Defaults are built in (data/defaults.yaml); a config file overrides or extends them.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rwkvq/core/finding.h"

namespace rwkvq {

struct GpuSpec {
  std::string name;          // "rtx3090"
  std::string label;         // "NVIDIA RTX 3090"
  double memory_gib = 0;     // per GPU
  double bf16_tflops = 0;    // dense bf16 peak
};

struct TargetSpec {
  std::string name;  // runner label, "1x24vgb"
  int gpus = 1;
  std::string gpu;   // GpuSpec::name
};

struct Limits {
  double max_params = 1.6e9;         // limits/model-size (the "1.5B class")
  double stage3_params = 3.0e9;      // limits/stage3-penalty
  double max_hours = 12.0;           // limits/hours, per part
  std::uint64_t max_file_bytes = 5ull << 20;   // data/committed: any file over this
  std::uint64_t max_text_bytes = 1ull << 20;   // data/committed: .json/.txt over this
  double utilisation = 0.25;         // fraction of bf16 peak reached in training (calibrated,
                                     // bench/calibrate_utilisation.py, docs/estimate.md)
  double stage3_slowdown = 1.5;      // time factor for deepspeed_stage_3
  double offload_slowdown = 1.3;     // time factor for *_offload strategies
  double activation_bytes = 8;       // activation bytes per token x layer x width (memory)
  double overhead_gib = 1.5;         // fixed CUDA/framework memory per GPU
  // Caps against hostile input (security/input-limits; request.h LoadLimits)
  std::uint64_t max_read_bytes = 64ull << 20;  // each notebook read
  long long max_cells = 5000;                  // cells run per notebook
  long long max_code_lines = 100000;           // code lines run per notebook
  double time_budget_seconds = 60;             // running one request's notebooks
  bool learn = true;                 // use the utilisation learned from the queue's done runs
};

// The utilisation a runner target reached in the queue's done runs (src/queue/learn.h).
struct LearnedUtilisation {
  double utilisation = 0;  // median achieved / peak
  int runs = 0;            // how many runs it was learned from
};

struct PriorityWeights {
  double kind = 1000, shortness = 500, age = 300, boost = 100;  // Slurm-style weights
  double age_period_days = 14;       // age factor reaches 1.0 after this
  double shortness_scale_hours = 12; // shortness = 1 - min(hours, scale)/scale
  std::map<std::string, double> kind_value = {
      {"rwkv-x", 1.0}, {"community-priority", 0.6}, {"community", 0.3}};
};

// A severity override: a Severity, or disabled ("off").
struct SeverityOverride {
  bool off = false;
  Severity severity = Severity::Error;
};

struct EstimateSettings {
  double bytes_per_token = 4;  // dataset bytes per training token (online dataset sizes)
};

// `runner:` (DESIGN §10): where `rwkvq queue dispatch / sync / import` find the programme's
// GitHub Actions workflow and what it is started with.
struct RunnerSettings {
  std::string repo = "RWKV/RWKV-infctx-trainer";  // OWNER/NAME
  std::string workflow = "notebook-run.yml";
  std::string ref = "rwkv-community-training";    // the branch it runs on; the base of pull requests
  std::string lane = "lane2";                     // input lanePrefence
  std::string cuda = "11-8";                      // input cudaVersion
  std::string hf_repo = "rwkv-x-dev/rwkv-x-playground";  // input huggingFaceRepo
};

struct Settings {
  std::map<std::string, SeverityOverride> rules;  // rule id -> override
  Limits limits;
  EstimateSettings estimate;
  RunnerSettings runner;
  bool online = false;  // `online: true`: validate/estimate look things up (DESIGN §9)
  std::vector<GpuSpec> gpus;
  std::vector<TargetSpec> targets;  // in size order: smallest first
  PriorityWeights priority;
  // content/policy: words and phrases a maintainer wants to see (built-in list + content.words)
  std::vector<std::string> content_words;
  // Per target, learned from the queue's done runs; replaces limits.utilisation for that target
  // in the hours. Filled by the command line (not from rwkvq.yaml) unless limits.learn is false.
  std::map<std::string, LearnedUtilisation> learned;
  std::string source;  // path of the rwkvq.yaml that was loaded; "" = built-in defaults
  // rule id -> "FILE:LINE:COL" of its override in the loaded file (for unknown_rule_ids)
  std::map<std::string, std::string> rule_positions;

  const GpuSpec* gpu(std::string_view name) const;
  const TargetSpec* target(std::string_view name) const;
};

// The built-in settings (C++ values: no YAML is parsed at start-up).
Settings default_settings();
// data/defaults.yaml, parsed: the documented form of default_settings(), which a test keeps equal.
Settings default_settings_from_yaml();
// Loads and validates a rwkvq.yaml on top of the defaults. Throws InputError naming the file,
// line and column (unknown key: with the closest known key).
Settings load_settings(const std::filesystem::path& file);
// The rwkvq.yaml of the repository containing `start` (walking up to the first folder with
// .git, or the filesystem root), if any.
std::optional<std::filesystem::path> find_settings_file(const std::filesystem::path& start);
// load_settings accepts any well-formed rule id ("group/name"), since core does not know the
// rule registry. The CLI passes the registered ids here and warns with the returned messages:
// "FILE:LINE:COL: unknown rule 'x' (did you mean 'y'?)".
std::vector<std::string> unknown_rule_ids(const Settings& settings,
                                          const std::vector<std::string>& known_ids);

}  // namespace rwkvq
