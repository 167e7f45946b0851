#pragma once
// Helpers shared by the rule groups (src/rules/*_rules.cpp): which notebooks to check, locations,
// virtual-path tests and the effective settings of every training run. Rules only.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rwkvq/core/finding.h"
#include "rwkvq/request/request.h"

namespace rwkvq::rules {

// The notebooks the rules judge: the request notebooks (training-notebook.ipynb,
// training-notebook-partN.ipynb) when any exist, else every notebook of the folder. Notebooks
// whose JSON could not be read are left out (notebook/invalid reports them).
std::vector<const NotebookProgram*> checked_notebooks(const Request& req);

// The notebook whose run ends the request: the highest part, or the single request notebook.
// Null when there is no readable request notebook.
const NotebookProgram* last_request_notebook(const Request& req);

// Locations.
Location file_loc(std::string_view rel);
Location line_loc(const Notebook& nb, const Cell& cell, std::size_t line_index);
Location code_loc(const Notebook& nb, const CodeLine& line);
Location cell_loc(const Notebook& nb, const Cell& cell);
// "cell 5" / "cell 5, line 2" / "line 12" for messages and hints; "" when nothing is known.
std::string where(const Location& loc);

// Virtual paths (see vpath.h). true when `path` is `dir` or inside it.
bool path_under(std::string_view path, std::string_view dir);
// "/repo/model" etc.
std::string repo_path(std::string_view rel);
// How a virtual path reads to the contributor: "model/x.pth" inside the repository, else as is.
std::string show_path(std::string_view vpath);
// Resolves a path written in a command/config against a working folder; "" when it cannot.
std::string resolve(std::string_view written, std::string_view cwd);
// The notebook folder (virtual absolute) of a notebook program.
std::string notebook_dir(const Request& req, const NotebookProgram& nb);
// `vpath` relative to the request folder when inside it ("training-config.yaml"), else nullopt.
std::optional<std::string> folder_relative(const Request& req, const NotebookProgram& nb,
                                           std::string_view vpath);

// The script a python command runs ("lightning_trainer.py"), the argv word index or -1.
int script_word(const Command& cmd);

// One training run's effective settings, with what is needed to resolve its relative paths.
struct RunView {
  const NotebookProgram* nb = nullptr;  // null for a config judged without a Train command
  const Stage* stage = nullptr;
  const Command* cmd = nullptr;         // the Train command
  const ConfigFile* config = nullptr;   // the YAML, when a file of the folder
  // The YAML was read: a setting that is not set is really absent. When false, only the
  // notebook's overrides are known, and "not set" means "could not tell".
  bool yaml_known = false;
  EffectiveConfig eff;
  std::string cwd;                      // the trainer folder the run starts in ("" unknown)
  Location loc;                         // the Train command, else the config file
  std::string label;                    // "the training in cell 8 of training-notebook.ipynb"
};
// Every stage of the checked notebooks; when none exists, every training config of the folder on
// its own (relative paths then resolved as from a trainer folder, /repo/RWKV-vX).
std::vector<RunView> runs(const Request& req);

// Where a Sourced setting is, falling back to `fallback` when it was never set.
template <class T>
Location origin_or(const Sourced<T>& s, const Location& fallback) {
  return s.origin.file.empty() ? fallback : s.origin;
}

// Removes findings identical in location and message (one YAML value seen by several stages).
void dedupe(std::vector<Finding>& out, std::size_t from);

// Non-comment text of every code line of a notebook, for "is this name mentioned" questions.
bool code_mentions(const NotebookProgram& nb, std::string_view needle);

// Orders two notebook locations (cell, then line in the cell).
bool loc_before(const Location& a, const Location& b);

}  // namespace rwkvq::rules
