// config/: the trainer config (YAML) itself: it parses, its keys are ones the trainer accepts,
// it trains in bf16. Also limits/unbounded, which needs the config only (the estimate-based
// limits/ rules live in limits_rules.cpp).
#include <algorithm>
#include <map>
#include <set>


#include "rules/rule_helpers.h"
#include "rwkvq/rules/rule.h"
#include "rwkvq/util/embedded.h"
#include "rwkvq/util/strings.h"

namespace rwkvq {
namespace {

using namespace rules;

class Invalid : public Rule {
 public:
  std::string_view id() const override { return "config/invalid"; }
  Severity default_severity() const override { return Severity::Error; }
  std::string_view summary() const override {
    return "a YAML config that does not parse, or a trainer/model/data section of the wrong type";
  }
  void check(const Request& req, const RuleContext&, std::vector<Finding>& out) const override {
    std::set<int> used_for_training;
    for (const NotebookProgram* nb : checked_notebooks(req))
      for (const Stage& st : nb->stages)
        if (st.config_index >= 0) used_for_training.insert(st.config_index);
    for (std::size_t i = 0; i < req.configs.size(); ++i) {
      const ConfigFile& cfg = req.configs[i];
      if (cfg.error) {
        // Not a readable file at all: layout/unsafe-file (or config-missing) says what is there.
        if (!unusable_file(req, cfg.rel).empty()) continue;
        Location l = file_loc(cfg.rel);
        l.line = cfg.error->line;
        l.column = cfg.error->column;
        constexpr std::string_view read_prefix = "cannot read the file: ";
        if (cfg.error->line <= 0) {
          bool read = starts_with(cfg.error->message, read_prefix);
          out.push_back(make(l,
                             read ? cfg.rel + " could not be read: " + cfg.error->message.substr(read_prefix.size())
                                  : cfg.rel + " is not valid YAML: " + cfg.error->message,
                             read ? "a config holds a few settings: keep " + cfg.rel + " small and readable"
                                  : "write " + cfg.rel + " like the example config: `trainer:`, `model:` and "
                                    "`data:` sections of `key: value` lines"));
          continue;
        }
        out.push_back(make(l, cfg.rel + " is not valid YAML: " + cfg.error->message,
                           "fix the YAML at line " + std::to_string(cfg.error->line) + " of " + cfg.rel +
                               " (indent with spaces, quote values containing ':' or '#')"));
        continue;
      }
      for (const ConfigEntry& e : cfg.bad_sections)
        out.push_back(make(e.loc, "`" + e.key + "` in " + cfg.rel + " must be a mapping of settings" +
                                      (e.kind == ConfigEntry::Kind::Scalar ? ", not the value \"" + e.value + "\""
                                                                          : ""),
                           "write it as in the example config: `" + e.key + ":` followed by indented "
                           "`key: value` lines"));
      if (used_for_training.count(static_cast<int>(i)) && !cfg.is_training_config)
        out.push_back(make(file_loc(cfg.rel),
                           cfg.rel + " is passed to the trainer with -c but has no trainer/model/data sections",
                           "use a training config like notebook/community/example/training-config.yaml"));
    }
  }
};
RWKVQ_REGISTER_RULE(Invalid);

struct KnownKeys {
  std::map<std::string, std::vector<std::string>> sections;  // "top", "trainer", "model", "data"
  std::map<std::string, std::set<std::string>> retired;      // seen_but_unknown
};

// From data/trainer-keys.yaml, split into lists at build time (cmake/embed_data.cmake): no YAML is
// parsed when the rule runs.
const KnownKeys& known_keys() {
  static const KnownKeys keys = [] {
    KnownKeys k;
    const std::string file = "trainer-keys.yaml:";
    for (const auto& [name, items] : embedded_lists()) {
      if (name.compare(0, file.size(), file) != 0) continue;
      const std::string section = name.substr(file.size());
      const std::string retired = "seen_but_unknown.";
      if (section.compare(0, retired.size(), retired) == 0) {
        for (auto item : items) k.retired[section.substr(retired.size())].insert(std::string(item));
      } else {
        for (auto item : items) k.sections[section].push_back(std::string(item));
      }
    }
    return k;
  }();
  return keys;
}

class UnknownKey : public Rule {
 public:
  std::string_view id() const override { return "config/unknown-key"; }
  Severity default_severity() const override { return Severity::Warning; }
  std::string_view summary() const override {
    return "a config key (or command-line override) the trainer does not accept";
  }
  void check(const Request& req, const RuleContext&, std::vector<Finding>& out) const override {
    const KnownKeys& kk = known_keys();
    if (kk.sections.empty()) return;
    for (const ConfigFile& cfg : req.configs) {
      if (cfg.error || !cfg.is_training_config) continue;
      std::set<std::string> seen;
      for (const ConfigEntry& e : cfg.entries) {
        auto [section, key] = split_key(e.key);
        if (key.empty() && section.empty()) continue;
        if (!seen.insert(section + "." + key).second) continue;
        judge(section, key, e.loc, cfg.rel, kk, out);
      }
    }
    std::set<std::string> seen;
    for (const NotebookProgram* nb : checked_notebooks(req))
      for (const Command& c : nb->commands)
        for (const Override& o : c.overrides) {
          auto [section, key] = split_key(o.key);
          if (section.empty() || key.empty()) continue;  // --print_config etc.
          if (!seen.insert(section + "." + key + "@" + o.loc.file + "#" + std::to_string(o.loc.cell)).second)
            continue;
          judge(section, key, o.loc, "the command line in " + where(o.loc) + " of " + nb->notebook.rel, kk, out,
                true);
        }
  }

