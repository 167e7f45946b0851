// paths/: the example settings for the data path and checkpoints (DESIGN §1 rule 6), and the
// trainer folder the notebook works in.
#include <algorithm>
#include <set>

#include "rules/rule_helpers.h"
#include "rwkvq/request/vpath.h"
#include "rwkvq/rules/rule.h"
#include "rwkvq/util/strings.h"

namespace rwkvq {
namespace {

using namespace rules;

class Datapath : public Rule {
 public:
  std::string_view id() const override { return "paths/datapath"; }
  Severity default_severity() const override { return Severity::Error; }
  std::string_view summary() const override { return "data.data_path (or its override) is not under ../datapath/"; }
  void check(const Request& req, const RuleContext&, std::vector<Finding>& out) const override {
    std::size_t from = out.size();
    RunFindings rf(out);
    for (const RunView& r : runs(req)) {
      const auto& dp = r.eff.data_path;
      if (!dp.set() || dp.unknown || dp.value->empty()) continue;
      std::string p = resolve(*dp.value, r.cwd);
      if (p.empty() || path_under(p, repo_path("datapath"))) continue;
      if (strip(p) == repo_path("datapath")) continue;
      rf.add(r, make(origin_or(dp, r.loc),
                         r.label + " keeps its tokenised data in " + *dp.value + " (" + show_path(p) +
                             "), not under the repository's datapath/ folder",
                         "use the example setting data_path: ../datapath/<your-project>/ " +
                             std::string(dp.overridden ? "in the --data.data_path override (" + where(dp.origin) + ")"
                                                       : "in the config")));
    }
    rf.flush();
    dedupe(out, from);
  }
  static std::string strip(std::string p) {
    while (p.size() > 1 && p.back() == '/') p.pop_back();
    return p;
  }
};
RWKVQ_REGISTER_RULE(Datapath);

class Checkpoint : public Rule {
 public:
  std::string_view id() const override { return "paths/checkpoint"; }
  Severity default_severity() const override { return Severity::Error; }
  std::string_view summary() const override {
    return "the checkpoint dirpath (or its override) is not under ../checkpoint/, or the export reads "
           "a checkpoint from elsewhere";
  }
  void check(const Request& req, const RuleContext&, std::vector<Finding>& out) const override {
    std::size_t from = out.size();
    RunFindings rf(out);
    const std::string root = repo_path("checkpoint");
    for (const RunView& r : runs(req)) {
      const auto& cp = r.eff.checkpoint_dirpath;
      if (!cp.set() || cp.unknown || cp.value->empty()) continue;
      std::string p = resolve(*cp.value, r.cwd);
      if (p.empty() || path_under(p, root)) continue;
      rf.add(r, make(origin_or(cp, r.loc),
                         r.label + " saves checkpoints in " + *cp.value + " (" + show_path(p) +
                             "), not under the repository's checkpoint/ folder",
                         "use the example setting dirpath: ../checkpoint/<your-project>/ " +
                             std::string(cp.overridden ? "in the override (" + where(cp.origin) + ")"
                                                       : "under trainer.callbacks in the config")));
    }
    for (const NotebookProgram* nb : checked_notebooks(req))
      for (const Command& c : nb->commands) {
        if (c.kind != CommandKind::Export || c.input.empty() || c.unknown) continue;
        std::string p = path_normalize(c.input);
        if (path_under(p, root)) continue;
        out.push_back(make(c.loc,
                           nb->notebook.rel + " exports from the checkpoint " + show_path(p) +
                               ", which is not under checkpoint/ where the training saves",
                           "export from \"../checkpoint/<your-project>/last.ckpt\" in " + where(c.loc)));
      }
    rf.flush();
    dedupe(out, from);
  }
};
RWKVQ_REGISTER_RULE(Checkpoint);

bool trainer_command(CommandKind k) {
  return k == CommandKind::Train || k == CommandKind::InitModel || k == CommandKind::Export ||
         k == CommandKind::PreloadDatapath;
}

class TrainerDir : public Rule {
 public:
  std::string_view id() const override { return "paths/trainer-dir"; }
  Severity default_severity() const override { return Severity::Error; }
  std::string_view summary() const override {
    return "the trainer folder the notebook works in (RWKV-v5 …) does not exist in the checkout";
  }
  void check(const Request& req, const RuleContext&, std::vector<Finding>& out) const override {
    if (!req.repo.checkout) return;
    std::set<std::string> have(req.repo.trainer_dirs.begin(), req.repo.trainer_dirs.end());
    std::set<std::string> reported;
    for (const NotebookProgram* nb : checked_notebooks(req)) {
      // Folders the notebook clones (git clone …/BlinkDL/RWKV-LM): their trainer folders exist once
      // it runs, and rwkvq cannot look inside them.
      std::vector<std::string> clones;
      for (const Command& c : nb->commands)
        if (c.kind == CommandKind::Download && !c.argv.empty() && path_basename(c.argv[0].text) == "git" &&
            !c.output.empty())
          clones.push_back(c.output);
      for (const Command& c : nb->commands) {
        if (!trainer_command(c.kind) || c.cwd.empty()) continue;
        int w = script_word(c);
        std::string script = w >= 0 ? c.argv[static_cast<std::size_t>(w)].text : std::string();
        if (w >= 0 && c.argv[static_cast<std::size_t>(w)].unknown) continue;
        std::string dir = script.empty() ? c.cwd : path_dirname(resolve(script, c.cwd));
        if (std::any_of(clones.begin(), clones.end(), [&](const std::string& cl) { return path_under(dir, cl); }))
          continue;
        auto rel = repo_relative(dir);
        if (!rel || rel->empty()) continue;
        std::string top = split(*rel, '/')[0];
        if (have.count(top)) continue;
        if (!starts_with(top, "RWKV")) top = *rel;  // not a trainer folder at all
        if (!reported.insert(top).second) continue;
        std::string exist = have.empty() ? std::string("none") : join(req.repo.trainer_dirs, ", ");
        std::string name = script.empty() ? std::string(to_string(c.kind)) : path_basename(script);
        out.push_back(make(c.loc,
                           nb->notebook.rel + " runs " + name + " in " + top +
                               ", which this checkout of the trainer does not have (it has: " + exist + ")",
                           "set MODEL_VERSION / TRAINER_DIR to one of the trainer folders (" + exist + ") in " +
                               nb->notebook.rel + ", or rebase the branch onto a trainer version that has " + top));
      }
    }
  }
};
RWKVQ_REGISTER_RULE(TrainerDir);

}  // namespace
}  // namespace rwkvq
