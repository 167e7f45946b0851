#pragma once
// Test helper for the rules: writes a temporary request folder from {relative path: content}
// (plus a notebook built from a list of cells), loads it with load_request, runs one rule by id
// and returns its findings. The folder is removed when the fixture goes away.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rwkvq/core/finding.h"
#include "rwkvq/core/settings.h"
#include "rwkvq/request/request.h"

namespace rwkvq::test {

struct NbCell {
  std::string type;    // "markdown", "code", "raw"
  std::string source;  // lines separated by '\n'
};

// nbformat 4 JSON of these cells (source as a list of lines, like Jupyter writes it).
std::string notebook_json(const std::vector<NbCell>& cells);

// A clean single-notebook request: notebook cells and the config, modelled on the programme's
// template with every placeholder filled in. Tests copy and edit them.
std::vector<NbCell> clean_cells();
std::string clean_config();
// {"training-notebook.ipynb": notebook_json(clean_cells()), "training-config.yaml": clean_config()}
std::map<std::string, std::string> clean_files();
// clean_files() with training-config.yaml replaced by `config`.
std::map<std::string, std::string> with_config(const std::string& config);

// A clean request that trains with BlinkDL's official trainer (DESIGN §7): clones RWKV-LM,
// downloads the model and a binidx dataset, runs train.py in RWKV-LM/RWKV-v5 with
// --my_exit_tokens, and copies rwkv-final.pth into model/. No config file.
std::vector<NbCell> official_cells();
// {"training-notebook.ipynb": notebook_json(official_cells())}
std::map<std::string, std::string> official_files();

std::string replace_all(std::string s, const std::string& from, const std::string& to);
// Replaces text in every cell (fails the test if nothing matched).
std::vector<NbCell> edit_cells(std::vector<NbCell> cells, const std::string& from, const std::string& to);

struct FixtureOptions {
  std::string folder = "alice-shakespeare";  // the request folder's name
  // Place the request inside a fake checkout of the trainer repository:
  // <tmp>/repo/.git/, <tmp>/repo/<trainer_dirs>/, request at <tmp>/repo/<rel_dir>.
  bool checkout = false;
  std::string rel_dir = "notebook/community/alice-shakespeare";
  std::vector<std::string> trainer_dirs = {"RWKV-v5"};
};

class RequestFixture {
 public:
  explicit RequestFixture(const std::map<std::string, std::string>& files, FixtureOptions opt = {});
  ~RequestFixture();
  RequestFixture(const RequestFixture&) = delete;
  RequestFixture& operator=(const RequestFixture&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  void write(const std::string& rel, const std::string& content) const;
  Request load() const;
  std::vector<Finding> run(std::string_view rule_id, const Settings& settings = default_settings()) const;
  // Every rule (run_rules with default settings, no estimate): what `rwkvq validate` reports
  // apart from the limits/ rules.
  std::vector<Finding> run_all() const;
  // run_all() as an unprivileged user, so that files with mode 0 really cannot be read: as root,
  // in a child process that drops to uid/gid 65534 (the fixture's folders are opened to it);
  // otherwise in this process. nullopt when the privileges could not be dropped.
  std::optional<std::vector<Finding>> run_all_unprivileged() const;

 private:
  std::filesystem::path tmp_;
  std::filesystem::path dir_;
};

// One call: write `files` (and `cells` as training-notebook.ipynb when not empty), run one rule.
std::vector<Finding> run_rule(std::string_view rule_id, std::map<std::string, std::string> files,
                              const std::vector<NbCell>& cells = {}, FixtureOptions opt = {});

// The rule ids of `f`, sorted, with repeats.
std::vector<std::string> rule_ids(const std::vector<Finding>& f);
// Does any message or hint contain `text`?
bool mentions(const std::vector<Finding>& f, const std::string& text);

// Findings of severity `sev` (nullopt: any).
std::vector<Finding> with_severity(const std::vector<Finding>& f, std::optional<Severity> sev);
std::size_t count_severity(const std::vector<Finding>& f, Severity sev);
// Every message + hint, for failure output.
std::string describe(const std::vector<Finding>& f);

}  // namespace rwkvq::test
