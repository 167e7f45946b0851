// train/: a request holds a training run rwkvq can read (DESIGN §7). Without one, the size, the
// hours and where the trained model goes could not be checked: that must never read as "ok".
#include "rules/rule_helpers.h"
#include "rwkvq/request/vpath.h"
#include "rwkvq/rules/rule.h"
#include "rwkvq/util/strings.h"

namespace rwkvq {
namespace {

using namespace rules;

class NotFound : public Rule {
 public:
  std::string_view id() const override { return "train/not-found"; }
  Severity default_severity() const override { return Severity::Error; }
  std::string_view summary() const override {
    return "the request holds no training run rwkvq can read: size, hours and output could not be checked";
  }
  void check(const Request& req, const RuleContext&, std::vector<Finding>& out) const override {
    std::vector<const NotebookProgram*> nbs = checked_notebooks(req);
    if (nbs.empty()) return;  // no readable notebook: layout/ and notebook/invalid say so
    for (const NotebookProgram* nb : nbs)
      if (!nb->stages.empty()) return;
    // What the notebooks do instead, to name it: a command rwkvq could not resolve, or a Python
    // script it does not know.
    const NotebookProgram* first = nbs.front();
    const Command* why = nullptr;
    for (const NotebookProgram* nb : nbs) {
      for (const Command& c : nb->commands) {
        if (c.kind == CommandKind::Unresolved ||
            (c.kind == CommandKind::OtherPython && !c.script.empty())) {
          why = &c;
          first = nb;
          break;
        }
      }
      if (why) break;
    }
    std::string names;
    for (const NotebookProgram* nb : nbs) names += (names.empty() ? "" : ", ") + nb->notebook.rel;
    std::string msg = "rwkvq found no training run it can read in " + names;
    Location loc = file_loc(first->notebook.rel);
    if (why) {
      loc = why->loc;
      if (why->kind == CommandKind::Unresolved)
        msg += " (" + unresolved_call(*why) + " runs a command rwkvq could not resolve" +
               (why->why.empty() ? "" : ": " + why->why) + ")";
      else
        msg += " (" + where(why->loc) + " runs " + why->script + ", which is neither trainer)";
    }
    msg += ": the model's size, the training hours and where the trained model goes could not be checked";
    out.push_back(make(loc, msg,
                       "start the training from a `!` line or a `%%bash` cell that calls the trainer with "
                       "literal paths or simple f-strings, e.g. !cd \"{TRAINER_DIR}\" && python "
                       "lightning_trainer.py fit -c \"{NOTEBOOK_DIR}/training-config.yaml\", or for the official "
                       "trainer !cd \"{PROJECT_DIR}/RWKV-LM/RWKV-v5\" && python train.py --load_model … "
                       "--my_exit_tokens …"));
  }
};
RWKVQ_REGISTER_RULE(NotFound);

}  // namespace
}  // namespace rwkvq
