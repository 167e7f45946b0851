// load_request(): folder scan -> configs -> notebooks run statically -> commands and stages.
#include "rwkvq/request/request.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <system_error>

#include "rwkvq/request/shell.h"
#include "rwkvq/request/vpath.h"
#include "rwkvq/util/strings.h"

namespace fs = std::filesystem;

namespace rwkvq {

const ConfigFile* Request::config(std::string_view rel) const {
  for (const ConfigFile& c : configs) {
    if (c.rel == rel) return &c;
  }
  return nullptr;
}

namespace {

constexpr std::uint64_t kMaxConfigBytes = 8ull << 20;

bool lexists(const fs::path& p) {
  struct stat st {};
  return ::lstat(p.c_str(), &st) == 0;
}

}  // namespace

// The nearest ancestor (or the folder itself) holding `.git`; a trainer checkout when it also
// holds RWKV-v* folders. Only lstat() and readdir(): nothing is read.
RepoContext find_repo(const fs::path& root) {
  RepoContext ctx;
  fs::path p = root;
  for (int guard = 0; guard < 256; ++guard) {
    if (lexists(p / ".git")) {
      std::error_code ec;
      std::vector<std::string> dirs;
      for (fs::directory_iterator it(p, ec), end; !ec && it != end; it.increment(ec)) {
        std::string name = it->path().filename().string();
        if (!starts_with(name, "RWKV-v")) continue;
        std::error_code ec2;
        if (it->symlink_status(ec2).type() == fs::file_type::directory) dirs.push_back(name);
        if (dirs.size() > 100) break;
      }
      if (!dirs.empty()) {
        std::sort(dirs.begin(), dirs.end());
        ctx.checkout = p;
        ctx.trainer_dirs = std::move(dirs);
        fs::path rel = root.lexically_relative(p);
        ctx.rel_dir = rel.empty() || rel == "." ? "" : rel.generic_string();
      }
      break;  // the nearest repository decides, trainer checkout or not
    }
    if (!p.has_parent_path() || p.parent_path() == p) break;
    p = p.parent_path();
  }
  if (!ctx.checkout) ctx.rel_dir = "notebook/community/" + root.filename().string();
  return ctx;
}

namespace {

bool is_top_level(const FileEntry& e) { return e.rel.find('/') == std::string::npos; }

// k for "training-notebook-partk.ipynb" (digits as written, "01" -> 1); nullopt otherwise.
std::optional<int> part_number(std::string_view name) {
  constexpr std::string_view pre = "training-notebook-part";
  constexpr std::string_view suf = ".ipynb";
  if (!starts_with(name, pre) || !ends_with(name, suf)) return std::nullopt;
  std::string_view d = name.substr(pre.size(), name.size() - pre.size() - suf.size());
  if (d.empty() || d.size() > 6) return std::nullopt;
  int n = 0;
  for (char c : d) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

struct Runner {
  const std::string& notebook_dir;
  NotebookProgram& prog;
  std::optional<std::string> cell_shell_cwd;  // a shell cell's cwd across its lines
  VetBuilder& vet;
  int cell_shell = 0;                         // the vetting shell number of the current cell
  std::set<std::pair<int, int>> seen;         // (cell, cell line) of the lines that ran

  void add(std::vector<Command> cmds, bool conditional) {
    for (Command& c : cmds) {
      c.conditional = conditional;
      prog.commands.push_back(std::move(c));
    }
  }

  // A shell line for the vetting (with the working folder before it) and for the commands (which
  // move `cwd` on a `cd`): tokenized once for both.
  void shell_line(std::string_view text, std::string& cwd, const Location& loc, bool conditional, ShellOrigin origin,
                  std::string via, int shell) {
    std::vector<SimpleCommand> cmds = tokenize_shell(text);
    std::string vet_cwd = cwd;
    add(recognise_commands(cmds, cwd, loc), conditional);
    vet.shell_line(text, std::move(cmds), loc, origin, std::move(via), std::move(vet_cwd), conditional, true, shell);
  }

  void on_line(const CodeLine& l, PyEnv& env, bool conditional) {
    Location loc;
    loc.file = prog.notebook.rel;
    loc.line = l.file_line;
    loc.column = l.file_column;
    loc.cell = l.cell;
    loc.cell_line = l.cell_line;
    seen.emplace(l.cell, l.cell_line);
    switch (l.kind) {
      case LineKind::Shell: {
        // each `!` line is its own shell, started in the kernel's working folder
        std::string cwd = env.current_dir();
        std::string text = ipython_substitute_marked(l.text, env);
        vet.bang_fields(l, env, conditional, true);
        shell_line(text, cwd, loc, conditional, ShellOrigin::Bang, "", vet.new_shell());
        break;
      }
      case LineKind::ShellCellBody: {
        // a %%bash cell: one shell for the whole cell; IPython does not expand {} in it
        if (!cell_shell_cwd) cell_shell_cwd = env.current_dir();
        if (cell_shell == 0) cell_shell = vet.new_shell();
        shell_line(l.text, *cell_shell_cwd, loc, conditional, ShellOrigin::CellBody, "", cell_shell);
        break;
      }
      case LineKind::LineMagic: {
        std::string_view t = trim(l.text);
        std::size_t sp = t.find_first_of(" \t");
        std::string name(t.substr(0, sp));
        std::string arg(sp == std::string_view::npos ? "" : trim(t.substr(sp)));
        if (name == "cd") {
          std::string expanded = ipython_substitute_marked(arg, env);
          auto words = tokenize_shell(expanded);
          // %cd [-q] [-b] DIR
          const ShellWord* dir = nullptr;
          if (!words.empty()) {
            for (const ShellWord& w : words[0].words) {
              if (starts_with(w.text, "-") && w.text.size() == 2 && !w.unknown) continue;
              dir = &w;
              break;
            }
          }
          std::string cwd = env.current_dir();
          if (!dir || dir->unknown || dir->text.empty() || dir->text[0] == '~' || dir->text == "-") {
            env.cwd = std::string();
          } else if (dir->text[0] == '/') {
            env.cwd = path_normalize(dir->text);
          } else if (cwd.empty()) {
            env.cwd = std::string();
          } else {
            env.cwd = path_join(cwd, dir->text);
          }
          // record it as a cd command so rules see where the kernel went
          std::vector<SimpleCommand> sc(1);
          ShellWord cdw;
          cdw.text = "cd";
          sc[0].words.push_back(cdw);
          if (dir) sc[0].words.push_back(*dir);
          std::string before = cwd;
          add(recognise_commands(sc, before, loc), conditional);
        } else if (name == "pip" || name == "conda") {
          std::string c = name + " " + arg;
          std::string cwd = env.current_dir();
          std::string text = ipython_substitute_marked(c, env);
          shell_line(text, cwd, loc, conditional, ShellOrigin::Magic, "%" + name, vet.new_shell());
        } else if (name == "system" || name == "sx") {
          std::string cwd = env.current_dir();
          std::string text = ipython_substitute_marked(arg, env);
          shell_line(text, cwd, loc, conditional, ShellOrigin::Magic, "%" + name, vet.new_shell());
        }
        break;
      }
      case LineKind::Python: {
        auto pc = python_command(l.text, env);
        if (!pc) break;
        std::string cwd = env.current_dir();
        std::vector<Command> cmds;
        if (pc->shell && pc->text.known()) {
          cmds = recognise_commands(tokenize_shell(pc->text.to_str()), cwd, loc);
        } else if (!pc->shell && pc->argv_known && !pc->argv.empty()) {
          std::vector<SimpleCommand> sc(1);
          for (const Value& v : pc->argv) {
            ShellWord w;
            w.text = v.known() ? v.to_str() : std::string();
            w.unknown = !v.known();
            if (w.unknown) w.why = v.why.empty() ? "an argument of " + pc->call + " is unknown" : v.why;
            sc[0].words.push_back(std::move(w));
          }
          cmds = recognise_commands(sc, cwd, loc);
        }
        if (cmds.empty()) {  // nothing rwkvq can read: it may do anything
          Command c;
          c.kind = CommandKind::Unresolved;
          c.cwd = cwd;
          c.loc = loc;
          c.unknown = true;
          c.why = pc->shell ? pc->text.why : pc->why;
          if (c.why.empty()) c.why = "the command of " + pc->call + " is unknown";
          cmds.push_back(std::move(c));
        }
        for (Command& c : cmds) {
          c.via = pc->call;
          // a program rwkvq could not name: the call may do anything
          if (!c.argv.empty() && c.argv[0].unknown && c.kind == CommandKind::Other) c.kind = CommandKind::Unresolved;
        }
        add(std::move(cmds), conditional);
        break;
      }
      default:
        break;
    }
  }
};

std::string size_text(std::uint64_t n) {
  if (n >= (1u << 20) && n % (1u << 20) == 0) return std::to_string(n >> 20) + " MiB";
  if (n >= 1024 && n % 1024 == 0) return std::to_string(n >> 10) + " KiB";
  return std::to_string(n) + " bytes";
}

// Deepest Python block nesting of a cell, by indentation.
int block_depth(const std::vector<CodeLine>& lines) {
  std::vector<int> stack;
  int deepest = 0;
  for (const CodeLine& l : lines) {
    if (l.kind != LineKind::Python) continue;
    while (!stack.empty() && stack.back() >= l.indent) stack.pop_back();
    stack.push_back(l.indent);
    deepest = std::max(deepest, static_cast<int>(stack.size()) - 1);
  }
  return deepest;
}

using Clock = std::chrono::steady_clock;

void run_notebook(NotebookProgram& prog, const std::string& notebook_dir, const LoadLimits& limits,
                  Clock::time_point started, std::vector<LimitHit>& hits) {
  PyEnv& env = prog.env;
  env.notebook_dir = notebook_dir;
  VetBuilder vet(prog.vet, prog.notebook.rel);
  Runner r{notebook_dir, prog, std::nullopt, vet, 0, {}};
  int cells = 0;
  std::size_t code_lines = 0;
  for (const Cell& cell : prog.notebook.cells) {
    Location at{prog.notebook.rel, cell.file_line, 0, cell.number, 0};
    if (++cells > limits.max_cells) {
      hits.push_back({at, "cell " + std::to_string(cell.number) + " and the " +
                              std::to_string(prog.notebook.cells.size() - static_cast<std::size_t>(cell.number)) +
                              " cells after it were not checked: the notebook has more than " +
                              std::to_string(limits.max_cells) + " cells (limits.max_cells)"});
      break;
    }
    std::chrono::duration<double> spent = Clock::now() - started;
    if (spent.count() > limits.time_budget_seconds) {
      hits.push_back({at, "cell " + std::to_string(cell.number) + " and every cell after it were not checked: "
                              "the time budget of " + std::to_string(static_cast<long long>(limits.time_budget_seconds)) +
                              " s per request was spent (limits.time_budget_seconds)"});
      break;
    }
    if (cell.type != CellType::Code) continue;
    std::vector<CodeLine> lines = classify_cell(cell);
    code_lines += lines.size();
    if (code_lines > static_cast<std::size_t>(limits.max_code_lines)) {
      hits.push_back({at, "cell " + std::to_string(cell.number) + " and every cell after it were not checked: "
                              "the notebook has more than " + std::to_string(limits.max_code_lines) +
                              " code lines (limits.max_code_lines)"});
      break;
    }
    if (int depth = block_depth(lines); depth > kMaxBlockNesting) {
      hits.push_back({at, "Python blocks in cell " + std::to_string(cell.number) + " are nested " +
                              std::to_string(depth) + " deep: what lies deeper than " +
                              std::to_string(kMaxBlockNesting) + " levels was not followed"});
    }
    r.cell_shell_cwd.reset();
    r.cell_shell = 0;
    r.seen.clear();
    exec_python_cell(
        lines, env,
        [&r](const CodeLine& l, PyEnv& e, bool conditional) { r.on_line(l, e, conditional); },
        [&r, &vet](const CodeLine& l, const PyEnv& e, bool conditional) {
          r.seen.emplace(l.cell, l.cell_line);
          vet.python_line(l, e, conditional, true);
        });
    // Lines the run did not reach (def bodies, branches not taken) are still vetted: a function
    // may be called later. Their variables are those at the end of the cell.
    int unreached_shell = 0;
    for (const CodeLine& l : lines) {
      if (r.seen.count({l.cell, l.cell_line})) continue;
      Location loc{prog.notebook.rel, l.file_line, l.file_column, l.cell, l.cell_line};
      if (l.kind == LineKind::Python) {
        vet.python_line(l, env, true, false);
      } else if (l.kind == LineKind::Shell) {
        vet.bang_fields(l, env, true, false);
        vet.shell_line(ipython_substitute_marked(l.text, env), loc, ShellOrigin::Bang, "", "",
                       true, false, vet.new_shell());
      } else if (l.kind == LineKind::ShellCellBody) {
        if (unreached_shell == 0) unreached_shell = vet.new_shell();
        vet.shell_line(l.text, loc, ShellOrigin::CellBody, "", "", true, false, unreached_shell);
      }
    }
    prog.lines.insert(prog.lines.end(), std::make_move_iterator(lines.begin()),
                      std::make_move_iterator(lines.end()));
  }
}

// RWKV_* environment variables set before command `before` (VAR=value words of `export` and of
// the command itself, `%env`, os.environ[...] = ...): name and value ("" unknown).
std::vector<std::pair<std::string, std::string>> rwkv_env(const NotebookProgram& prog, std::size_t before) {
  std::vector<std::pair<std::string, std::string>> env;
  auto add = [&](std::string_view name, std::string_view value) {
    if (!starts_with(name, "RWKV_")) return;
    std::string v(trim(value));
    if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) v = v.substr(1, v.size() - 2);
    env.emplace_back(std::string(name), v);
  };
  for (std::size_t i = 0; i <= before && i < prog.commands.size(); ++i)
    for (const std::string& a : prog.commands[i].assignments) {
      std::size_t eq = a.find('=');
      if (eq != std::string::npos) add(std::string_view(a).substr(0, eq), std::string_view(a).substr(eq + 1));
    }
  const Location at = before < prog.commands.size() ? prog.commands[before].loc : Location{};
  for (const CodeLine& l : prog.lines) {
    if (at.cell > 0 && (l.cell > at.cell || (l.cell == at.cell && l.cell_line >= at.cell_line))) break;
    std::string_view t = trim(l.text);
    if (l.kind == LineKind::LineMagic && starts_with(t, "env ")) {
      std::string_view rest = trim(t.substr(4));
      std::size_t sep = rest.find_first_of("= ");
      if (sep != std::string_view::npos) add(rest.substr(0, sep), rest.substr(sep + 1));
    } else if (l.kind == LineKind::Python && starts_with(t, "os.environ[")) {
      std::size_t q = t.find_first_of("\"'");
      std::size_t q2 = q == std::string_view::npos ? q : t.find(t[q], q + 1);
      std::size_t eq = q2 == std::string_view::npos ? q2 : t.find('=', q2);
      if (eq != std::string_view::npos) {
        std::string_view value = t.substr(eq + 1);
        Value v = eval_expr(value, prog.env);
        add(t.substr(q + 1, q2 - q - 1), v.known() ? v.to_str() : std::string(value));
      }
    }
  }
  return env;
}

// The trainer folders whose models have the standard blocks: the releases, and the research
// variants whose trained sizes in the corpus (the trainer's own model summaries) follow the
// standard formula (wavenet variants, LRX; RWKV-v6-QT unless RWKV_*_QTYPE quantises a mix).
// Any other folder (RWKV-v6-TCLR, RWKV-v5headsize2x …) may change the blocks: size unknown.
bool standard_infctx_dir(const std::string& name) {
  static const std::vector<std::string> dirs = {"RWKV-v4",        "RWKV-v4neo",        "RWKV-v5",
                                                "RWKV-v6",        "RWKV-v7",           "RWKV-v4wavenet",
                                                "RWKV-v5wavenet", "RWKV-v5altwavenet", "RWKV-v6-LRX",
                                                "RWKV-v6-QT"};
  return std::find(dirs.begin(), dirs.end(), name) != dirs.end();
}

// The infctx trainer's recogniser: the YAML (-c) and the command's overrides.
Stage infctx_stage(const Command& c, const std::vector<ConfigFile>& configs, const std::string& notebook_dir) {
  Stage s;
  s.trainer = "lightning_trainer.py";
  s.config_path = c.input;
  const ConfigFile* cfg = nullptr;
  if (!s.config_path.empty()) {
    for (std::size_t i = 0; i < configs.size(); ++i) {
      if (path_join(notebook_dir, configs[i].rel) == s.config_path) {
        s.config_index = static_cast<int>(i);
        cfg = &configs[i];
        break;
      }
    }
  }
  s.config = effective_config(cfg, c.overrides);
  s.settings_complete = cfg && !cfg->error;
  // The trainer folder it runs in: RWKV-v4neo, RWKV-v5, RWKV-v6 … build the standard blocks; the
  // research variants (RWKV-v6-TCLR, RWKV-v6-QT …) change them.
  std::string dir = c.cwd;
  for (const ShellWord& w : c.argv)
    if (ends_with(w.text, "lightning_trainer.py") && !w.unknown && w.text.find('/') != std::string::npos)
      dir = w.text[0] == '/' ? path_dirname(w.text) : c.cwd.empty() ? std::string() : path_dirname(path_join(c.cwd, w.text));
  for (const std::string& part : split(dir, '/')) {
    if (!starts_with(part, "RWKV-v")) continue;
    if (!standard_infctx_dir(part)) {
      s.shape_unknown = part + " is not one of the trainer folders known to build the standard blocks "
                        "(RWKV-v4neo, RWKV-v5, RWKV-v6 …): its blocks may differ";
      s.trainer += " (" + part + ")";
    }
    break;
  }
  return s;
}

void build_stages(NotebookProgram& prog, const std::vector<ConfigFile>& configs,
                  const std::string& notebook_dir) {
  for (std::size_t k = 0; k < prog.commands.size(); ++k) {
    const Command& c = prog.commands[k];
    if (c.kind != CommandKind::Train) continue;
    auto env = rwkv_env(prog, k);
    Stage s = c.trainer == Trainer::Official ? official_stage(c, env) : infctx_stage(c, configs, notebook_dir);
    s.command_index = static_cast<int>(k);
    if (s.shape_unknown.empty()) s.shape_unknown = blocks_changed_by(env);
    prog.stages.push_back(std::move(s));
  }
}

}  // namespace

LoadLimits load_limits(const Limits& l) {
  LoadLimits out;
  out.max_read_bytes = l.max_read_bytes;
  out.max_cells = static_cast<int>(std::min<long long>(l.max_cells, 1 << 30));
  out.max_code_lines = static_cast<int>(std::min<long long>(l.max_code_lines, 1 << 30));
  out.time_budget_seconds = l.time_budget_seconds;
  return out;
}

Request load_request(const std::string& path, const LoadLimits& limits) {
  const Clock::time_point started = Clock::now();
  Request req;
  req.folder = scan_folder(path);
  req.repo = find_repo(req.folder.root);
  const std::string notebook_dir =
      req.repo.rel_dir.empty() ? std::string(kRepoRoot) : path_join(kRepoRoot, req.repo.rel_dir);

  // configs: every top-level .yaml / .yml, by name
  for (const FileEntry& e : req.folder.entries) {
    if (!is_top_level(e) || e.type != FileEntry::Type::Regular) continue;
    std::string lower = to_lower(e.rel);
    if (!ends_with(lower, ".yaml") && !ends_with(lower, ".yml")) continue;
    std::string why;
    auto text = read_request_file(req.folder, e.rel, kMaxConfigBytes, &why);
    if (!text) {
      ConfigFile cf;
      cf.rel = e.rel;
      cf.error = ParseError{0, 0, "cannot read the file: " + why};
      req.configs.push_back(std::move(cf));
      continue;
    }
    req.configs.push_back(parse_config(e.rel, *text));
  }
  std::sort(req.configs.begin(), req.configs.end(),
            [](const ConfigFile& a, const ConfigFile& b) { return a.rel < b.rel; });

  // notebooks: every top-level regular .ipynb
  for (const FileEntry& e : req.folder.entries) {
    if (!is_top_level(e) || e.type != FileEntry::Type::Regular) continue;
    if (!ends_with(to_lower(e.rel), ".ipynb")) continue;
    NotebookProgram prog;
    std::string why;
    auto bytes = read_request_file(req.folder, e.rel, limits.max_read_bytes, &why);
    if (!bytes && starts_with(why, "is larger than"))
      why = "is larger than the read cap of " + size_text(limits.max_read_bytes) +
            " (limits.max_read_bytes); nothing in it was checked";
    if (!bytes) {
      prog.notebook.rel = e.rel;
      prog.notebook.error = ParseError{0, 0, "cannot read the file: " + why};
    } else {
      prog.notebook = parse_notebook(e.rel, *bytes);
    }
    auto part = part_number(e.rel);
    prog.part = part.value_or(0);
    prog.request_notebook = e.rel == "training-notebook.ipynb" || part.has_value();
    run_notebook(prog, notebook_dir, limits, started, req.limit_hits);
    build_stages(prog, req.configs, notebook_dir);
    req.notebooks.push_back(std::move(prog));
  }
  std::stable_sort(req.notebooks.begin(), req.notebooks.end(),
                   [](const NotebookProgram& a, const NotebookProgram& b) {
                     if (a.request_notebook != b.request_notebook) return a.request_notebook;
                     if (a.request_notebook && a.part != b.part) return a.part < b.part;
                     return a.notebook.rel < b.notebook.rel;
                   });
  return req;
}

}  // namespace rwkvq
