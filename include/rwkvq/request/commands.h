#pragma once
// Shell commands of a notebook recognised for what they do (DESIGN §1): init_model.py,
// downloads, preload_datapath.py, lightning_trainer.py fit, export_checkpoint.py, mkdir, cd ...
#include <optional>
#include <string>
#include <vector>

#include "rwkvq/core/finding.h"
#include "rwkvq/request/shell.h"

namespace rwkvq {

enum class CommandKind {
  InitModel,        // python init_model.py --n_layer L --n_embd D --vocab_size V OUT
  Download,         // wget / curl -o / huggingface-cli download / hf_hub_download / git lfs
  PreloadDatapath,  // python preload_datapath.py CONFIG
  Train,            // python lightning_trainer.py fit -c CONFIG --key=value ... (infctx trainer), or
                    // python train.py --flag value ... in RWKV-LM/RWKV-v* (the official trainer)
  Export,           // python export_checkpoint.py CKPT OUT.pth
  Mkdir, Cd, Ls, PipInstall, Remove, Copy, Move,
  OtherPython,      // python something-else.py
  Other,
  Unresolved        // a command started from Python (subprocess.run(cmd), os.system(cmd)) whose
                    // command line rwkvq could not resolve: it may do anything
};

// Which trainer a Train command runs (read by the stage recognisers only; rules read the Stage).
enum class Trainer { None, Infctx, Official };

std::string_view to_string(CommandKind k);

// A `--section.key=value` (or `--section.key value`) command-line override of a Train command.
struct Override {
  std::string key;    // "model.load_model", "trainer.strategy"
  std::string value;  // after substitution
  bool unknown = false;
  std::string why;    // unknown: why ("depends on X (never set)")
  Location loc;       // notebook cell/line of the command
};

struct Command {
  CommandKind kind = CommandKind::Other;
  std::vector<ShellWord> argv;
  std::string cwd;            // virtual absolute working folder; "" when unknown
  Location loc;               // the line in the notebook (file, line, column, cell, cell_line)
  bool unknown = false;       // some word or the cwd is unresolved
  std::string why;            // unknown: the first reason found
  bool conditional = false;   // in a branch or loop that may not run (set by load_request)
  std::string script;         // python commands: basename of the script ("init_model.py")
  std::vector<std::string> assignments;  // VAR=value words before the command / of `export`

  // Paths below are virtual absolute (resolved against cwd, see vpath.h), "" when unknown.
  // InitModel
  std::optional<long long> n_layer, n_embd, vocab_size;  // vocab: neox=50277, world=65536
  // InitModel: the .pth written; Download: the file written (dest folder + name);
  // Export: the .pth written; Copy/Move: the destination.
  std::string output;
  std::string url;    // Download: the source (URL, or "repo_id/filename" for the Hub)
  // Train/PreloadDatapath: the config (-c / first argument); Export: the checkpoint read;
  // Copy/Move: the source.
  std::string input;
  std::vector<Override> overrides;  // Train: infctx `--section.key` overrides; official: every
                                    // `--flag value` of train.py, key without dashes ("load_model")
  Trainer trainer = Trainer::None;  // Train
  // Train (official): the trainer folder, relative to the RWKV-LM checkout ("RWKV-v5",
  // "RWKV-v7/train_temp"); "" when unknown.
  std::string trainer_dir;
  // How the command was started when not from a shell line: "subprocess.run", "os.system" ...
  std::string via;
};

// Recognises the simple commands of one shell line. `cwd` is the working folder before the line
// (each `!` line starts in the notebook folder; a %%bash cell keeps it across lines) and is
// updated through `cd`.
std::vector<Command> recognise_commands(const std::vector<SimpleCommand>& cmds, std::string& cwd,
                                        const Location& loc);

}  // namespace rwkvq
