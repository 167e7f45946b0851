// model/: every model a training run starts from is downloaded or initialised by the notebook
// itself (DESIGN §1 rule 5), and each part runs on an emptied node.
#include <algorithm>

#include "rules/rule_helpers.h"
#include "rwkvq/request/vpath.h"
#include "rwkvq/rules/rule.h"
#include "rwkvq/util/strings.h"

namespace rwkvq {
namespace {

using namespace rules;

bool produces_kind(CommandKind k) {
  return k == CommandKind::InitModel || k == CommandKind::Download || k == CommandKind::Export ||
         k == CommandKind::Copy || k == CommandKind::Move || k == CommandKind::Unresolved;
}

std::string strip_slash(std::string p) {
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

// Does `c` leave a file at `path`?
bool produces(const Command& c, const std::string& path) {
  if (!produces_kind(c.kind) || c.output.empty()) return false;
  std::string out = strip_slash(path_normalize(c.output));
  if (out == path) return true;
  // Into a folder: a download or copy keeping the source's name.
  if (out == path_dirname(path)) {
    std::string src = c.kind == CommandKind::Download ? c.url : c.input;
    auto q = src.find('?');
    if (q != std::string::npos) src = src.substr(0, q);
    if (!src.empty() && path_basename(strip_slash(src)) == path_basename(path)) return true;
  }
  return false;
}

std::string verb(CommandKind k) {
  switch (k) {
    case CommandKind::InitModel: return "initialises";
    case CommandKind::Download: return "downloads";
    case CommandKind::Export: return "exports";
    case CommandKind::Move: return "moves";
    default: return "copies";
  }
}

// Python download calls (hf_hub_download(…), urlretrieve …) that name the file before `before`.
bool python_download_mentions(const NotebookProgram& nb, const std::string& base, const Location& before) {
  for (const CodeLine& l : nb.lines) {
    if (l.kind != LineKind::Python) continue;
    Location at{nb.notebook.rel, l.file_line, l.file_column, l.cell, l.cell_line};
    if (!loc_before(at, before)) continue;
    std::string low = to_lower(l.text);
    bool dl = low.find("hf_hub_download") != std::string::npos || low.find("snapshot_download") != std::string::npos ||
              low.find("urlretrieve") != std::string::npos || low.find("requests.get") != std::string::npos;
    if (dl && l.text.find(base) != std::string::npos) return true;
  }
  return false;
}

class NotProvided : public Rule {
 public:
  std::string_view id() const override { return "model/not-provided"; }
  Severity default_severity() const override { return Severity::Error; }
  std::string_view summary() const override {
    return "the model a training run starts from is neither downloaded nor initialised by the notebook";
  }
  void check(const Request& req, const RuleContext&, std::vector<Finding>& out) const override {
    std::size_t from = out.size();
    RunFindings rf(out);
    for (const RunView& r : runs(req)) {
      if (!r.nb || !r.stage || !r.cmd) continue;  // a config alone: nothing to compare with
      const NotebookProgram& nb = *r.nb;
      const auto& lm = r.eff.load_model;
      Location at = origin_or(lm, r.loc);
      const std::string& rel = nb.notebook.rel;
      if (lm.unknown || (lm.set() && lm.value->empty())) {
        info(rf, r, at, "could not tell which model " + r.label + " starts from" +
                          (lm.set() && !lm.value->empty() ? " (" + *lm.value + ")" : std::string()),
             "set " + r.stage->names.load_model + " with a literal or a simple f-string of known variables");
        continue;
      }
      if (!lm.set()) {
        if (r.stage->from_scratch) continue;  // the trainer initialises the model itself
        if (!r.yaml_known) continue;  // the config could not be read: config-missing/invalid say so
        rf.add(r, make(r.loc, r.label + " sets no model.load_model: the trainer has no model to start from",
                           "initialise or download a model, then pass --model.load_model=\"../model/<file>.pth\""));
        continue;
      }
      std::string path = resolve(*lm.value, r.cwd);
      if (path.empty()) {
        info(rf, r, at, "could not tell where " + r.label + " looks for its model " + *lm.value +
                          " (the folder it runs in is unknown)",
             "cd into the trainer folder with a known path, e.g. !cd \"{TRAINER_DIR}\" && …");
        continue;
      }
      path = strip_slash(path);
      std::size_t idx = static_cast<std::size_t>(r.stage->command_index);
      bool found = false;
      const Command* unsure = nullptr;   // a command that may produce it, with a path rwkvq could not read
      std::vector<const Command*> made;  // .pth files the notebook does produce before the run
      for (std::size_t i = 0; i < idx && i < nb.commands.size(); ++i) {
        const Command& c = nb.commands[i];
        if (produces(c, path)) found = true;
        if (produces_kind(c.kind) && (c.output.empty() || c.unknown) && !unsure) unsure = &c;
        if (produces_kind(c.kind) && ends_with(to_lower(c.output), ".pth")) made.push_back(&c);
      }
      // an earlier training run that writes it (the official trainer's rwkv-*.pth in --proj_dir)
      for (const Stage& other : nb.stages)
        if (other.command_index >= 0 && static_cast<std::size_t>(other.command_index) < idx)
          for (const std::string& o : other.outputs)
            if (output_matches(o, path)) found = true;
      if (found || python_download_mentions(nb, path_basename(path), r.cmd->loc)) continue;
      std::string shown = show_path(path);
      // "../model/x.pth (model/x.pth)"; the value alone when it already reads like that.
      const std::string value_shown = *lm.value == shown ? shown : *lm.value + " (" + shown + ")";
      // Written into model/ by an earlier part: not there on a freshly emptied node.
      if (nb.part > 1) {
        const NotebookProgram* earlier = nullptr;
        for (const auto& other : req.notebooks) {
          if (other.notebook.error || !other.request_notebook || other.part <= 0 || other.part >= nb.part) continue;
          for (const Command& c : other.commands)
            if (produces(c, path)) earlier = &other;
        }
        if (earlier) {
          rf.add(r, make(at,
                             "part " + std::to_string(nb.part) + " expects " + shown + " from part " +
                                 std::to_string(earlier->part) +
                                 ", but each part runs on an emptied node: model/ is empty when " + rel +
                                 " starts",
                             "download it at the start of " + rel + " (part " + std::to_string(earlier->part) +
                                 " uploads model/*.pth to Hugging Face), e.g. !cd \"{PROJECT_DIR}/model/\" && "
                                 "wget -nc https://huggingface.co/<repo>/resolve/main/" + path_basename(path)));
          continue;
        }
      }
      if (unsure) {
        std::string call = unresolved_call(*unsure);
        Finding f = make(at, "could not tell whether " + rel + " provides " + shown + ", the model " + r.label +
                                 " starts from: " +
                                 (call.empty() ? "a download or copy before it (" + where(unsure->loc) +
                                                     ") has a path rwkvq could not resolve"
                                               : call + " runs a command rwkvq could not resolve" +
                                                     (unsure->why.empty() ? "" : " (" + unsure->why + ")")),
                         "use literal paths or simple f-strings of known variables for the model download (" +
                             where(unsure->loc) + "), e.g. a `!wget` line");
        f.severity = Severity::Warning;
        rf.add(r, std::move(f));
        continue;
      }
      std::string msg;
      if (!made.empty()) {
        const Command* m = made.back();
        msg = rel + " " + verb(m->kind) + " " + path_basename(m->output) + " into " +
              show_path(path_dirname(path_normalize(m->output))) + "/ (" + where(m->loc) + ") but " +
              r.label + " starts from " + value_shown;
      } else {
        msg = r.label + " starts from " + value_shown +
              ", which the notebook neither downloads nor initialises: the node starts with an empty model/";
      }
      rf.add(r, make(at, msg,
                         made.empty()
                             ? "download the model before " + where(r.cmd->loc) +
                                   " (e.g. !cd \"{PROJECT_DIR}/model/\" && wget -nc <url>) or create it with init_model.py"
                             : "make " + r.stage->names.load_model + " name the file the notebook provides (" +
                                   where(at) + (at.file == rel ? "" : " of " + at.file) + ")"));
    }
    rf.flush();
    dedupe(out, from);
  }

 private:
  void info(RunFindings& out, const RunView& r, const Location& at, std::string msg, std::string hint) const {
    Finding f = make(at, std::move(msg), std::move(hint));
    f.severity = Severity::Info;
    out.add(r, std::move(f));
  }
};
RWKVQ_REGISTER_RULE(NotProvided);

}  // namespace
}  // namespace rwkvq
