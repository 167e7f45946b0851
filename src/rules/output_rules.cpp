// output/: the finished model reaches the repository's model/ folder, the only thing the runner
// uploads after a run (DESIGN §1 rule 3).
#include "rules/rule_helpers.h"
#include "rwkvq/request/vpath.h"
#include "rwkvq/rules/rule.h"
#include "rwkvq/util/strings.h"

namespace rwkvq {
namespace {

using namespace rules;

bool is_pth(std::string_view p) { return ends_with(to_lower(p), ".pth"); }

// A .pth directly in <repo>/model/ (what the runner uploads: model/*.pth).
bool uploaded(std::string_view p) {
  return is_pth(p) && path_dirname(path_normalize(p)) == repo_path("model");
}

// The .pth a command leaves in model/, or "" (Export, or cp/mv of a .pth into model/).
std::string writes_into_model(const Command& c) {
  if (c.output.empty()) return "";
  if (c.kind == CommandKind::Export) return uploaded(c.output) ? path_normalize(c.output) : "";
  if (c.kind == CommandKind::Copy || c.kind == CommandKind::Move) {
    if (uploaded(c.output)) return path_normalize(c.output);
    std::string dst = path_normalize(c.output);
    while (dst.size() > 1 && dst.back() == '/') dst.pop_back();
    if (dst == repo_path("model") && is_pth(c.input)) return path_join(dst, path_basename(c.input));
  }
  return "";
}

class ModelFolder : public Rule {
 public:
  std::string_view id() const override { return "output/model-folder"; }
  Severity default_severity() const override { return Severity::Error; }
  std::string_view summary() const override {
    return "the last part writes no .pth into <repo>/model/, or a .pth is exported elsewhere";
  }
  void check(const Request& req, const RuleContext&, std::vector<Finding>& out) const override {
    // Exports that land outside model/*.pth (and are not copied there afterwards).
    const NotebookProgram* last = last_request_notebook(req);
    bool last_reported = false;
    for (const NotebookProgram* nb : checked_notebooks(req)) {
      for (std::size_t i = 0; i < nb->commands.size(); ++i) {
        const Command& c = nb->commands[i];
        if (c.kind != CommandKind::Export || c.output.empty() || c.unknown) continue;
        if (uploaded(c.output)) continue;
        std::string outp = path_normalize(c.output);
        bool rescued = false;
        for (std::size_t j = i + 1; j < nb->commands.size(); ++j) {
          const Command& d = nb->commands[j];
          if ((d.kind == CommandKind::Copy || d.kind == CommandKind::Move) &&
              path_normalize(d.input) == outp && !writes_into_model(d).empty())
            rescued = true;
        }
        if (rescued) continue;
        std::string msg = nb->notebook.rel + " exports the model to " + show_path(outp);
        if (!is_pth(outp))
          msg += ", which is not a .pth file: only model/*.pth is uploaded after the run";
        else if (path_under(outp, repo_path("model")))
          msg += ", a subfolder of model/: only model/*.pth is uploaded after the run";
        else
          msg += ", outside model/: only model/*.pth is uploaded after the run, so it would be lost";
        if (nb == last) last_reported = true;
        out.push_back(make(c.loc, msg,
                           "export to \"../model/{FILENAME_PREFIX}.pth\" (relative to the trainer "
                           "folder) in " + where(c.loc) + " of " + nb->notebook.rel));
      }
    }

    if (!last || last_reported) return;  // the misplaced export says it already
    // Training runs that write .pth files themselves (the official trainer: rwkv-*.pth in --proj_dir).
    std::vector<std::string> stage_outputs;
    const Stage* writer = nullptr;
    const Stage* unknown_outputs = nullptr;
    for (const Stage& st : last->stages) {
      for (const std::string& o : st.outputs) {
        if (uploaded(o)) return;
        if (is_pth(o)) {
          stage_outputs.push_back(o);
          writer = &st;
        }
      }
      if (st.outputs_unknown && !unknown_outputs) unknown_outputs = &st;
    }
    const Command* unsure = nullptr;
    for (const Command& c : last->commands) {
      if (!writes_into_model(c).empty()) return;
      if ((c.kind == CommandKind::Export || c.kind == CommandKind::Copy || c.kind == CommandKind::Move ||
           c.kind == CommandKind::Unresolved) &&
          (c.output.empty() || c.unknown) && !unsure)
        unsure = &c;
    }
    std::string name = last->notebook.rel;
    bool part = last->part > 0;
    if (unsure || unknown_outputs) {
      std::string call = unsure ? unresolved_call(*unsure) : std::string();
      std::string why = call.empty() ? (unsure ? "an export or copy (" + where(unsure->loc) +
                                                     ") has a path rwkvq could not resolve"
                                               : "the folder the training run saves its .pth files in could not "
                                                 "be resolved")
                                     : call + " runs a command rwkvq could not resolve";
      Finding f = make(unsure ? unsure->loc : file_loc(name),
                       "could not tell whether " + name + " writes the finished model into model/: " + why,
                       "export or copy the model with a literal or simple f-string path such as "
                       "\"../model/{FILENAME_PREFIX}.pth\"");
      f.severity = call.empty() && unsure ? Severity::Info : Severity::Warning;
      out.push_back(std::move(f));
      return;
    }
    bool exports = false;
    for (const Command& c : last->commands)
      if (c.kind == CommandKind::Export) exports = true;
    if (!stage_outputs.empty() && !exports) {
      const std::string dir = show_path(path_dirname(stage_outputs.back()));
      out.push_back(make(file_loc(name),
                         name + (part ? ", the last part," : "") + " trains with " + writer->trainer + ", which saves its " +
                             path_basename(stage_outputs.back()) + " files in " + dir +
                             "/ (--proj_dir), and no .pth reaches model/: only model/*.pth is uploaded after "
                             "the run, so the result would be lost",
                         "copy the final model into model/ at the end of " + name + ", e.g. !cp \"" +
                             (repo_relative(path_dirname(stage_outputs.back())) ? "{PROJECT_DIR}/" + dir : dir) +
                             "/rwkv-final.pth\" \"{PROJECT_DIR}/model/{FILENAME_PREFIX}.pth\" (or pass --proj_dir "
                             "pointing at model/)"));
      return;
    }
    std::string msg = name + (part ? ", the last part," : "") +
                      (exports ? " writes no .pth into model/"
                               : " never exports the trained model (export_checkpoint.py)") +
                      ": only model/*.pth is uploaded after the run, so the result would be lost";
    out.push_back(make(file_loc(name), msg,
                       "end " + name + " with: !cd \"{TRAINER_DIR}\" && python export_checkpoint.py "
                       "\"../checkpoint/<run>/last.ckpt\" \"../model/{FILENAME_PREFIX}.pth\""));
  }
};
RWKVQ_REGISTER_RULE(ModelFolder);

}  // namespace
}  // namespace rwkvq
