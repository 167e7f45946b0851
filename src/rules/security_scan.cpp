// Facts of DESIGN §11 used by the security/ rules (see security_scan.h).
#include "rules/security_scan.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <set>

#include "rules/rule_helpers.h"
#include "rwkvq/request/vpath.h"
#include "rwkvq/util/strings.h"

namespace rwkvq::rules::vet {

namespace {

std::string upper(std::string_view s) {
  std::string o(s);
  for (char& c : o) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return o;
}

bool short_flags(std::string_view w) { return w.size() > 1 && w[0] == '-' && w[1] != '-'; }

std::string url_host(std::string_view url) {
  std::size_t p = url.find("://");
  if (p == std::string_view::npos) return "";
  std::string_view rest = url.substr(p + 3);
  std::size_t e = rest.find_first_of("/?#");
  std::string_view hp = rest.substr(0, e);
  std::size_t at = hp.rfind('@');
  if (at != std::string_view::npos) hp = hp.substr(at + 1);
  return to_lower(hp);
}

// The first word of the command that looks like a URL or host, for "to HOST".
std::string target_of(const ShellView& v) {
  for (const ShellWord* w : v.args()) {
    std::string h = url_host(w->text);
    if (!h.empty()) return h;
  }
  return "";
}

// Where a path points, in words, when it is outside the checkout: "" when it is inside (or cannot
// be told). Home folders and system folders always; other places outside the repository only when
// the request sits in a real checkout (else its depth below the repository root is assumed).
std::string outside(const ShellWord& w, const std::string& cwd, bool checkout) {
  std::string t = w.text;
  if (t.empty()) return "";
  if (starts_with(t, "$HOME") || starts_with(t, "${HOME}") || t == "~" || starts_with(t, "~/") ||
      (t[0] == '~' && t.find('/') == std::string::npos))
    return t == "~" || t == "$HOME" || t == "${HOME}" || t == "~/" ? "the home folder (" + t + ")"
                                                                     : t + " in the home folder";
  if (w.unknown) return "";
  std::string p;
  if (t[0] == '/') {
    p = path_normalize(t);
  } else {
    if (cwd.empty()) return "";
    p = path_join(cwd, t);
  }
  if (p == "/" || p == "/*" || p == "/.*") return "the whole filesystem (" + t + " is " + p + ")";
  if (p == kRepoRoot || starts_with(p, std::string(kRepoRoot) + "/")) return "";
  std::string top = p.substr(1, p.find('/', 1) == std::string::npos ? std::string::npos : p.find('/', 1) - 1);
  static const std::set<std::string> system = {"bin", "boot", "dev", "etc", "lib", "lib32", "lib64",
                                               "libx32", "opt", "proc", "sbin", "srv", "sys", "usr",
                                               "var", "mnt", "media", "run", "snap", "root", "home"};
  if (top == "home" || top == "root") return p + " in a home folder";
  if (system.count(top)) return "the system folder " + p;
  if (top == "tmp") return "";
  if (checkout) return p + ", outside the repository checkout";
  return "";
}

}  // namespace

// ---------------------------------------------------------------- views

std::vector<const ShellWord*> ShellView::args() const {
  std::vector<const ShellWord*> out;
  for (std::size_t k = start + 1; k < cmd->words.size(); ++k) out.push_back(&cmd->words[k]);
  return out;
}

bool ShellView::has_flag(char c) const {
  for (const ShellWord* w : args())
    if (short_flags(w->text) && w->text.find(c) != std::string::npos) return true;
  return false;
}

bool ShellView::has_word(std::string_view w) const {
  for (const ShellWord* x : args())
    if (x->text == w) return true;
  return false;
}

std::string ShellView::show_plain() const {
  std::string s;
  for (const std::string& a : cmd->assignments) s += (s.empty() ? "" : " ") + a;
  for (const ShellWord& w : cmd->words) {
    bool q = w.text.empty() || w.text.find_first_of(" \t|&;<>") != std::string::npos;
    s += (s.empty() ? "" : " ") + (q ? "\"" + w.text + "\"" : w.text);
  }
  for (const auto& [op, target] : cmd->redirects) s += " " + op + (op.back() == '&' ? "" : " ") + target;
  return shorten(s);
}

std::string ShellView::show() const { return "`" + show_plain() + "`"; }

std::string ShellView::show_pipeline(const std::vector<ShellView>& views, std::size_t b, std::size_t e) const {
  std::string s;
  for (std::size_t k = b; k <= e && k < views.size(); ++k) s += (k > b ? " | " : "") + views[k].show_plain();
  return "`" + shorten(s, 140) + "`";
}

std::string ShellView::origin() const {
  if (line->origin == ShellOrigin::PythonCall) return " (a command run from Python by " + line->via + ")";
  if (line->origin == ShellOrigin::Nested) return " (inside " + line->via + ")";
  return "";
}

std::vector<ShellView> line_commands(const ShellLine& line) {
  std::vector<ShellView> out;
  for (const SimpleCommand& c : line.cmds) {
    ShellView v;
    v.line = &line;
    v.cmd = &c;
    v.start = command_start(c.words);
    for (std::size_t k = 0; k < v.start && k < c.words.size(); ++k) {
      std::string p = path_basename(c.words[k].text);
      if (p == "sudo" || p == "doas") {
        v.sudo = true;
        v.sudo_word = p;
      }
      if (p == "nohup" || p == "setsid") v.detached = p;
    }
    if (v.start < c.words.size()) v.name = path_basename(c.words[v.start].text);
    if (v.name == "su") {
      v.sudo = true;
      v.sudo_word = "su";
    }
    out.push_back(std::move(v));
  }
  return out;
}

std::vector<ShellView> shell_commands(const NotebookProgram& nb) {
  std::vector<ShellView> out;
  for (const ShellLine& l : nb.vet.shell) {
    auto v = line_commands(l);
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}

std::string shorten(std::string_view text, std::size_t max) {
  std::string s;
  bool space = false;
  for (char c : trim(text)) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = true;
      continue;
    }
    if (space && !s.empty()) s += ' ';
    space = false;
    s += c;
  }
  if (s.size() > max) s = s.substr(0, max - 3) + "...";
  return s;
}

