// layout/: the request folder's shape (DESIGN §1 rules 1-2): notebook names, parts, where the
// folder sits, which configs exist and are used, and files that cannot be read safely.
#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>

#include "rules/rule_helpers.h"
#include "rwkvq/request/vpath.h"
#include "rwkvq/rules/rule.h"
#include "rwkvq/util/match.h"
#include "rwkvq/util/strings.h"

namespace rwkvq {
namespace {

using namespace rules;

constexpr std::string_view kNotebook = "training-notebook.ipynb";

bool top_level(const FileEntry& e) { return e.rel.find('/') == std::string::npos; }

bool usable_file(const FileEntry& e) {
  return (e.type == FileEntry::Type::Regular && e.readable) ||
         (e.type == FileEntry::Type::Symlink && !e.link_escapes);
}

// training-notebook-partN.ipynb spelled exactly (digits may be 0-padded: parts-sequence judges them).
std::optional<std::string> exact_part_digits(std::string_view name) {
  return match_notebook_part(name);
}

// For a notebook that is not named as required: the required name it was meant to be, or "".
std::string intended_name(std::string_view name) {
  std::string n = to_lower(name);
  if (!ends_with(n, ".ipynb")) return "";
  n = n.substr(0, n.size() - 6);
  for (char& c : n)
    if (c == '_' || c == ' ' || c == '.') c = '-';
  // A part suffix: -part-1, _part1, part_01, -1 ...
  std::string stem = n, part;
  auto suffix = match_part_suffix(n);
  if (suffix && !suffix->stem.empty()) {
    stem = suffix->stem;
    part = suffix->number;
    if (part == "0") part.clear();
  }
  while (!stem.empty() && stem.back() == '-') stem.pop_back();
  const std::string want = "training-notebook";
  std::size_t d = edit_distance(stem, want);
  bool close = d <= 3 || stem == "trainingnotebook" || stem == "train-notebook" ||
               stem == "training" || stem == "notebook-training";
  if (!close) return "";
  if (part.empty()) return std::string(kNotebook);
  return "training-notebook-part" + part + ".ipynb";
}

class NotebookMissing : public Rule {
 public:
  std::string_view id() const override { return "layout/notebook-missing"; }
  Severity default_severity() const override { return Severity::Error; }
  std::string_view summary() const override {
    return "no training-notebook.ipynb and no training-notebook-partN.ipynb in the folder";
  }
  void check(const Request& req, const RuleContext&, std::vector<Finding>& out) const override {
    for (const FileEntry& e : req.folder.entries) {
      if (!top_level(e)) continue;
      bool wanted = e.rel == kNotebook || exact_part_digits(e.rel).has_value();
      // Something by the required name that is not a usable file (a folder, FIFO, escaping
      // symlink, unreadable file): layout/unsafe-file says what it is; "no notebook" would be wrong.
      if (wanted) return;
      if (!intended_name(e.rel).empty() && usable_file(e))
        return;  // layout/notebook-name reports the misnamed notebook
    }
    out.push_back(make(file_loc(""),
                       "the folder has no training-notebook.ipynb (or training-notebook-part1.ipynb …): "
                       "the runner has nothing to run",
                       "add the notebook as training-notebook.ipynb (copy it from "
                       "notebook/community/example/), or split a long run into "
                       "training-notebook-part1.ipynb, training-notebook-part2.ipynb …"));
  }
};
RWKVQ_REGISTER_RULE(NotebookMissing);

class NotebookName : public Rule {
 public:
  std::string_view id() const override { return "layout/notebook-name"; }
  Severity default_severity() const override { return Severity::Error; }
  std::string_view summary() const override {
    return "a notebook whose name is close to training-notebook.ipynb (case, '_', typo); "
           "other notebooks are noted";
  }
  void check(const Request& req, const RuleContext&, std::vector<Finding>& out) const override {
    // Notebooks that a symlink with a required name points to (training-notebook.ipynb ->
    // notebooks/run.ipynb): run through the link, so not "extra".
    std::set<std::string> linked;
    for (const FileEntry& e : req.folder.entries)
      if (top_level(e) && e.type == FileEntry::Type::Symlink && !e.link_escapes &&
          (e.rel == kNotebook || exact_part_digits(e.rel)))
        linked.insert(path_normalize(e.link_target));
    for (const FileEntry& e : req.folder.entries) {
      if (!top_level(e) || !ends_with(to_lower(e.rel), ".ipynb")) continue;
      if (e.rel == kNotebook || exact_part_digits(e.rel)) continue;  // parts-sequence judges digits
      if (e.type == FileEntry::Type::Directory) continue;            // unsafe-file
      if (linked.count(e.rel)) continue;
      std::string want = intended_name(e.rel);
      if (!want.empty()) {
        bool taken = req.folder.find(want) != nullptr;
        out.push_back(make(
            file_loc(e.rel),
            e.rel + " is not run: the runner only looks for " + want + (taken ? " (which also exists)" : ""),
            taken ? "merge it into " + want + " or delete it"
                  : "rename it to " + want + " (git mv \"" + e.rel + "\" " + want + ")"));
      } else {
        Finding f = make(file_loc(e.rel),
                         e.rel + " is an extra notebook: the runner only runs training-notebook.ipynb "
                                 "(or training-notebook-partN.ipynb)",
                         "fine for notes or data preparation; move its training steps into the "
                         "training notebook if they must run");
        f.severity = Severity::Info;
        out.push_back(std::move(f));
      }
    }
  }
};
RWKVQ_REGISTER_RULE(NotebookName);

class PartsSequence : public Rule {
 public:
  std::string_view id() const override { return "layout/parts-sequence"; }
  Severity default_severity() const override { return Severity::Error; }
  std::string_view summary() const override {
    return "part notebooks not exactly part1..partN (gap, duplicate, part01, part0, or both a "
           "plain and part notebooks)";
  }
  void check(const Request& req, const RuleContext&, std::vector<Finding>& out) const override {
    std::map<long, std::vector<std::string>> parts;
    bool plain = false;
    for (const FileEntry& e : req.folder.entries) {
      if (!top_level(e) || e.type == FileEntry::Type::Directory) continue;
      if (e.rel == kNotebook) plain = true;
      auto d = exact_part_digits(e.rel);
      if (!d) continue;
      if (d->size() > 6) {
        out.push_back(make(file_loc(e.rel), e.rel + " has an implausible part number",
                           "number parts 1, 2, 3 …"));
        continue;
      }
      long n = std::stol(*d);
      if (n == 0) {
        out.push_back(make(file_loc(e.rel), "parts are numbered from 1, not 0: " + e.rel,
                           "renumber the parts starting at training-notebook-part1.ipynb"));
        continue;
      }
      if ((*d)[0] == '0')
        out.push_back(make(file_loc(e.rel),
                           e.rel + " has a zero-padded part number; the runner expects part" +
                               std::to_string(n),
                           "rename it to training-notebook-part" + std::to_string(n) + ".ipynb"));
      parts[n].push_back(e.rel);
    }
    if (parts.empty()) return;
    if (plain)
      out.push_back(make(file_loc(std::string(kNotebook)),
                         "the folder has both training-notebook.ipynb and part notebooks: it is "
                         "unclear which run is meant",
                         "keep either the single training-notebook.ipynb or the "
                         "training-notebook-partN.ipynb series"));
    for (const auto& [n, names] : parts)
      if (names.size() > 1)
        out.push_back(make(file_loc(names[1]),
                           "part " + std::to_string(n) + " appears twice: " + join(names, " and "),
                           "keep one notebook per part number"));
    long expect = 1;
    for (const auto& [n, names] : parts) {
      if (n != expect) {
        std::string missing = "training-notebook-part" + std::to_string(expect) + ".ipynb";
        if (n - expect > 1) missing += " … part" + std::to_string(n - 1);
        out.push_back(make(file_loc(names[0]),
                           "the parts have a gap: " + missing + " is missing before " + names[0],
                           "number the parts 1, 2, … N without gaps"));
      }
      expect = n + 1;
    }
  }
};
RWKVQ_REGISTER_RULE(PartsSequence);

class FolderLocation : public Rule {
 public:
  std::string_view id() const override { return "layout/folder-location"; }
  Severity default_severity() const override { return Severity::Warning; }
  std::string_view summary() const override {
    return "the folder is not directly under notebook/community/, or is the programme's example";
  }
  void check(const Request& req, const RuleContext&, std::vector<Finding>& out) const override {
    const std::string hint_move =
        "move the request to notebook/community/<your-project>/ in your branch";
    if (req.repo.checkout) {
      std::string rel = req.repo.rel_dir;
      while (!rel.empty() && rel.back() == '/') rel.pop_back();
      auto parts = split(rel, '/');
      bool direct = parts.size() == 3 && parts[0] == "notebook" && parts[1] == "community" &&
                    !parts[2].empty();
      if (!direct) {
        out.push_back(make(file_loc(""),
                           "the request is at " + (rel.empty() ? std::string("the repository root") : rel) +
                               ", not directly under notebook/community/",
                           hint_move));
        return;
      }
      if (parts[2] == "example")
        out.push_back(make(file_loc(""),
                           "the request is the programme's own example folder "
                           "(notebook/community/example)",
                           "copy the example into notebook/community/<your-project>/ and leave "
                           "the example unchanged"));
      return;
    }
    // No checkout: only the example folder can be recognised from its path.
    auto root = req.folder.root;
    if (root.filename() == "example" && root.parent_path().filename() == "community" &&
        root.parent_path().parent_path().filename() == "notebook")
      out.push_back(make(file_loc(""),
                         "the request is the programme's own example folder "
                         "(notebook/community/example)",
                         "copy the example into notebook/community/<your-project>/ and leave the "
                         "example unchanged"));
  }
};
RWKVQ_REGISTER_RULE(FolderLocation);

// Config paths a notebook passes to the trainer (-c, preload_datapath.py).
struct ConfigRef {
  const NotebookProgram* nb;
  const Command* cmd;
  std::string path;  // virtual absolute
};

std::vector<ConfigRef> config_refs(const Request& req) {
  std::vector<ConfigRef> refs;
  for (const NotebookProgram* nb : checked_notebooks(req))
    for (const Command& c : nb->commands)
      if ((c.kind == CommandKind::Train || c.kind == CommandKind::PreloadDatapath) && !c.input.empty())
        refs.push_back({nb, &c, path_normalize(c.input)});
  return refs;
}

// The files of the folder the notebooks pass to the trainer as configs ("training-config.yaml").
std::set<std::string> referenced_config_files(const Request& req) {
  std::set<std::string> rels;
  for (const ConfigRef& r : config_refs(req))
    if (auto rel = folder_relative(req, *r.nb, r.path)) rels.insert(*rel);
  return rels;
}

// How to fix a name that holds something other than a file.
std::string replace_hint(const FileEntry& e) {
  switch (e.type) {
    case FileEntry::Type::Regular:
      return "make it readable (chmod a+r \"" + e.rel + "\") or replace it with a readable copy";
    case FileEntry::Type::Symlink:
      return "replace the link " + e.rel + " with the file itself";
    case FileEntry::Type::Directory:
      return "put the file itself in the request folder as " + e.rel + " instead of a folder of that name";
    default:
      return "delete " + e.rel + " and add the real file under that name";
  }
}

class ConfigMissing : public Rule {
 public:
  std::string_view id() const override { return "layout/config-missing"; }
  Severity default_severity() const override { return Severity::Error; }
  std::string_view summary() const override {
    return "a config the notebook passes to the trainer (-c, preload_datapath.py) is not in the folder";
  }
  void check(const Request& req, const RuleContext&, std::vector<Finding>& out) const override {
    std::set<std::string> reported;
    for (const ConfigRef& r : config_refs(req)) {
      std::string what = r.cmd->kind == CommandKind::Train ? "trains with" : "preloads the data of";
      auto rel = folder_relative(req, *r.nb, r.path);
      if (!rel) {
        if (!reported.insert(r.path).second) continue;
        out.push_back(make(r.cmd->loc,
                           r.nb->notebook.rel + " " + what + " " + show_path(r.path) +
                               ", which is outside the request folder",
                           "put the config in the request folder and pass it as "
                           "\"{NOTEBOOK_DIR}/<name>.yaml\" (" + where(r.cmd->loc) + ")"));
        continue;
      }
      const FileEntry* e = req.folder.find(*rel);
      std::string there = e ? unusable_file(req, *e) : std::string();
      if (e && there.empty()) continue;  // a usable file
      if (!reported.insert(r.path).second) continue;
      if (e) {
        // Something is there, but not a config file: say what (layout/unsafe-file leaves it to us).
        out.push_back(make(r.cmd->loc,
                           r.nb->notebook.rel + " " + what + " " + *rel + ", which is " + there +
                               (e->type == FileEntry::Type::Regular ? "" : ", not a config file"),
                           replace_hint(*e) + ", or fix the path in " + where(r.cmd->loc) + " of " +
                               r.nb->notebook.rel + " if another file was meant"));
        continue;
      }
      std::vector<std::string> yamls;
      for (const ConfigFile& c : req.configs) yamls.push_back(c.rel);
      std::string near = closest(*rel, yamls, 4);
      out.push_back(make(r.cmd->loc,
                         r.nb->notebook.rel + " " + what + " " + *rel + ", which is not in the folder",
                         near.empty() ? "add " + *rel + " to the request folder, or fix the path in " +
                                            where(r.cmd->loc) + " of " + r.nb->notebook.rel
                                      : "did you mean " + near + "? fix the path in " + where(r.cmd->loc) +
                                            " of " + r.nb->notebook.rel));
    }
  }
};
RWKVQ_REGISTER_RULE(ConfigMissing);

class ConfigUnused : public Rule {
 public:
  std::string_view id() const override { return "layout/config-unused"; }
  Severity default_severity() const override { return Severity::Warning; }
  std::string_view summary() const override { return "a YAML file in the folder that no notebook uses"; }
  void check(const Request& req, const RuleContext&, std::vector<Finding>& out) const override {
    bool any_notebook = false;
    for (const auto& nb : req.notebooks)
      if (!nb.notebook.error) any_notebook = true;
    if (!any_notebook) return;  // notebook-missing / notebook/invalid say enough
    for (const ConfigFile& cfg : req.configs) {
      if (referenced(req, cfg)) continue;
      out.push_back(make(file_loc(cfg.rel),
                         cfg.rel + " is not used: no notebook passes it to the trainer",
                         "pass it with -c \"{NOTEBOOK_DIR}/" + cfg.rel +
                             "\" in the training command, or delete it"));
    }
  }

