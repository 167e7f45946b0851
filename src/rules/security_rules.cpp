// security/: what a maintainer vets before a notebook runs on a shared node whose environment
// holds a Hugging Face write token and a W&B key (DESIGN §11). The rules read the vetting model
// (request/vetting.h): resolved shell commands with their pipes and redirections, and tokenised
// Python calls with evaluated arguments. Comments and markdown never reach them; a string that is
// only printed or assigned is never judged as a command.
#include <algorithm>
#include <cctype>
#include <set>

#include "rules/rule_helpers.h"
#include "rules/security_scan.h"
#include "rwkvq/request/vpath.h"
#include "rwkvq/rules/rule.h"
#include "rwkvq/util/strings.h"

namespace rwkvq {
namespace {

using namespace rules;
using namespace rules::vet;

// ---------------------------------------------------------------- security/secret-access

class SecretAccess : public Rule {
 public:
  std::string_view id() const override { return "security/secret-access"; }
  Severity default_severity() const override { return Severity::Error; }
  std::string_view summary() const override {
    return "reads or prints the runner's secrets (HF/W&B/GitHub tokens, *TOKEN*/*KEY* variables), "
           "dumps the environment, or reads token and key files";
  }
  void check(const Request& req, const RuleContext&, std::vector<Finding>& out) const override {
    const std::string hint =
        "a training notebook never needs the runner's secrets: the runner logs in to Hugging Face "
        "and W&B itself and uploads model/*.pth after the run; remove this line";
    for (const NotebookProgram* nb : checked_notebooks(req)) {
      std::size_t from = out.size();
      for (const ShellView& v : shell_commands(*nb)) {
        const std::string& name = v.name;
        std::string what;
        if ((name == "env" || name == "printenv") && v.args().empty())
          what = "prints every environment variable, the runner's tokens included";
        else if (name == "printenv")
          for (const ShellWord* w : v.args())
            if (secret_var(w->text)) what = "prints the variable " + w->text + secret_var_note(w->text);
        if (what.empty() && (name == "export" || name == "declare" || name == "typeset" || name == "set")) {
          bool names = false;
          for (const ShellWord* w : v.args())
            if (!starts_with(w->text, "-")) names = true;
          bool lists = name == "set" ? v.args().empty()
                                     : !names && (v.args().empty() || v.has_flag('p') || v.has_flag('x'));
          if (lists && v.cmd->assignments.empty())
            what = "lists every environment variable, the runner's tokens included";
        }
        if (what.empty()) {
          for (const std::string& var : shell_var_reads(*v.cmd))
            if (secret_var(var)) {
              what = "reads $" + var + secret_var_note(var);
              break;
            }
        }
        if (what.empty() && name != "echo" && name != "printf") {
          for (const ShellWord& w : v.cmd->words) {
            std::string f = secret_file(w.text);
            if (!f.empty()) {
              what = "reads " + strip_at(w.text) + ": " + f;
              break;
            }
          }
        }
        if (what.empty()) {
          for (const auto& [op, target] : v.cmd->redirects) {
            std::string f = secret_file(target);
            if (!f.empty() && op.find('<') != std::string::npos) what = "reads " + target + ": " + f;
          }
        }
        if (!what.empty()) out.push_back(make(v.line->loc, v.show() + " " + what + v.origin(), hint));
      }
      for (const PyLine& l : nb->vet.python) {
        for (const EnvUse& u : l.env) {
          std::string what;
          if (u.kind == EnvUse::Kind::Dump) {
            what = "dumps the whole environment (os.environ), the runner's tokens included";
          } else if (u.kind == EnvUse::Kind::Read && u.name.kind == Value::Kind::String &&
                     secret_var(u.name.str)) {
            what = "reads the variable " + u.name.str + secret_var_note(u.name.str);
          }
          if (!what.empty()) out.push_back(make(l.loc, "`" + shorten(u.construct) + "` " + what + py_origin(l), hint));
        }
        for (const PyCall& c : l.calls) {
          std::string fn = last_part(c.func);
          if (fn == "get_token" || fn == "HfFolder.get_token" || c.func == "huggingface_hub.get_token") {
            out.push_back(make(l.loc, "`" + shorten(l.text) + "` calls " + c.written +
                                          "(): it reads the runner's Hugging Face token" + py_origin(l), hint));
            continue;
          }
          if (is_print_like(c.func)) continue;
          for (const PyArg& a : c.args) {
            if (a.value.kind != Value::Kind::String) continue;
            std::string f = secret_file(a.value.str);
            if (f.empty()) continue;
            out.push_back(make(l.loc, "`" + shorten(l.text) + "` opens " + a.value.str + ": " + f + py_origin(l), hint));
            break;
          }
        }
      }
      // %env (lists every variable) and %env NAME (prints one)
      for (const CodeLine& cl : nb->lines) {
        if (cl.kind != LineKind::LineMagic) continue;
        std::string_view t = trim(cl.text);
        if (!starts_with(t, "env") || (t.size() > 3 && t[3] != ' ' && t[3] != '\t')) continue;
        std::string_view arg = trim(t.substr(3));
        std::string what;
        if (arg.empty()) what = "lists every environment variable, the runner's tokens included";
        else if (arg.find('=') == std::string_view::npos && arg.find(' ') == std::string_view::npos &&
                 secret_var(arg))
          what = "prints the variable " + std::string(arg) + secret_var_note(arg);
        if (!what.empty()) out.push_back(make(code_loc(nb->notebook, cl), "`%" + std::string(t) + "` " + what, hint));
      }
      dedupe(out, from);
    }
  }
};
RWKVQ_REGISTER_RULE(SecretAccess);

// ---------------------------------------------------------------- security/remote-code

class RemoteCode : public Rule {
 public:
  std::string_view id() const override { return "security/remote-code"; }
  Severity default_severity() const override { return Severity::Error; }
  std::string_view summary() const override {
    return "runs code fetched or decoded at run time (curl | sh, exec of downloaded text, pip "
           "install from a URL or git, running a downloaded script)";
  }
  void check(const Request& req, const RuleContext&, std::vector<Finding>& out) const override {
    for (const NotebookProgram* nb : checked_notebooks(req)) {
      std::size_t from = out.size();
      const Vetting& vt = nb->vet;
      for (std::size_t li = 0; li < vt.shell.size(); ++li) {
        const ShellLine& line = vt.shell[li];
        // pipelines: a fetch or a decode piped into an interpreter
        std::vector<ShellView> views = line_commands(line);
        std::size_t start = 0;
        for (std::size_t k = 0; k < views.size(); ++k) {
          bool end = k + 1 == views.size() || views[k].cmd->next != ShellOp::Pipe;
          if (!end) continue;
          const ShellView* source = nullptr;
          for (std::size_t p = start; p <= k; ++p) {
            if (!source && (is_fetch(views[p]) || is_decode(views[p]))) source = &views[p];
            else if (source && is_interpreter(views[p].name)) {
              bool fetched = is_fetch(*source);
              out.push_back(make(line.loc,
                                 views[p].show_pipeline(views, start, k) + " runs " +
                                     (fetched ? "code downloaded by " + source->name + host_note(*source)
                                              : "text decoded by `" + source->show_plain() + "`") +
                                     " with " + views[p].name + ", unseen by any reviewer" + views[p].origin(),
                                 fetched ? "download the files the run needs (wget -O FILE) and run only "
                                           "code from the repository or a pinned PyPI package"
                                         : "write the commands out in the notebook"));
              break;
            }
          }
          start = k + 1;
        }
        // <(curl …) read by an interpreter, $(curl …) run as a command, eval "$(curl …)"
        for (const ShellView& v : views) {
          bool interp = is_interpreter(v.name) || v.name == "eval";
          bool subst_cmd = v.start < v.cmd->words.size() && v.cmd->words[v.start].unknown &&
                           (starts_with(v.cmd->words[v.start].text, "$(") ||
                            starts_with(v.cmd->words[v.start].text, "`"));
          if (!interp && !subst_cmd) continue;
          for (std::size_t ci = li + 1; ci < vt.shell.size(); ++ci) {
            const ShellLine& child = vt.shell[ci];
            if (child.parent != static_cast<int>(li) || child.origin != ShellOrigin::Nested) continue;
            if (child.via != "$(…)" && child.via != "<(…)") continue;
            for (const ShellView& cv : line_commands(child)) {
              if (!is_fetch(cv)) continue;
              out.push_back(make(line.loc, v.show() + " runs the output of `" + cv.show_plain() +
                                               "`: code downloaded" + host_note(cv) +
                                               " at run time, unseen by any reviewer" + v.origin(),
                                 "download files with wget -O FILE and run only code from the repository"));
              break;
            }
          }
        }
        // a downloaded script run, pip install from a URL or git
        std::string cwd = line.cwd;
        for (const ShellView& v : views) {
          if (v.name == "cd") {
            auto a = v.args();
            cwd = !a.empty() && !a[0]->unknown ? resolve_in(cwd, a[0]->text) : "";
            continue;
          }
          if (const Downloaded* d = runs_downloaded(v, cwd, vt.downloads, line.loc)) {
            out.push_back(make(line.loc, v.show() + " runs " + d->name + (d->folder ? ", cloned" : ", downloaded") +
                                             " from " + d->url + " in " + where(d->loc) +
                                             ": code no reviewer has seen" + v.origin(),
                               "commit the script into the request folder so that it is reviewed, or use "
                               "the trainer's own scripts"));
          }
          std::string pip = pip_remote(v);
          if (!pip.empty()) {
            out.push_back(make(line.loc, v.show() + " installs " + pip +
                                             ", code from outside PyPI that no reviewer has seen" + v.origin(),
                               "install released packages from PyPI by name (pin a version); the "
                               "trainer's own dependencies are already installed"));
          }
        }
      }
      for (std::size_t li = 0; li < vt.python.size(); ++li) {
        const PyLine& l = vt.python[li];
        for (const PyCall& c : l.calls) {
          if (!is_exec(c.func)) continue;
          const PyArg* a = c.arg(0);
          if (!a || a->taint.empty()) continue;
          out.push_back(make(l.loc, "`" + shorten(l.text) + "` runs " + a->taint + " with " + c.func +
                                        "(): code no reviewer has seen" + py_origin(l),
                             "write the code out in the notebook; download data, never code"));
        }
        // import of a downloaded module
        if (!l.tokens.empty() && l.tokens[0].t == PyToken::Name &&
            (l.tokens[0].s == "import" || l.tokens[0].s == "from") && l.tokens.size() > 1) {
          for (const PyToken& t : l.tokens) {
            if (t.t != PyToken::Name) continue;
            for (const Downloaded& d : vt.downloads) {
              if (!d.folder && d.name == t.s + ".py" && loc_before(d.loc, l.loc)) {
                out.push_back(make(l.loc, "`" + shorten(l.text) + "` imports " + d.name + ", downloaded from " +
                                              d.url + " in " + where(d.loc) + ": code no reviewer has seen",
                                   "commit the module into the request folder so that it is reviewed"));
              }
            }
          }
        }
      }
      dedupe(out, from);
    }
  }
};
RWKVQ_REGISTER_RULE(RemoteCode);

// ---------------------------------------------------------------- security/exfiltration

class Exfiltration : public Rule {
 public:
  std::string_view id() const override { return "security/exfiltration"; }
  Severity default_severity() const override { return Severity::Error; }
  std::string_view summary() const override {
    return "sends data out: curl -d/-F/-T, wget --post-*, requests.post/put, nc, /dev/tcp/, scp, "
           "rsync to a host, raw sockets, uploads to a Hub repository";
  }
  void check(const Request& req, const RuleContext&, std::vector<Finding>& out) const override {
    const std::string hint =
        "a training notebook only downloads; the runner uploads model/*.pth itself after the run";
    for (const NotebookProgram* nb : checked_notebooks(req)) {
      std::size_t from = out.size();
      for (const ShellView& v : shell_commands(*nb)) {
        std::string what = shell_sends(v);
        if (!what.empty()) out.push_back(make(v.line->loc, v.show() + " " + what + v.origin(), hint));
      }
      for (const PyLine& l : nb->vet.python) {
        for (const PyCall& c : l.calls) {
          std::string what = python_sends(c);
          if (!what.empty())
            out.push_back(make(l.loc, "`" + shorten(l.text) + "` " + what + py_origin(l), hint));
        }
      }
      dedupe(out, from);
    }
  }
};
RWKVQ_REGISTER_RULE(Exfiltration);

// ---------------------------------------------------------------- security/escape

class Escape : public Rule {
 public:
  std::string_view id() const override { return "security/escape"; }
  Severity default_severity() const override { return Severity::Error; }
  std::string_view summary() const override {
    return "touches the node outside the checkout: rm -rf of /, ~ or above the repository, sudo, "
           "system chmod/chown, crontab, systemctl, docker, killall/pkill, daemons left behind";
  }
  void check(const Request& req, const RuleContext&, std::vector<Finding>& out) const override {
    const bool checkout = req.repo.checkout.has_value();
    for (const NotebookProgram* nb : checked_notebooks(req)) {
      std::size_t from = out.size();
      const Vetting& vt = nb->vet;
      for (std::size_t li = 0; li < vt.shell.size(); ++li) {
        const ShellLine& line = vt.shell[li];
        std::vector<ShellView> views = line_commands(line);
        std::string cwd = line.cwd;
        for (std::size_t k = 0; k < views.size(); ++k) {
          const ShellView& v = views[k];
          if (v.name == "cd") {
            auto a = v.args();
            cwd = !a.empty() && !a[0]->unknown ? resolve_in(cwd, a[0]->text) : "";
            continue;
          }
          auto emit = [&](const std::string& what, const std::string& hint) {
            out.push_back(make(line.loc, v.show() + " " + what + v.origin(), hint));
          };
          if (v.sudo) emit("runs a command as root (" + v.sudo_word + "): the node is shared with other jobs",
                           "the runner's environment has what training needs; install Python packages "
                           "with pip, without root");
          std::string what = node_change(v, cwd, checkout);
          if (!what.empty()) emit(what, "keep every change inside the checkout: the node runs other "
                                        "people's jobs before and after this one");
          // background jobs
          if (v.cmd->next == ShellOp::Background && !waited(vt, li, k)) {
            emit("starts " + v.name + " in the background (`&`) and never waits for it: it is left "
                 "running on the node after the notebook ends",
                 "run it in the foreground, or `wait` for it in the same %%bash cell");
          }
        }
      }
      for (const PyLine& l : vt.python) {
        for (const PyCall& c : l.calls) {
          std::string what = python_node_change(c, checkout);
          if (!what.empty())
            out.push_back(make(l.loc, "`" + shorten(l.text) + "` " + what + py_origin(l),
                               "keep every change inside the checkout"));
        }
      }
      dedupe(out, from);
    }
  }
};
RWKVQ_REGISTER_RULE(Escape);

// ---------------------------------------------------------------- security/mining

class Mining : public Rule {
 public:
  std::string_view id() const override { return "security/mining"; }
  Severity default_severity() const override { return Severity::Error; }
  std::string_view summary() const override {
    return "a crypto miner or mining pool (xmrig, stratum+tcp://, known pools)";
  }
  void check(const Request& req, const RuleContext&, std::vector<Finding>& out) const override {
    const std::string hint = "donated GPU time is for training RWKV models only";
    for (const NotebookProgram* nb : checked_notebooks(req)) {
      std::size_t from = out.size();
      for (const ShellView& v : shell_commands(*nb)) {
        for (const ShellWord& w : v.cmd->words) {
          std::string m = mining_word(w.text);
          if (m.empty()) continue;
          out.push_back(make(v.line->loc, v.show() + " names " + m + ": crypto mining" + v.origin(), hint));
          break;
        }
      }
      for (const PyLine& l : nb->vet.python) {
        for (const PyCall& c : l.calls) {
          if (is_print_like(c.func)) continue;
          std::string m;
          for (const PyArg& a : c.args) {
            if (a.value.kind == Value::Kind::String) m = mining_word(a.value.str);
            for (const Value& it : a.items)
              if (m.empty() && it.kind == Value::Kind::String) m = mining_word(it.str);
            for (const PyToken& t : a.tokens)
              if (m.empty() && t.t == PyToken::Str) m = mining_word(t.s);
            if (!m.empty()) break;
          }
          if (m.empty()) continue;
          out.push_back(make(l.loc, "`" + shorten(l.text) + "` names " + m + ": crypto mining" + py_origin(l), hint));
          break;
        }
      }
      dedupe(out, from);
    }
  }
};
RWKVQ_REGISTER_RULE(Mining);

// ---------------------------------------------------------------- security/obfuscated

// A shell command run from Python that rwkvq cannot read: "" when it can.
std::string unreadable_command(const PyCall& c) {
  static const std::set<std::string> shell_calls = {
      "os.system", "os.popen", "subprocess.run", "subprocess.call", "subprocess.check_call",
      "subprocess.check_output", "subprocess.Popen", "subprocess.getoutput",
      "subprocess.getstatusoutput"};
  if (!shell_calls.count(c.func)) return "";
  const PyArg* a = c.arg(0, starts_with(c.func, "os.") ? "command" : "args");
  if (!a) return "";
  if (a->value.kind == Value::Kind::String) return "";
  std::string why;
  if (a->is_list) {
    if (a->items.empty() || a->items[0].known()) return "";
    why = a->items[0].why;
  } else {
    why = a->value.why;
  }
  return "runs a command rwkvq cannot read with " + c.written + "()" + (why.empty() ? "" : " (" + why + ")") +
         ": vetting could not check what it does";
}

class Obfuscated : public Rule {
 public:
  std::string_view id() const override { return "security/obfuscated"; }
  Severity default_severity() const override { return Severity::Warning; }
  std::string_view summary() const override {
    return "code hidden from a reader: long base64/hex blobs decoded at run time, chr() chains, "
           "names built from pieces (getattr on modules, __import__), exec/eval of strings";
  }
  void check(const Request& req, const RuleContext&, std::vector<Finding>& out) const override {
    const std::string hint = "write the code out plainly so that a maintainer can read what runs";
    for (const NotebookProgram* nb : checked_notebooks(req)) {
      std::size_t from = out.size();
      for (const PyLine& l : nb->vet.python) {
        std::string text = "`" + shorten(l.text) + "`";
        int chrs = 0;
        for (const PyCall& c : l.calls) {
          if (c.func == "chr") ++chrs;
          std::string what;
          if (!c.built.empty()) {
            what = "calls " + c.func + " through a name built at run time (" + shorten(c.built) + ")";
          } else if (c.func == "getattr" && !c.module.empty()) {
            const PyArg* a = c.arg(1);
            what = "takes an attribute of the module " + c.module + " by a name given as data" +
                   (a && a->value.kind == Value::Kind::String ? " ('" + a->value.str + "')" : "");
          } else if (c.func == "__import__") {
            what = "imports a module through __import__()";
          } else if (c.func == "importlib.import_module") {
            const PyArg* a = c.arg(0);
            if (a && !(a->tokens.size() == 1 && a->tokens[0].t == PyToken::Str))
              what = "imports a module whose name is computed at run time";
          } else if (is_decoder(c.func)) {
            const PyArg* a = c.arg(0);
            std::size_t n = a && a->value.kind == Value::Kind::String ? a->value.str.size() : 0;
            if (a && a->tokens.size() == 1 && a->tokens[0].t == PyToken::Str) n = std::max(n, a->tokens[0].s.size());
            if (n >= 40) what = "decodes a " + std::to_string(n) + "-character blob with " + c.func + " at run time";
          } else if (is_exec(c.func)) {
            const PyArg* a = c.arg(0);
            if (a && a->taint.empty()) {
              what = a->value.kind == Value::Kind::String
                         ? "runs code held in a string with " + c.func + "() (vetted as code here, but hidden from a reader)"
                         : "runs code rwkvq cannot read with " + c.func + "()" +
                               (a->value.why.empty() ? "" : " (" + a->value.why + ")");
            }
          }
          if (what.empty()) what = unreadable_command(c);
          if (!what.empty()) out.push_back(make(l.loc, text + " " + what + py_origin(l), hint));
        }
        if (chrs >= 4)
          out.push_back(make(l.loc, text + " builds text from " + std::to_string(chrs) + " chr() calls" + py_origin(l), hint));
        for (std::size_t k = 0; k < l.tokens.size(); ++k) {
          const PyToken& t = l.tokens[k];
          if (t.t != PyToken::Name) continue;
          bool sub = k + 3 < l.tokens.size() && l.tokens[k + 1].s == "(" && l.tokens[k + 2].s == ")" &&
                     l.tokens[k + 3].s == "[";
          if (t.s == "__builtins__" || t.s == "__dict__" || t.s == "__subclasses__" || t.s == "__globals__" ||
              ((t.s == "globals" || t.s == "vars" || t.s == "locals") && sub) ||
              (t.s == "modules" && k >= 2 && l.tokens[k - 2].s == "sys" && k + 1 < l.tokens.size() &&
               l.tokens[k + 1].s == "[")) {
            out.push_back(make(l.loc, text + " reaches functions through " + t.s +
                                          (sub ? "()[…]" : "") + ", which hides what is called" + py_origin(l), hint));
            break;
          }
        }
      }
      for (const ShellView& v : shell_commands(*nb)) {
        if (is_decode(v))
          out.push_back(make(v.line->loc, v.show() + " decodes hidden text at run time" + v.origin(), hint));
        // `!{cmd}`: a command whose name IPython fills in from a value rwkvq cannot tell
        if (v.line->origin == ShellOrigin::Bang && v.start < v.cmd->words.size() &&
            v.cmd->words[v.start].unknown && !starts_with(v.cmd->words[v.start].why, "uses the shell variable") &&
            !starts_with(v.cmd->words[v.start].text, "$(") && !starts_with(v.cmd->words[v.start].text, "`") &&
            v.cmd->words[v.start].text != "{sys.executable}")  // the kernel's own python
          out.push_back(make(v.line->loc, v.show() + " runs a command whose name rwkvq cannot tell (" +
                                              v.cmd->words[v.start].why + "): vetting could not check it",
                             "write the command out in the ! line"));
      }
      dedupe(out, from);
    }
  }
};
RWKVQ_REGISTER_RULE(Obfuscated);

// ---------------------------------------------------------------- security/input-limits

class InputLimits : public Rule {
 public:
  std::string_view id() const override { return "security/input-limits"; }
  Severity default_severity() const override { return Severity::Error; }
  std::string_view summary() const override {
    return "a part of the request was not checked because it exceeds a cap against hostile input "
           "(cells, code lines, nesting, time budget), so no rule can vouch for it";
  }
  void check(const Request& req, const RuleContext&, std::vector<Finding>& out) const override {
    for (const LimitHit& h : req.limit_hits)
      out.push_back(make(h.loc, h.what + ": nothing there was vetted, so the request cannot be called safe",
                         "split the work into smaller cells and notebooks, or raise the cap in "
                         "rwkvq.yaml (limits) after looking at the request by eye"));
    for (const NotebookProgram* nb : checked_notebooks(req))
      for (const auto& [loc, why] : nb->vet.unfollowed)
        out.push_back(make(loc, "not vetted: " + why,
                           "write the commands out plainly; nested code hides what runs"));
  }
};
RWKVQ_REGISTER_RULE(InputLimits);

}  // namespace
}  // namespace rwkvq