 private:
  // "trainer.callbacks[0].init_args" -> ("trainer", "callbacks"); "seed_everything" -> ("", "seed_everything")
  static std::pair<std::string, std::string> split_key(const std::string& full) {
    auto strip = [](std::string_view s) { return std::string(s.substr(0, s.find('['))); };
    const std::string_view f = full;
    const auto dot = f.find('.');
    if (dot == std::string_view::npos) return {"", strip(f)};
    const std::string_view rest = f.substr(dot + 1);
    return {strip(f.substr(0, dot)), strip(rest.substr(0, rest.find('.')))};
  }

  void judge(const std::string& section, const std::string& key, const Location& loc,
             const std::string& where_text, const KnownKeys& kk, std::vector<Finding>& out,
             bool override_key = false) const {
    std::string list = section.empty() ? "top" : section;
    auto it = kk.sections.find(list);
    if (it == kk.sections.end()) {
      if (section.empty() || !override_key) return;  // nested keys of an unknown top key: reported at the top
      auto top = kk.sections.find("top");
      std::string near = top == kk.sections.end() ? std::string() : closest(section, top->second, 2);
      out.push_back(make(loc, "`--" + section + "." + key + "` in " + where_text + ": the trainer has no `" + section + "` section",
                         near.empty() ? "use --trainer.…, --model.… or --data.…" : "did you mean --" + near + "." + key + "?"));
      return;
    }
    const auto& keys = it->second;
    if (std::find(keys.begin(), keys.end(), key) != keys.end()) return;
    std::string shown = section.empty() ? key : section + "." + key;
    std::string near = closest(key, keys, std::max<std::size_t>(2, key.size() / 3));
    bool retired = !section.empty() && kk.retired.count(section) && kk.retired.at(section).count(key);
    std::string msg = "`" + shown + "` in " + where_text + " is not a key the trainer accepts" +
                      (retired ? " (no trainer version reads it; it is silently ignored or rejected)" : "");
    std::string hint = near.empty() ? "remove it, or check the spelling against the example config"
                                    : "did you mean `" + (section.empty() ? near : section + "." + near) + "`?";
    out.push_back(make(loc, msg, hint));
  }
};
RWKVQ_REGISTER_RULE(UnknownKey);

class Precision : public Rule {
 public:
  std::string_view id() const override { return "config/precision"; }
  Severity default_severity() const override { return Severity::Warning; }
  std::string_view summary() const override { return "trainer.precision (train.py: --precision, default fp16) is not bf16"; }
  void check(const Request& req, const RuleContext&, std::vector<Finding>& out) const override {
    std::size_t from = out.size();
    RunFindings rf(out);
    for (const RunView& r : runs(req)) {
      const auto& p = r.eff.precision;
      if (p.unknown) continue;
      if (!p.set()) {
        if (!r.yaml_known) continue;
        Location l = r.config ? file_loc(r.config->rel) : r.loc;
        rf.add(r, make(l, r.label + " sets no trainer.precision, so it trains in 32-bit float: "
                                        "twice the memory and far slower than bf16",
                           "add `precision: bf16` under `trainer:` in " +
                               (r.config ? r.config->rel : std::string("the config"))));
        continue;
      }
      std::string v = to_lower(*p.value);
      if (v == "bf16" || v == "bf16-mixed" || v == "bf16-true") continue;
      const std::string& name = r.stage ? r.stage->names.precision : std::string("trainer.precision");
      if (starts_with(name, "--")) {  // a trainer set by its flags: the value is the flag or its default
        rf.add(r, make(origin_or(p, r.loc),
                           r.label + " trains with precision " + *p.value +
                               (p.overridden ? std::string() : " (" + r.stage->trainer + "'s default)") +
                               "; the programme's RTX 3090 nodes are set up for bf16",
                           "pass " + name + " bf16 (" + where(r.loc) + ")"));
        continue;
      }
      rf.add(r, make(origin_or(p, r.loc),
                         r.label + " trains with precision " + *p.value +
                             "; the programme's RTX 3090 nodes are set up for bf16",
                         "use `precision: bf16` (" +
                             (p.overridden ? "the --trainer.precision override in " + where(p.origin)
                                           : std::string("trainer.precision in the config")) + ")"));
    }
    rf.flush();
    dedupe(out, from);
  }
};
RWKVQ_REGISTER_RULE(Precision);

class Unbounded : public Rule {
 public:
  std::string_view id() const override { return "limits/unbounded"; }
  Severity default_severity() const override { return Severity::Error; }
  std::string_view summary() const override {
    return "max_epochs -1 (or absent) and max_steps <= 0, or train.py without --my_exit/--my_exit_tokens: the run never ends";
  }
  void check(const Request& req, const RuleContext&, std::vector<Finding>& out) const override {
    std::size_t from = out.size();
    RunFindings rf(out);
    for (const RunView& r : runs(req)) {
      if (r.stage && !r.stage->endless.empty()) {
        rf.add(r, make(r.loc, r.label + ": " + r.stage->endless + ", so the run has no end and would hold the node",
                           "end it with " + r.stage->names.end + " on the command line (" + where(r.loc) + ")"));
        continue;
      }
      // a run whose own settings fix its tokens ends (the official trainer's --my_exit_tokens …)
      if (r.eff.tokens.set() || r.eff.tokens.unknown) continue;
      const auto& ep = r.eff.max_epochs;
      const auto& st = r.eff.max_steps;
      if (ep.unknown || st.unknown) continue;
      bool epochs_unbounded = !ep.set() || *ep.value < 0;
      bool steps_unbounded = !st.set() || *st.value <= 0;
      if (!epochs_unbounded || !steps_unbounded) continue;
      if (!r.yaml_known && (!ep.set() || !st.set())) continue;  // the YAML may bound it
      Location l = ep.set() ? origin_or(ep, r.loc) : st.set() ? origin_or(st, r.loc)
                                                              : (r.config ? file_loc(r.config->rel) : r.loc);
      std::string what = ep.set() ? "trainer.max_epochs is " + std::to_string(*ep.value)
                                  : std::string("trainer.max_epochs is not set");
      what += st.set() ? " and trainer.max_steps is " + std::to_string(*st.value)
                       : std::string(" and trainer.max_steps is not set");
      rf.add(r, make(l, r.label + ": " + what + ", so the run has no end and would hold the node",
                         "set trainer.max_epochs to a number of epochs (e.g. 1) or trainer.max_steps "
                         "to a positive number of steps"));
    }
    rf.flush();
    dedupe(out, from);
  }
};
RWKVQ_REGISTER_RULE(Unbounded);

}  // namespace
}  // namespace rwkvq