 private:
  static bool mentions(std::string_view text, std::string_view base) {
    std::size_t pos = 0;
    while ((pos = text.find(base, pos)) != std::string_view::npos) {
      std::size_t end = pos + base.size();
      bool left_ok = pos == 0 || !(std::isalnum(static_cast<unsigned char>(text[pos - 1])) ||
                                   text[pos - 1] == '-' || text[pos - 1] == '_');
      bool right_ok = end == text.size() || !(std::isalnum(static_cast<unsigned char>(text[end])) ||
                                              text[end] == '-' || text[end] == '_');
      if (left_ok && right_ok) return true;
      pos = end;
    }
    return false;
  }

  static bool referenced(const Request& req, const ConfigFile& cfg) {
    std::string base = path_basename(cfg.rel);
    if (base.empty()) base = cfg.rel;
    for (const auto& nb : req.notebooks) {
      if (nb.notebook.error) continue;
      std::string abs = path_normalize(path_join(notebook_dir(req, nb), cfg.rel));
      for (const Command& c : nb.commands) {
        if (path_normalize(c.input) == abs) return true;
        for (const ShellWord& w : c.argv)
          if (mentions(w.text, base)) return true;
        for (const Override& o : c.overrides)
          if (mentions(o.value, base)) return true;
      }
      for (const CodeLine& l : nb.lines)
        if (l.kind != LineKind::Comment && l.kind != LineKind::Blank && mentions(l.text, base))
          return true;
      for (const auto& [name, v] : nb.env.vars)
        if (v.kind == Value::Kind::String && mentions(v.str, base)) return true;
    }
    // A config named by another config (data.datapack_config_path …).
    for (const ConfigFile& other : req.configs) {
      if (&other == &cfg) continue;
      for (const ConfigEntry& e : other.entries)
        if (e.kind == ConfigEntry::Kind::Scalar && mentions(e.value, base)) return true;
    }
    return false;
  }
};
RWKVQ_REGISTER_RULE(ConfigUnused);

class UnsafeFile : public Rule {
 public:
  std::string_view id() const override { return "layout/unsafe-file"; }
  Severity default_severity() const override { return Severity::Error; }
  std::string_view summary() const override {
    return "a symlink leaving the folder, an unreadable or special file, or a folder named like a "
           "notebook/config";
  }
  void check(const Request& req, const RuleContext&, std::vector<Finding>& out) const override {
    // A config the notebook passes with -c that is not a usable file: layout/config-missing
    // reports it where the notebook names it, saying what is there instead.
    const std::set<std::string> configs = referenced_config_files(req);
    for (const FileEntry& e : req.folder.entries) {
      std::string there = unusable_file(req, e);
      if (there.empty()) continue;
      if (configs.count(e.rel)) continue;
      std::string l = to_lower(e.rel);
      const bool notebook_name = top_level(e) && ends_with(l, ".ipynb");
      const bool config_name = top_level(e) && (ends_with(l, ".yaml") || ends_with(l, ".yml"));
      if (e.type == FileEntry::Type::Directory && !notebook_name && !config_name) {
        if (!e.readable)
          out.push_back(make(file_loc(e.rel), "the folder " + e.rel + " cannot be listed, so its files were not checked",
                             "make it readable (chmod a+rx \"" + e.rel + "\") or delete it"));
        continue;  // an ordinary folder
      }
      std::string msg;
      if (e.type == FileEntry::Type::Regular) {
        msg = e.rel + " cannot be read (" + [&] {
          std::string why = read_failure(req, e.rel);
          return why.empty() ? std::string("opening it failed: check its permissions") : why;
        }() + "), so it was not checked";
      } else {
        msg = e.rel + " is " + there;
        if (notebook_name) msg += ", not a notebook file";
        else if (config_name) msg += ", not a config file";
        else if (e.type == FileEntry::Type::Symlink) msg += "; it was not followed";
        else msg += ", not a regular file; it was not read";
      }
      std::string hint = replace_hint(e);
      if (e.type != FileEntry::Type::Regular && e.type != FileEntry::Type::Directory && !notebook_name &&
          !config_name)
        hint = "delete " + e.rel + " from the request, or replace it with the file itself";
      out.push_back(make(file_loc(e.rel), msg, hint));
    }
    if (req.folder.truncated) {
      Finding f = make(file_loc(""),
                       "the folder has too many files or is nested too deep; only part of it was checked",
                       "a request holds a notebook and a config: remove everything else");
      f.severity = Severity::Warning;
      out.push_back(std::move(f));
    }
  }
};
RWKVQ_REGISTER_RULE(UnsafeFile);

}  // namespace
}  // namespace rwkvq
