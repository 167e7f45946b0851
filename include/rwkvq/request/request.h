#pragma once
// The Request model: everything rwkvq knows about one request folder, built once by
// load_request(). Rules and estimates read this and never re-parse text.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "rwkvq/request/code_lines.h"
#include "rwkvq/request/commands.h"
#include "rwkvq/request/config.h"
#include "rwkvq/request/folder.h"
#include "rwkvq/request/notebook.h"
#include "rwkvq/request/python_eval.h"

namespace rwkvq {

// One `lightning_trainer.py fit` of a notebook.
struct Stage {
  int command_index = -1;    // into NotebookProgram::commands
  std::string config_path;   // virtual absolute path of -c (empty when unknown)
  int config_index = -1;     // into Request::configs when the config is a file of the folder
  EffectiveConfig config;    // YAML + overrides
};

struct NotebookProgram {
  Notebook notebook;
  int part = 0;                  // k for training-notebook-partk.ipynb, 0 otherwise
  bool request_notebook = false; // training-notebook.ipynb or training-notebook-partN.ipynb
  std::vector<CodeLine> lines;   // every code line of every code cell, classified
  std::vector<Command> commands; // every shell command, in execution order
  std::vector<Stage> stages;     // every training run
  PyEnv env;                     // variables at the end of the notebook
};

// Where the request sits, when it is inside a checkout of the trainer's repository.
struct RepoContext {
  std::optional<std::filesystem::path> checkout;  // ancestor with .git and RWKV-v* folders
  std::string rel_dir;             // folder inside the repository ("notebook/community/x")
  std::vector<std::string> trainer_dirs;  // "RWKV-v4neo", "RWKV-v5" ... found in the checkout
};

struct Request {
  FolderScan folder;
  RepoContext repo;
  std::vector<NotebookProgram> notebooks;  // every top-level .ipynb, request notebooks first
                                           // (by part), then the others by name
  std::vector<ConfigFile> configs;         // every top-level .yaml / .yml, by name
  // Files that could not be read safely (escaping symlink, unreadable, FIFO ...) are in
  // folder.entries with their flags; rules report them.

  const ConfigFile* config(std::string_view rel) const;
};

// Builds the model. Throws UsageError when the folder cannot be used at all (missing, not a
// folder); every problem inside the folder is left for the rules to report.
Request load_request(const std::string& path);

}  // namespace rwkvq
