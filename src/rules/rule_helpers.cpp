#include "rules/rule_helpers.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "rwkvq/request/vpath.h"
#include "rwkvq/util/strings.h"

namespace rwkvq::rules {

std::vector<const NotebookProgram*> checked_notebooks(const Request& req) {
  std::vector<const NotebookProgram*> requested, all;
  for (const auto& nb : req.notebooks) {
    if (nb.notebook.error) continue;
    all.push_back(&nb);
    if (nb.request_notebook) requested.push_back(&nb);
  }
  return requested.empty() ? all : requested;
}

const NotebookProgram* last_request_notebook(const Request& req) {
  const NotebookProgram* best = nullptr;
  for (const auto& nb : req.notebooks) {
    if (!nb.request_notebook || nb.notebook.error) continue;
    if (!best || nb.part > best->part) best = &nb;
  }
  return best;
}

Location file_loc(std::string_view rel) {
  Location l;
  l.file = std::string(rel);
  return l;
}

Location line_loc(const Notebook& nb, const Cell& cell, std::size_t line_index) {
  Location l;
  l.file = nb.rel;
  l.cell = cell.number;
  if (line_index < cell.lines.size()) {
    l.line = cell.lines[line_index].file_line;
    l.column = cell.lines[line_index].file_column;
    l.cell_line = static_cast<int>(line_index) + 1;
  } else {
    l.line = cell.file_line;
  }
  return l;
}

Location code_loc(const Notebook& nb, const CodeLine& line) {
  Location l;
  l.file = nb.rel;
  l.line = line.file_line;
  l.column = line.file_column;
  l.cell = line.cell;
  l.cell_line = line.cell_line;
  return l;
}

Location cell_loc(const Notebook& nb, const Cell& cell) {
  Location l;
  l.file = nb.rel;
  l.line = cell.file_line;
  l.cell = cell.number;
  return l;
}

std::string where(const Location& loc) {
  if (loc.cell > 0) {
    std::string s = "cell " + std::to_string(loc.cell);
    if (loc.cell_line > 0) s += ", line " + std::to_string(loc.cell_line);
    return s;
  }
  if (loc.line > 0) return "line " + std::to_string(loc.line);
  return "";
}

bool path_under(std::string_view path, std::string_view dir) {
  if (path.empty() || dir.empty()) return false;
  std::string p = path_normalize(path), d = path_normalize(dir);
  while (d.size() > 1 && d.back() == '/') d.pop_back();
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  if (p == d) return true;
  return p.size() > d.size() && starts_with(p, d) && p[d.size()] == '/';
}

std::string repo_path(std::string_view rel) { return path_join(kRepoRoot, rel); }

std::string show_path(std::string_view vpath) {
  if (auto r = repo_relative(vpath)) return r->empty() ? std::string("the repository root") : *r;
  return std::string(vpath);
}

std::string resolve(std::string_view written, std::string_view cwd) {
  if (written.empty()) return "";
  if (written.front() == '/') return path_normalize(written);
  if (written.front() == '~') return "";
  if (cwd.empty()) return "";
  return path_normalize(path_join(cwd, written));
}

std::string notebook_dir(const Request& req, const NotebookProgram& nb) {
  if (!nb.env.notebook_dir.empty()) return nb.env.notebook_dir;
  std::string rel = req.repo.rel_dir;
  if (rel.empty()) rel = "notebook/community/" + req.folder.root.filename().string();
  return repo_path(rel);
}

std::optional<std::string> folder_relative(const Request& req, const NotebookProgram& nb,
                                           std::string_view vpath) {
  std::string dir = notebook_dir(req, nb);
  std::string p = path_normalize(vpath);
  if (!path_under(p, dir) || p.size() <= dir.size() + 1) return std::nullopt;
  return p.substr(dir.size() + 1);
}

int script_word(const Command& cmd) {
  for (std::size_t i = 0; i < cmd.argv.size(); ++i)
    if (ends_with(cmd.argv[i].text, ".py")) return static_cast<int>(i);
  return -1;
}

std::vector<RunView> runs(const Request& req) {
  std::vector<RunView> out;
  for (const NotebookProgram* nb : checked_notebooks(req)) {
    for (const Stage& st : nb->stages) {
      RunView r;
      r.nb = nb;
      r.stage = &st;
      if (st.command_index >= 0 && st.command_index < static_cast<int>(nb->commands.size()))
        r.cmd = &nb->commands[static_cast<std::size_t>(st.command_index)];
      if (st.config_index >= 0 && st.config_index < static_cast<int>(req.configs.size()))
        r.config = &req.configs[static_cast<std::size_t>(st.config_index)];
      r.yaml_known = st.settings_complete;
      r.eff = st.config;
      r.cwd = r.cmd ? r.cmd->cwd : "";
      r.loc = r.cmd ? r.cmd->loc : file_loc(nb->notebook.rel);
      r.label = "the training run in " + (r.cmd ? where(r.cmd->loc) + " of " : std::string()) +
                nb->notebook.rel;
      out.push_back(std::move(r));
    }
  }
  if (!out.empty()) return out;
  for (const ConfigFile& cfg : req.configs) {
    if (cfg.error || !cfg.is_training_config) continue;
    RunView r;
    r.config = &cfg;
    r.yaml_known = true;
    r.eff = effective_config(&cfg, {});
    r.cwd = repo_path("RWKV-vX");
    r.loc = file_loc(cfg.rel);
    r.label = cfg.rel;
    out.push_back(std::move(r));
  }
  return out;
}

std::string unresolved_call(const Command& c) {
  if (c.kind != CommandKind::Unresolved) return "";
  std::string w = where(c.loc);
  return (c.via.empty() ? std::string("a command") : c.via) + (w.empty() ? "" : " in " + w);
}

bool output_matches(std::string_view pattern, std::string_view path) {
  std::string pat = path_normalize(pattern), p = path_normalize(path);
  if (pat == p) return true;
  std::size_t star = pat.find('*');
  if (star == std::string::npos || path_dirname(pat) != path_dirname(p)) return false;
  std::string base = path_basename(pat), name = path_basename(p);
  std::size_t bs = base.find('*');
  if (bs == std::string::npos) return false;
  std::string pre = base.substr(0, bs), suf = base.substr(bs + 1);
  return name.size() >= pre.size() + suf.size() && starts_with(name, pre) && ends_with(name, suf);
}

void dedupe(std::vector<Finding>& out, std::size_t from) {
  std::set<std::tuple<std::string, int, int, std::string>> seen;
  std::vector<Finding> kept(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(from));
  for (std::size_t i = from; i < out.size(); ++i) {
    auto key = std::make_tuple(out[i].loc.file, out[i].loc.line, out[i].loc.column, out[i].message);
    if (seen.insert(key).second) kept.push_back(std::move(out[i]));
  }
  out = std::move(kept);
}

bool code_mentions(const NotebookProgram& nb, std::string_view needle) {
  for (const CodeLine& l : nb.lines) {
    if (l.kind == LineKind::Blank || l.kind == LineKind::Comment) continue;
    if (l.text.find(needle) != std::string::npos) return true;
  }
  return false;
}

bool loc_before(const Location& a, const Location& b) {
  return std::tie(a.cell, a.cell_line, a.column) < std::tie(b.cell, b.cell_line, b.column);
}

namespace {

// Does a symlink target, written relative to the folder of `link_rel`, climb out of the request
// folder (more ".." than folders)?
bool climbs_out(std::string_view link_rel, std::string_view target) {
  std::vector<std::string> stack;
  std::string dir(path_dirname(std::string(link_rel)));
  std::string all = (dir.empty() || dir == "." ? std::string() : dir + "/") + std::string(target);
  for (const std::string& c : split(all, '/')) {
    if (c.empty() || c == ".") continue;
    if (c == "..") {
      if (stack.empty()) return true;
      stack.pop_back();
    } else {
      stack.push_back(c);
    }
  }
  return false;
}

}  // namespace

std::string read_failure(const Request& req, std::string_view rel) {
  constexpr std::string_view prefix = "cannot read the file: ";
  auto from = [&](const std::optional<ParseError>& err) -> std::string {
    if (!err || err->line > 0 || !starts_with(err->message, prefix)) return "";
    return err->message.substr(prefix.size());
  };
  for (const auto& nb : req.notebooks)
    if (nb.notebook.rel == rel) return from(nb.notebook.error);
  for (const ConfigFile& c : req.configs)
    if (c.rel == rel) return from(c.error);
  return "";
}

std::string unusable_file(const Request& req, const FileEntry& e) {
  switch (e.type) {
    case FileEntry::Type::Regular: {
      if (e.readable) return "";
      std::string why = read_failure(req, e.rel);
      return why.empty() ? "a file that cannot be opened for reading (check its permissions)"
                         : "a file that cannot be read (" + why + ")";
    }
    case FileEntry::Type::Directory:
      return "a folder";
    case FileEntry::Type::Fifo:
      return "a named pipe (FIFO)";
    case FileEntry::Type::Other:
      return "a special file (device or socket)";
    case FileEntry::Type::Symlink: {
      if (!e.link_escapes) return "";
      const std::string& t = e.link_target;
      if (t.empty()) return "a symbolic link that cannot be read";
      std::string root = req.folder.root.string();
      bool outside = t.front() == '/' ? !(t == root || starts_with(t, root + "/")) : climbs_out(e.rel, t);
      return "a symbolic link to " + t +
             (outside ? ", outside the request folder" : ", which points to nothing in the request folder");
    }
  }
  return "";
}

std::string unusable_file(const Request& req, std::string_view rel) {
  const FileEntry* e = req.folder.find(rel);
  return e ? unusable_file(req, *e) : std::string();
}

RunRef run_ref(const RunView& r) {
  RunRef ref;
  ref.label = r.label;
  ref.nb = r.nb;
  ref.cell = r.cmd ? r.cmd->loc.cell : 0;
  return ref;
}

std::string runs_label(const std::vector<RunRef>& runs) {
  if (runs.empty()) return "";
  if (runs.size() == 1) return runs.front().label;
  // Cells per notebook, in the order the runs came.
  std::vector<std::pair<const NotebookProgram*, std::vector<int>>> per_nb;
  std::vector<std::string> loose;  // runs that are not a notebook cell
  for (const RunRef& r : runs) {
    if (!r.nb || r.cell <= 0) {
      if (std::find(loose.begin(), loose.end(), r.label) == loose.end()) loose.push_back(r.label);
      continue;
    }
    auto it = std::find_if(per_nb.begin(), per_nb.end(), [&](const auto& p) { return p.first == r.nb; });
    if (it == per_nb.end()) {
      per_nb.push_back({r.nb, {}});
      it = per_nb.end() - 1;
    }
    if (std::find(it->second.begin(), it->second.end(), r.cell) == it->second.end()) it->second.push_back(r.cell);
  }
  auto and_list = [](const std::vector<std::string>& items) {
    if (items.size() <= 1) return items.empty() ? std::string() : items.front();
    std::vector<std::string> head(items.begin(), items.end() - 1);
    return join(head, ", ") + " and " + items.back();
  };
  std::vector<std::string> parts;
  for (const auto& [nb, cells] : per_nb) {
    std::vector<std::string> nums;
    for (int c : cells) nums.push_back(std::to_string(c));
    parts.push_back((cells.size() == 1 ? "cell " : "cells ") + and_list(nums) + " of " + nb->notebook.rel);
  }
  std::string s;
  if (!parts.empty()) s = "the training runs in " + and_list(parts);
  if (!loose.empty()) s += (s.empty() ? "" : " and ") + and_list(loose);
  return "each of " + s;
}

void RunFindings::add(const RunView& run, Finding f) {
  std::size_t at = run.label.empty() ? std::string::npos : f.message.find(run.label);
  if (at != std::string::npos) f.message.erase(at, run.label.size());
  for (Group& g : groups_) {
    if (at == std::string::npos || g.at != at) continue;
    const Finding& o = g.f;
    if (o.rule == f.rule && o.severity == f.severity && o.loc.file == f.loc.file && o.loc.line == f.loc.line &&
        o.loc.column == f.loc.column && o.loc.cell == f.loc.cell && o.loc.cell_line == f.loc.cell_line &&
        o.message == f.message && o.hint == f.hint) {
      g.runs.push_back(run_ref(run));
      return;
    }
  }
  groups_.push_back(Group{std::move(f), at, {run_ref(run)}});
}

void RunFindings::flush() {
  for (Group& g : groups_) {
    if (g.at != std::string::npos) g.f.message.insert(g.at, runs_label(g.runs));
    out_.push_back(std::move(g.f));
  }
  groups_.clear();
}

}  // namespace rwkvq::rules