std::string py_origin(const PyLine& l) { return l.via.empty() ? "" : " (code run by " + l.via + ")"; }

std::string last_part(std::string_view d) {
  std::size_t p = d.rfind('.');
  return std::string(p == std::string_view::npos ? d : d.substr(p + 1));
}

std::string strip_at(std::string_view w) {
  if (starts_with(w, "@")) w.remove_prefix(1);
  return std::string(w);
}

std::string resolve_in(const std::string& cwd, const std::string& p) {
  if (p.empty() || p[0] == '~' || p[0] == '$') return "";
  if (p[0] == '/') return path_normalize(p);
  if (cwd.empty()) return "";
  return path_join(cwd, p);
}

// ---------------------------------------------------------------- secrets

bool secret_var(std::string_view name) {
  if (name.empty() || !(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  std::string u = upper(name);
  bool strong = u.find("KEY") != std::string::npos || u.find("SECRET") != std::string::npos ||
                u.find("PASSWORD") != std::string::npos || u.find("PASSWD") != std::string::npos ||
                u.find("CREDENTIAL") != std::string::npos;
  if (strong) return true;
  if (u.find("TOKEN") == std::string::npos) return false;
  // TOKENIZERS_PARALLELISM, MAX_TOKENS …: about tokenisation, not credentials
  return u.find("TOKENIZER") == std::string::npos && u.find("TOKENS") == std::string::npos;
}

std::string secret_var_note(std::string_view name) {
  std::string u = upper(name);
  if (u == "HF_TOKEN" || u == "HUGGING_FACE_HUB_TOKEN" || u == "HUGGINGFACE_TOKEN" ||
      u == "HF_API_TOKEN" || u == "HUGGINGFACEHUB_API_TOKEN")
    return ": the runner's Hugging Face write token";
  if (u == "WANDB_API_KEY") return ": the runner's W&B key";
  if (u == "GITHUB_TOKEN" || u == "GH_TOKEN") return ": a GitHub token";
  return ": a secret, by its name";
}

std::vector<std::string> shell_var_reads(const SimpleCommand& c) {
  std::vector<std::string> out;
  auto scan = [&](std::string_view t) {
    for (std::size_t i = 0; i + 1 < t.size(); ++i) {
      if (t[i] != '$') continue;
      std::size_t b = i + 1;
      if (t[b] == '{') ++b;
      std::size_t e = b;
      while (e < t.size() && (std::isalnum(static_cast<unsigned char>(t[e])) || t[e] == '_')) ++e;
      if (e > b) out.emplace_back(t.substr(b, e - b));
      i = e - 1;
    }
  };
  for (const ShellWord& w : c.words)
    if (w.unknown) scan(w.text);
  for (const std::string& a : c.assignments) {
    std::size_t eq = a.find('=');
    if (eq != std::string::npos) scan(std::string_view(a).substr(eq + 1));
  }
  for (const auto& r : c.redirects) scan(r.second);
  return out;
}

std::string secret_file(std::string_view path) {
  std::string p = strip_at(trim(path));
  if (starts_with(p, "file://")) p = p.substr(7);
  if (p.find("/environ") != std::string::npos && starts_with(p, "/proc/"))
    return "the environment of a process, the runner's tokens included";
  if (p == "/etc/shadow" || p == "/etc/sudoers") return "the system's password file";
  // home-relative form
  std::string h;
  for (std::string_view pre : {"~/", "$HOME/", "${HOME}/", "/root/"}) {
    if (starts_with(p, pre)) {
      h = p.substr(pre.size());
      break;
    }
  }
  if (h.empty() && starts_with(p, "/home/")) {
    std::size_t s = p.find('/', 6);
    if (s != std::string::npos) h = p.substr(s + 1);
  }
  for (std::string_view pre : {"$HF_HOME/", "${HF_HOME}/"}) {
    if (starts_with(p, pre)) h = ".cache/huggingface/" + p.substr(pre.size());
  }
  if (h.empty()) {
    if (p.find(".cache/huggingface/token") != std::string::npos ||
        p.find(".huggingface/token") != std::string::npos)
      return "the runner's Hugging Face token";
    return "";
  }
  while (starts_with(h, "./")) h = h.substr(2);
  struct Secret {
    std::string_view prefix;
    std::string_view what;
  };
  static const Secret secrets[] = {
      {".cache/huggingface/token", "the runner's Hugging Face token"},
      {".cache/huggingface/stored_tokens", "the runner's Hugging Face tokens"},
      {".huggingface/token", "the runner's Hugging Face token"},
      {".netrc", "the runner's logins (W&B stores its key there)"},
      {".ssh", "the node's SSH keys"},
      {".aws", "AWS credentials"},
      {".git-credentials", "git credentials"},
      {".config/gh", "the GitHub CLI's token"},
      {".docker/config.json", "container registry logins"},
      {".kaggle/kaggle.json", "a Kaggle key"},
      {".pypirc", "PyPI upload credentials"},
      {".config/wandb", "W&B settings and key"},
      {".bash_history", "the shell history of the runner's account"},
      {".gnupg", "GPG keys"}};
  for (const Secret& s : secrets) {
    if (h == s.prefix || starts_with(h, std::string(s.prefix) + "/")) return std::string(s.what);
  }
  return "";
}

// ---------------------------------------------------------------- commands

bool is_interpreter(std::string_view n) {
  static const std::set<std::string, std::less<>> names = {
      "sh", "bash", "zsh", "dash", "ksh", "fish", "ash", "python", "python2", "python3", "perl",
      "ruby", "node", "nodejs", "php", "lua", "source", ".", "pwsh", "tclsh", "Rscript"};
  if (names.count(n)) return true;
  return starts_with(n, "python3.") || starts_with(n, "python2.");
}

bool is_fetch(const ShellView& v) {
  static const std::set<std::string, std::less<>> names = {"curl", "wget", "fetch", "http", "https",
                                                           "xh", "lwp-request", "GET"};
  if (names.count(v.name)) return true;
  if ((v.name == "nc" || v.name == "ncat" || v.name == "netcat")) return true;
  return false;
}

bool is_decode(const ShellView& v) {
  const std::string_view name = v.name;  // compared without strlen (issue 12.6)
  if (name == "base64" || name == "base32" || name == "basenc")
    return v.has_flag('d') || v.has_flag('D') || v.has_word("--decode");
  if (name == "xxd") return v.has_flag('r') || v.has_word("-revert");
  if (name == "openssl")
    return (v.has_word("enc") || v.has_word("base64")) && v.has_flag('d');
  if (name == "uudecode") return true;
  return false;
}

std::string host_note(const ShellView& v) {
  std::string h = target_of(v);
  return h.empty() ? "" : " from " + h;
}

bool is_exec(std::string_view f) {
  return f == "exec" || f == "eval" || f == "compile" || f == "builtins.exec" ||
         f == "builtins.eval" || f == "builtins.compile";
}

bool is_decoder(std::string_view f) { return python_decoder(f); }

bool is_print_like(std::string_view f) {
  std::string l = last_part(f);
  return f == "print" || f == "display" || f == "pprint.pprint" || starts_with(f, "logging.") ||
         l == "info" || l == "debug" || l == "warning" || l == "warn" || l == "Markdown" ||
         f == "input" || l == "set_description";
}

const Downloaded* runs_downloaded(const ShellView& v, const std::string& cwd,
                                  const std::vector<Downloaded>& downloads, const Location& loc) {
  const ShellWord* script = nullptr;
  if (is_interpreter(v.name)) {
    auto a = v.args();
    for (std::size_t k = 0; k < a.size(); ++k) {
      const std::string& t = a[k]->text;
      if (t == "-c" || t == "-m" || t == "-e") return nullptr;  // code or a module, not a file
      if (starts_with(t, "-")) continue;
      script = a[k];
      break;
    }
  } else if (v.start < v.cmd->words.size()) {
    const ShellWord& w = v.cmd->words[v.start];
    if (w.text.find('/') != std::string::npos) script = &w;  // ./x, dir/x
  }
  if (!script || script->unknown) return nullptr;
  std::string path = resolve_in(cwd, script->text);
  std::string name = path_basename(script->text);
  static const std::set<std::string> trusted = {"github.com/blinkdl/", "github.com/rwkv/"};
  for (const Downloaded& d : downloads) {
    if (!loc_before(d.loc, loc) && !(d.loc.cell == loc.cell && d.loc.cell_line == loc.cell_line)) continue;
    if (d.folder) {
      if (d.path.empty() || path.empty() || !starts_with(path, d.path + "/")) continue;
      std::string u = to_lower(d.url);
      bool ok = false;
      for (const std::string& t : trusted)
        if (u.find(t) != std::string::npos) ok = true;
      if (!ok) return &d;
      continue;
    }
    if ((!d.path.empty() && !path.empty() && d.path == path) ||
        ((d.path.empty() || path.empty()) && d.name == name))
      return &d;
  }
  return nullptr;
}

std::string pip_remote(const ShellView& v) {
  auto a = v.args();
  std::size_t i = 0;
  if (starts_with(v.name, "python")) {
    for (; i + 1 < a.size(); ++i)
      if (a[i]->text == "-m" && (a[i + 1]->text == "pip" || a[i + 1]->text == "pip3")) break;
    if (i + 1 >= a.size()) return "";
    i += 2;
  } else if (v.name != "pip" && v.name != "pip3" && v.name != "uv") {
    return "";
  }
  if (v.name == "uv") {
    if (a.empty() || a[0]->text != "pip") return "";
    i = 1;
  }
  bool install = false;
  for (; i < a.size(); ++i) {
    if (a[i]->text == "install") {
      install = true;
      ++i;
      break;
    }
  }
  if (!install) return "";
  static const std::set<std::string> good_hosts = {"pypi.org", "files.pythonhosted.org",
                                                   "download.pytorch.org", "pypi.nvidia.com",
                                                   "pypi.ngc.nvidia.com"};
  static const std::vector<std::string> good_repos = {"github.com/blinkdl/", "github.com/rwkv/",
                                                      "github.com/huggingface/"};
  auto trusted = [&](const std::string& spec) {
    std::string h = url_host(spec);
    if (good_hosts.count(h)) return true;
    std::string l = to_lower(spec);
    for (const std::string& r : good_repos)
      if (l.find(r) != std::string::npos) return true;
    return false;
  };
  for (; i < a.size(); ++i) {
    const std::string& t = a[i]->text;
    std::string value;
    for (std::string_view f : {"-i", "--index-url", "--extra-index-url", "-f", "--find-links"}) {
      if (t == f && i + 1 < a.size()) value = a[++i]->text;
      else if (starts_with(t, std::string(f) + "=")) value = t.substr(f.size() + 1);
    }
    if (!value.empty()) {
      if (!trusted(value)) return "packages from the index " + value;
      continue;
    }
    if (a[i]->unknown) continue;
    bool vcs = starts_with(t, "git+") || starts_with(t, "hg+") || starts_with(t, "svn+") ||
               starts_with(t, "bzr+") || t.find("@ git+") != std::string::npos ||
               t.find("://") != std::string::npos;
    if (vcs && !trusted(t)) return t;
  }
  return "";
}

std::string shell_sends(const ShellView& v) {
  const std::string& n = v.name;
  const std::string_view nv = n;  // compared without strlen (issue 12.6)
  std::string host = target_of(v);
  std::string to = host.empty() ? "" : " to " + host;
  for (const ShellWord& w : v.cmd->words)
    if (w.text.find("/dev/tcp/") != std::string::npos || w.text.find("/dev/udp/") != std::string::npos)
      return "opens a network connection through " + w.text;
  for (const auto& r : v.cmd->redirects)
    if (r.second.find("/dev/tcp/") != std::string::npos || r.second.find("/dev/udp/") != std::string::npos)
      return "opens a network connection through " + r.second;
  if (nv == "curl") {
    auto a = v.args();
    for (std::size_t k = 0; k < a.size(); ++k) {
      const std::string& t = a[k]->text;
      const std::string_view tv = t;
      std::string value;
      bool data = false, upload = false;
      if (tv == "-d" || tv == "--data" || tv == "--data-binary" || tv == "--data-raw" ||
          tv == "--data-urlencode" || tv == "--data-ascii" || tv == "-F" || tv == "--form" ||
          tv == "--form-string" || tv == "--json") {
        data = true;
        if (k + 1 < a.size()) value = a[k + 1]->text;
      } else if (tv == "-T" || tv == "--upload-file") {
        upload = true;
        if (k + 1 < a.size()) value = a[k + 1]->text;
      } else if (starts_with(t, "--data") || starts_with(t, "--form") || starts_with(t, "--json")) {
        data = true;
        std::size_t eq = t.find('=');
        if (eq != std::string::npos) value = t.substr(eq + 1);
      } else if ((tv == "-X" || tv == "--request") && k + 1 < a.size()) {
        std::string m = upper(a[k + 1]->text);
        if (m == "POST" || m == "PUT" || m == "PATCH") return "sends a " + m + " request" + to;
      } else if (starts_with(t, "-X") && t.size() > 2 && !starts_with(t, "--")) {
        std::string m = upper(t.substr(2));
        if (m == "POST" || m == "PUT" || m == "PATCH") return "sends a " + m + " request" + to;
      } else if (short_flags(t)) {
        std::size_t p = t.find_first_of("dFT");
        if (p != std::string::npos && t.find_first_of("oHuAeEXwrCKmyYzbc") > p) {
          data = t[p] != 'T';
          upload = t[p] == 'T';
          value = p + 1 < t.size() ? t.substr(p + 1) : (k + 1 < a.size() ? a[k + 1]->text : "");
        }
      }
      if (!data && !upload) continue;
      std::string file = upload ? value : (starts_with(value, "@") ? value.substr(1) : "");
      if (!file.empty()) {
        std::string s = secret_file(file);
        return (upload ? "uploads the file " : "sends the file ") + file + to +
               (s.empty() ? "" : ": " + s);
      }
      return "sends data" + to + " (" + t + ")";
    }
    return "";
  }
  if (nv == "wget") {
    for (const ShellWord* w : v.args()) {
      const std::string& t = w->text;
      if (starts_with(t, "--post-data") || starts_with(t, "--post-file") ||
          starts_with(t, "--body-data") || starts_with(t, "--body-file"))
        return "sends data" + to + " (" + t.substr(0, t.find('=')) + ")";
      if (starts_with(t, "--method")) {
        std::string m = upper(t.substr(std::min(t.size(), t.find('=') + 1)));
        if (m == "POST" || m == "PUT" || m == "PATCH") return "sends a " + m + " request" + to;
      }
    }
    return "";
  }
  if (nv == "nc" || nv == "ncat" || nv == "netcat" || nv == "socat" || nv == "telnet")
    return "opens a raw network connection (" + n + ")";
  if (nv == "scp" || nv == "sftp" || nv == "ftp" || nv == "tftp" || nv == "lftp")
    return "copies files to or from another host (" + n + ")";
  if (nv == "ssh") return "connects to another host (ssh)";
  if (nv == "rsync") {
    for (const ShellWord* w : v.args()) {
      const std::string& t = w->text;
      if (starts_with(t, "-")) continue;
      std::size_t c = t.find(':');
      std::size_t s = t.find('/');
      if (starts_with(t, "rsync://") || (c != std::string::npos && c > 0 && (s == std::string::npos || c < s)))
        return "copies files to another host (" + t + ")";
    }
    return "";
  }
  if ((nv == "huggingface-cli" || nv == "hf") && !v.args().empty()) {
    std::string sub = v.args()[0]->text;
    if (sub == "upload" || sub == "upload-large-folder")
      return "uploads to a Hugging Face Hub repository" +
             (v.args().size() > 1 ? " (" + v.args()[1]->text + ")" : std::string()) +
             " with the runner's write token";
    if (sub == "repo" && v.args().size() > 1 && v.args()[1]->text == "create")
      return "creates a Hugging Face Hub repository with the runner's write token";
  }
  if (nv == "git" && !v.args().empty() && v.args()[0]->text == "push") return "pushes to a git remote";
  if ((nv == "aws" || nv == "gsutil" || nv == "rclone" || nv == "azcopy") && v.args().size() >= 2) {
    const std::string& last = v.args().back()->text;
    if (starts_with(last, "s3://") || starts_with(last, "gs://") || starts_with(last, "https://") ||
        (nv == "rclone" && last.find(':') != std::string::npos))
      return "copies files to cloud storage (" + last + ")";
  }
  return "";
}

std::string python_sends(const PyCall& c) {
  const std::string& f = c.func;
  std::string last = last_part(f);
  auto host = [&]() -> std::string {
    const PyArg* u = c.arg(0, "url");
    if (u && u->value.kind == Value::Kind::String) {
      std::string h = url_host(u->value.str);
      if (!h.empty()) return " to " + h;
    }
    return "";
  };
  bool http_lib = starts_with(f, "requests.") || starts_with(f, "httpx.") || starts_with(f, "aiohttp.");
  if ((last == "post" || last == "put" || last == "patch") &&
      (http_lib || (c.arg(0, "url") && c.arg(0, "url")->value.kind == Value::Kind::String &&
                    c.arg(0, "url")->value.str.find("://") != std::string::npos)))
    return "sends data with " + c.written + "()" + host();
  if (last == "request" || f == "urllib.request.Request") {
    const PyArg* m = c.arg(0, "method");
    if (f == "urllib.request.Request") m = c.arg(99, "method");
    if (m && m->value.kind == Value::Kind::String) {
      std::string up = upper(m->value.str);
      if (up == "POST" || up == "PUT" || up == "PATCH") return "sends a " + up + " request with " + c.written + "()";
    }
  }
  if (f == "urllib.request.urlopen" || f == "urllib.request.Request" || f == "urllib2.urlopen") {
    if (c.arg(1, "data")) return "sends data with " + c.written + "()" + host();
  }
  if (f == "socket.socket" || f == "socket.create_connection" || f == "socket.socketpair")
    return "opens a raw network connection (" + f + ")";
  if (starts_with(f, "smtplib.") || starts_with(f, "ftplib.") || starts_with(f, "paramiko.") ||
      starts_with(f, "telnetlib.") || starts_with(f, "pysftp."))
    return "opens a connection to another server (" + f + ")";
  if (last == "upload_file" || last == "upload_folder" || last == "upload_large_folder" ||
      last == "create_commit" || last == "push_to_hub" || last == "create_repo" ||
      (starts_with(f, "huggingface_hub.") && starts_with(last, "upload")))
    return "uploads to a Hugging Face Hub repository (" + c.written + ") with the runner's write token";
  return "";
}

std::string node_change(const ShellView& v, const std::string& cwd, bool checkout) {
  const std::string& n = v.name;
  const std::string_view nv = n;  // compared without strlen (issue 12.6)
  if (!v.detached.empty())
    return "detaches " + n + " from the notebook (" + v.detached + "): it keeps running on the node after the run";
  if (nv == "rm" || nv == "shred" || nv == "unlink" || nv == "rmdir") {
    for (const ShellWord* w : v.args()) {
      if (starts_with(w->text, "-")) continue;
      std::string o = outside(*w, cwd, checkout);
      if (!o.empty()) return "deletes " + o;
    }
    for (const ShellWord* w : v.args()) {
      if (w->unknown && (starts_with(w->text, "$HOME") || starts_with(w->text, "${HOME}")))
        return "deletes " + w->text + " in the home folder";
    }
    return "";
  }
  if (nv == "chmod" || nv == "chown" || nv == "chgrp" || nv == "chattr") {
    auto a = v.args();
    bool first = true;  // chown/chgrp: the first word is the owner
    for (const ShellWord* w : a) {
      const std::string& t = w->text;
      if (starts_with(t, "-") || starts_with(t, "+")) continue;
      if (nv == "chmod" || nv == "chattr") {  // modes: 755, u+x, a=r, go-w
        bool mode = t.find_first_not_of("0123456789") == std::string::npos ||
                    t.find_first_of("+=") != std::string::npos ||
                    (t.find('-') != std::string::npos && t.find_first_not_of("ugoarwxXst,-") == std::string::npos);
        if (mode) continue;
      } else if (first) {  // the owner
        first = false;
        continue;
      }
      std::string o = outside(*w, cwd, checkout);
      if (!o.empty()) return "changes the permissions of " + o;
    }
    return "";
  }
  if (nv == "crontab" || nv == "at" || nv == "batch") return "schedules a job (" + n + ") that outlives the run";
  if (nv == "systemctl" || nv == "service" || nv == "launchctl" || nv == "initctl")
    return "controls the node's system services (" + n + ")";
  if (nv == "docker" || nv == "podman" || nv == "nerdctl" || nv == "kubectl" || nv == "ctr")
    return "drives containers on the node (" + n + "), which gives root on the host";
  if (nv == "killall" || nv == "pkill")
    return "kills processes by name (" + n + "), other people's jobs on the node included";
  if (nv == "kill") {
    for (const ShellWord* w : v.args())
      if (w->text == "-1") return "signals every process it can reach (kill -1)";
    return "";
  }
  if (nv == "shutdown" || nv == "reboot" || nv == "halt" || nv == "poweroff" || nv == "init")
    return "shuts the node down or restarts it (" + n + ")";
  if (nv == "mount" || nv == "umount" || nv == "iptables" || nv == "ip6tables" || nv == "nft" ||
      nv == "modprobe" || nv == "insmod" || nv == "rmmod" || nv == "fdisk" || nv == "parted" ||
      starts_with(n, "mkfs") || nv == "useradd" || nv == "usermod" || nv == "passwd" || nv == "visudo" ||
      nv == "sysctl")
    return "changes the node's system configuration (" + n + ")";
  if (nv == "disown") return "detaches background jobs from the notebook (disown): they keep running after the run";
  if ((nv == "screen" && (v.has_flag('d') || v.has_flag('D'))) ||
      (nv == "tmux" && (v.has_word("new") || v.has_word("new-session")) && v.has_flag('d')) ||
      nv == "daemonize" || nv == "start-stop-daemon")
    return "starts a detached session (" + n + ") that keeps running after the run";
  if (nv == "nvidia-smi") {
    for (const ShellWord* w : v.args()) {
      const std::string& t = w->text;
      if (t == "-r" || t == "--gpu-reset" || t == "-pm" || starts_with(t, "--persistence-mode") ||
          t == "-pl" || starts_with(t, "--power-limit") || t == "-ac" || starts_with(t, "--applications-clocks") ||
          t == "-lgc" || starts_with(t, "--lock-gpu-clocks") || t == "-c" || starts_with(t, "--compute-mode") ||
          t == "-e" || starts_with(t, "--ecc-config") || t == "-mig")
        return "changes the GPU's settings for every later job (nvidia-smi " + t + ")";
    }
    return "";
  }
  if (nv == "dd") {
    for (const ShellWord* w : v.args())
      if (starts_with(w->text, "of=/dev/")) return "writes a raw device (" + w->text + ")";
  }
  for (const auto& [op, target] : v.cmd->redirects) {
    if (op.find('>') == std::string::npos || target == "/dev/null" || target == "/dev/stderr" ||
        target == "/dev/stdout" || starts_with(target, "/dev/tcp") || starts_with(target, "/dev/udp") ||
        op.find('&') != std::string::npos)
      continue;
    ShellWord w;
    w.text = target;
    std::string o = outside(w, cwd, checkout);
    if (!o.empty()) return "writes " + o;
  }
  return "";
}

std::string python_node_change(const PyCall& c, bool checkout) {
  const std::string& f = c.func;
  if (f == "shutil.rmtree" || f == "os.remove" || f == "os.unlink" || f == "os.rmdir" ||
      f == "os.removedirs" || f == "os.chmod" || f == "os.chown") {
    const PyArg* a = c.arg(0, "path");
    if (!a || a->value.kind != Value::Kind::String) return "";
    ShellWord w;
    w.text = a->value.str;
    std::string o = outside(w, "", checkout);
    if (o.empty()) return "";
    return (f == "os.chmod" || f == "os.chown" ? "changes the permissions of " : "deletes ") + o;
  }
  if (f == "os.fork" || f == "os.forkpty" || f == "os.setsid" || f == "os.daemon")
    return "forks or detaches a process (" + f + ") that can outlive the run";
  if (f == "subprocess.Popen" || f == "subprocess.run") {
    const PyArg* s = c.arg(99, "start_new_session");
    if (s && s->value.kind == Value::Kind::Bool && s->value.b)
      return "starts a detached process (start_new_session=True) that can outlive the run";
  }
  if (f == "os.kill" || f == "os.killpg") {
    const PyArg* p = c.arg(0);
    if (p && p->value.kind == Value::Kind::Int && p->value.i <= 0)
      return "signals every process it can reach (" + f + " of " + std::to_string(p->value.i) + ")";
  }
  return "";
}

bool waited(const Vetting& vt, std::size_t li, std::size_t k) {
  const ShellLine& line = vt.shell[li];
  for (std::size_t j = k + 1; j < line.cmds.size(); ++j) {
    std::size_t s = command_start(line.cmds[j].words);
    if (s < line.cmds[j].words.size() && line.cmds[j].words[s].text == "wait") return true;
  }
  for (std::size_t m = li + 1; m < vt.shell.size(); ++m) {
    const ShellLine& o = vt.shell[m];
    if (o.shell != line.shell) continue;
    for (const SimpleCommand& c : o.cmds) {
      std::size_t s = command_start(c.words);
      if (s < c.words.size() && c.words[s].text == "wait") return true;
    }
  }
  return false;
}

std::string mining_word(std::string_view text) {
  static constexpr std::string_view words[] = {
      "stratum+tcp://", "stratum+ssl://", "stratum2+tcp://", "stratum+tls://", "xmrig", "xmr-stak",
      "cpuminer", "minerd", "ethminer", "nbminer", "phoenixminer", "lolminer", "gminer",
      "nanominer", "teamredminer", "srbminer", "t-rex", "ccminer", "cgminer", "bfgminer",
      "kawpowminer", "nanopool.org", "minexmr.com", "2miners.com", "f2pool.com", "ethermine.org",
      "moneroocean.stream", "supportxmr.com", "hashvault.pro", "nicehash.com", "herominers.com",
      "unmineable.com", "c3pool.com", "miningpoolhub.com", "hiveon.net"};
  if (text.size() < 5) return "";  // shorter than the shortest name
  // The first occurrence of each name (ASCII case ignored), in one pass over the text: at each
  // position only the names starting with that letter are compared. Then the names in the
  // order above, as one find() per name would.
  constexpr std::size_t n = std::size(words);
  static_assert(n <= 64);
  static const auto by_first = [] {
    std::array<std::uint64_t, 256> m{};
    for (std::size_t k = 0; k < n; ++k) m[static_cast<unsigned char>(words[k][0])] |= std::uint64_t{1} << k;
    return m;
  }();
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  std::array<std::size_t, n> first;
  first.fill(std::string_view::npos);
  std::uint64_t missing = n == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1;
  for (std::size_t p = 0; p < text.size() && missing; ++p) {
    for (std::uint64_t cand = by_first[static_cast<unsigned char>(lower(text[p]))] & missing; cand; cand &= cand - 1) {
      const auto k = static_cast<std::size_t>(__builtin_ctzll(cand));
      const std::string_view ws = words[k];
      if (ws.size() > text.size() - p) continue;
      std::size_t j = 1;
      while (j < ws.size() && lower(text[p + j]) == ws[j]) ++j;
      if (j < ws.size()) continue;
      first[k] = p;
      missing &= ~(std::uint64_t{1} << k);
    }
  }
  for (std::size_t k = 0; k < n; ++k) {
    const std::string_view ws = words[k];
    const std::size_t p = first[k];
    if (p == std::string_view::npos) continue;
    // whole names only for the short ones (t-rex inside "t-rexx-dataset" is not a miner)
    bool url = ws.find("://") != std::string_view::npos || ws.find('.') != std::string_view::npos;
    if (!url) {
      auto boundary = [&](std::size_t i) {
        return i >= text.size() || !(std::isalnum(static_cast<unsigned char>(text[i])));
      };
      bool left = p == 0 || !std::isalnum(static_cast<unsigned char>(text[p - 1]));
      if (!left || !boundary(p + ws.size())) {
        if (ws != "xmrig") continue;  // xmrig is never part of an honest word
      }
    }
    return "`" + shorten(text, 80) + "` (" + std::string(ws) + ")";
  }
  return "";
}

}  // namespace rwkvq::rules::vet
