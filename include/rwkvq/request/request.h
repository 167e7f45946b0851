#pragma once
// The Request model: everything rwkvq knows about one request folder, built once by
// load_request(). Rules and estimates read this and never re-parse text.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "rwkvq/core/settings.h"
#include "rwkvq/request/code_lines.h"
#include "rwkvq/request/commands.h"
#include "rwkvq/request/config.h"
#include "rwkvq/request/folder.h"
#include "rwkvq/request/notebook.h"
#include "rwkvq/request/python_eval.h"
#include "rwkvq/request/vetting.h"

namespace rwkvq {

// How the contributor writes a stage's settings, for messages and hints.
struct SettingNames {
  std::string load_model = "model.load_model";
  std::string precision = "trainer.precision";
  std::string shape = "model.n_layer/n_embd";
  std::string data = "data.source";
  std::string end = "trainer.max_steps";  // what ends the run
};

// One training run of a notebook, trainer-neutral (DESIGN §7): rules and estimates read these
// fields and never ask which trainer ran. One recogniser per trainer fills it: the infctx trainer
// (`lightning_trainer.py fit`) from its YAML and overrides, the official trainer (`train.py` in
// RWKV-LM/RWKV-v*) from its flags and argparse defaults. Every setting carries its origin.
struct Stage {
  int command_index = -1;    // into NotebookProgram::commands
  std::string trainer;       // for messages only: "lightning_trainer.py", "train.py (RWKV-v5)"
  std::string config_path;   // infctx: virtual absolute path of -c (empty when unknown or none)
  int config_index = -1;     // into Request::configs when the config is a file of the folder
  EffectiveConfig config;    // the settings: YAML + overrides, or flags + defaults
  SettingNames names;
  // Every setting is known (the command line and the trainer's own defaults say all): a setting
  // that is not set is really absent. False for an infctx run whose YAML could not be read.
  bool settings_complete = false;
  bool from_scratch = false;  // no starting model: the trainer initialises one of config's shape
  // The configured shape (config.n_layer/n_embd/vocab_size) is the model's even when a model is
  // loaded (the official trainer builds the model from its flags, then loads the weights).
  bool shape_is_model = false;
  std::string endless;        // non-empty: the run never stops by itself, and why
  // Model files the run writes (virtual absolute paths, may end in a `rwkv-*.pth` pattern).
  std::vector<std::string> outputs;
  bool outputs_unknown = false;  // it writes model files, but where could not be resolved
  // Files or folders the run reads its dataset from, besides config.data_path/source (official:
  // --data_file, PREFIX.bin and PREFIX.idx for binidx). Virtual absolute paths.
  std::vector<Sourced<std::string>> data_inputs;
  std::string shape_unknown;  // non-empty: the blocks are not the standard ones (why): size unknown
};

// The official trainer's recogniser: the stage of a Train command whose trainer is
// Trainer::Official, from its flags and train.py's argparse defaults (DESIGN §7). `env` holds the
// RWKV_* environment variables set before the command (name -> value).
Stage official_stage(const Command& train, const std::vector<std::pair<std::string, std::string>>& env);

// Why the RWKV_* environment variables in `env` change the model's blocks (quantised or re-used
// mixes, repeated layers ...), so that the standard size formula does not hold; "" when none does.
std::string blocks_changed_by(const std::vector<std::pair<std::string, std::string>>& env);

struct NotebookProgram {
  Notebook notebook;
  int part = 0;                  // k for training-notebook-partk.ipynb, 0 otherwise
  bool request_notebook = false; // training-notebook.ipynb or training-notebook-partN.ipynb
  std::vector<CodeLine> lines;   // every code line of every code cell, classified
  std::vector<Command> commands; // every shell command, in execution order
  std::vector<Stage> stages;     // every training run
  PyEnv env;                     // variables at the end of the notebook
  Vetting vet;                   // shell lines and Python calls, for the security/ rules
};

// Where the request sits, when it is inside a checkout of the trainer's repository.
struct RepoContext {
  std::optional<std::filesystem::path> checkout;  // ancestor with .git and RWKV-v* folders
  std::string rel_dir;             // folder inside the repository ("notebook/community/x")
  std::vector<std::string> trainer_dirs;  // "RWKV-v4neo", "RWKV-v5" ... found in the checkout
};

// Caps against hostile input (a request is untrusted): what load_request reads and runs. What a
// cap stops is recorded in Request::limit_hits (rule security/input-limits), never dropped
// silently.
struct LoadLimits {
  std::uint64_t max_read_bytes = 64ull << 20;  // each notebook read (configs: at most 8 MiB)
  int max_cells = 5000;                        // cells run per notebook
  int max_code_lines = 100000;                 // code lines run per notebook
  double time_budget_seconds = 60;             // running the notebooks of one request
};
// The caps of rwkvq.yaml's limits section.
LoadLimits load_limits(const Limits& limits);
inline constexpr int kMaxBlockNesting = 50;    // Python blocks followed this deep (python_eval)

struct LimitHit {
  Location loc;
  std::string what;  // "cell 5001 and later were not run (limits.max_cells = 5000)"
};

// The checkout around `folder` (absolute; need not exist yet): the nearest ancestor holding
// `.git`, a trainer checkout when it also holds RWKV-v* folders. Reads no file.
RepoContext find_repo(const std::filesystem::path& folder);

struct Request {
  FolderScan folder;
  RepoContext repo;
  std::vector<NotebookProgram> notebooks;  // every top-level .ipynb, request notebooks first
                                           // (by part), then the others by name
  std::vector<ConfigFile> configs;         // every top-level .yaml / .yml, by name
  // Files that could not be read safely (escaping symlink, unreadable, FIFO ...) are in
  // folder.entries with their flags; rules report them.

  std::vector<LimitHit> limit_hits;        // what the caps of LoadLimits cut short

  const ConfigFile* config(std::string_view rel) const;
};

// Builds the model. Throws UsageError when the folder cannot be used at all (missing, not a
// folder); every problem inside the folder is left for the rules to report.
Request load_request(const std::string& path, const LoadLimits& limits = {});

}  // namespace rwkvq
