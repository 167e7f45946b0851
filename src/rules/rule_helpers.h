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
  // Every setting is known (the YAML was read, or the trainer takes its settings from the
  // command line only): a setting that is not set is really absent. When false, only the
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

// A command that may leave files anywhere because rwkvq could not read it (subprocess.run(cmd) with
// an unknown cmd ...), named for messages: "subprocess.run in cell 4"; "" for other commands.
std::string unresolved_call(const Command& c);

// Does `path` match a stage output (a path, or a `dir/rwkv-*.pth` pattern)?
bool output_matches(std::string_view pattern, std::string_view path);

// Removes findings identical in location and message (one YAML value seen by several stages).
void dedupe(std::vector<Finding>& out, std::size_t from);

// Non-comment text of every code line of a notebook, for "is this name mentioned" questions.
bool code_mentions(const NotebookProgram& nb, std::string_view needle);

// Orders two notebook locations (cell, then line in the cell).
bool loc_before(const Location& a, const Location& b);

// Files that exist but cannot be used as a file (folder, FIFO, device, symlink leaving the folder,
// unreadable). What is there instead, in the contributor's words ("a folder", "a named pipe
// (FIFO)", "a symbolic link to /etc/passwd, outside the request folder", "a file that cannot be
// read (Permission denied)"); "" when `e` is a usable file (regular and readable, or a symlink
// that stays inside the folder).
std::string unusable_file(const Request& req, const FileEntry& e);
// The same for a path of the folder; "" when it is usable or does not exist.
std::string unusable_file(const Request& req, std::string_view rel);
// Why a file the request model failed to read could not be read ("Permission denied"), taken
// from the notebook's or config's read error; "" when unknown.
std::string read_failure(const Request& req, std::string_view rel);

// A training run as named in a message (copied from a RunView, which runs() returns by value).
struct RunRef {
  std::string label;                    // RunView::label
  const NotebookProgram* nb = nullptr;  // null for a config judged without a Train command
  int cell = 0;                         // the Train command's cell; 0 unknown
};
RunRef run_ref(const RunView& r);
// "the training run in cell 9, line 2 of x.ipynb" for one run; "each of the training runs in cells
// 9, 15 and 21 of x.ipynb" for several (singular, so the sentence's verb stays right).
std::string runs_label(const std::vector<RunRef>& runs);

// Findings about training runs whose message names the run (RunView::label). Findings that differ
// only in that label (one YAML value judged for every run that uses the config) become one
// finding naming every run: "each of the training runs in cells 9, 15 and 21 of x.ipynb keeps …".
// Written to `out` by flush() or on destruction, in the order first added.
class RunFindings {
 public:
  explicit RunFindings(std::vector<Finding>& out) : out_(out) {}
  ~RunFindings() { flush(); }
  RunFindings(const RunFindings&) = delete;
  RunFindings& operator=(const RunFindings&) = delete;
  // `f.message` should contain `run.label`; a finding without it is kept as it is.
  void add(const RunView& run, Finding f);
  void flush();

 private:
  struct Group {
    Finding f;             // the message with the run's label cut out at `at`
    std::size_t at = std::string::npos;
    std::vector<RunRef> runs;
  };
  std::vector<Finding>& out_;
  std::vector<Group> groups_;
};

}  // namespace rwkvq::rules
