// The vetting model (see vetting.h): shell lines with their structure and Python calls with their
// arguments, collected while load_request runs a notebook. Only the evaluator's own tokenizer and
// the shell tokeniser are used; nothing is executed.
#include "rwkvq/request/vetting.h"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <string_view>

#include "rwkvq/request/code_lines.h"
#include "rwkvq/request/vpath.h"
#include "rwkvq/util/strings.h"

namespace rwkvq {

const PyArg* PyCall::arg(std::size_t pos, std::string_view keyword) const {
  if (!keyword.empty()) {
    for (const PyArg& a : args)
      if (a.keyword == keyword) return &a;
  }
  std::size_t k = 0;
  for (const PyArg& a : args) {
    if (!a.keyword.empty() || (!a.tokens.empty() && a.tokens[0].t == PyToken::Op &&
                               (a.tokens[0].s == "*" || a.tokens[0].s == "**")))
      continue;
    if (k++ == pos) return &a;
  }
  return nullptr;
}

namespace {

constexpr int kMaxNesting = 6;           // exec("…exec('…')…"), bash -c "bash -c …"
constexpr std::size_t kMaxLines = 200000;  // shell + Python lines of one notebook

bool is_op(const PyToken& t, std::string_view s) { return t.t == PyToken::Op && t.s == s; }
bool is_name(const PyToken& t) { return t.t == PyToken::Name; }

// Index of the bracket closing the one at `open`, or t.size() - 1 (the End token).
std::size_t close_of(const std::vector<PyToken>& t, std::size_t open) {
  int depth = 0;
  for (std::size_t k = open; k < t.size(); ++k) {
    if (t[k].t != PyToken::Op) continue;
    const std::string& s = t[k].s;
    if (s == "(" || s == "[" || s == "{") ++depth;
    if (s == ")" || s == "]" || s == "}") {
      if (--depth == 0) return k;
    }
  }
  return t.size() - 1;
}

// Top-level comma-separated ranges of (b, e).
std::vector<std::pair<std::size_t, std::size_t>> split_commas(const std::vector<PyToken>& t,
                                                              std::size_t b, std::size_t e) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  int depth = 0;
  std::size_t start = b;
  for (std::size_t k = b; k < e; ++k) {
    if (t[k].t != PyToken::Op) continue;
    const std::string& s = t[k].s;
    if (s == "(" || s == "[" || s == "{") ++depth;
    if (s == ")" || s == "]" || s == "}") --depth;
    if (s == "," && depth == 0) {
      if (k > start) out.emplace_back(start, k);
      start = k + 1;
    }
  }
  if (e > start) out.emplace_back(start, e);
  return out;
}

// Name(.Name)* from i; i ends after it.
std::string dotted(const std::vector<PyToken>& t, std::size_t& i) {
  std::string d = t[i].s;
  ++i;
  while (i + 1 < t.size() && is_op(t[i], ".") && is_name(t[i + 1])) {
    d += "." + t[i + 1].s;
    i += 2;
  }
  return d;
}

std::string tokens_text(const std::vector<PyToken>& t, std::size_t b, std::size_t e) {
  std::string out;
  for (std::size_t k = b; k < e && k < t.size(); ++k) {
    const PyToken& x = t[k];
    if (x.t == PyToken::End) break;
    if (x.t == PyToken::Str) {
      out += (x.fstr ? "f'" : "'") + x.s + "'";
    } else {
      bool tight = x.t == PyToken::Op && (x.s == "." || x.s == "(" || x.s == ")" || x.s == "[" ||
                                          x.s == "]" || x.s == ",");
      bool after_tight = !out.empty() && (out.back() == '.' || out.back() == '(' || out.back() == '[');
      if (!out.empty() && !tight && !after_tight) out += ' ';
      out += x.s;
      if (x.s == ",") out += ' ';
    }
  }
  return out;
}

int b64(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

std::optional<std::string> base64_decode(std::string_view s) {
  std::string out;
  int val = 0, bits = -8;
  for (char c : s) {
    if (c == '=' || c == '\n' || c == '\r' || c == ' ') continue;
    int d = b64(c);
    if (d < 0) return std::nullopt;
    val = (val << 6) + d;
    bits += 6;
    if (bits >= 0) {
      out += static_cast<char>((val >> bits) & 0xFF);
      bits -= 8;
    }
    val &= 0xFFFFFF;
  }
  return out;
}

std::optional<std::string> hex_decode(std::string_view s) {
  std::string h;
  for (char c : s)
    if (!std::isspace(static_cast<unsigned char>(c))) h += c;
  if (h.size() % 2) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < h.size(); i += 2) {
    auto nib = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      return -1;
    };
    int a = nib(h[i]), b = nib(h[i + 1]);
    if (a < 0 || b < 0) return std::nullopt;
    out += static_cast<char>(a * 16 + b);
  }
  return out;
}

std::string rot13(std::string s) {
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>('a' + (c - 'a' + 13) % 26);
    else if (c >= 'A' && c <= 'Z') c = static_cast<char>('A' + (c - 'A' + 13) % 26);
  }
  return s;
}

bool is_decoder(std::string_view f) {
  static const std::set<std::string, std::less<>> d = {
      "base64.b64decode", "base64.standard_b64decode", "base64.urlsafe_b64decode",
      "base64.b32decode", "base64.b16decode", "base64.a85decode", "base64.b85decode",
      "base64.decodebytes", "base64.decodestring", "bytes.fromhex", "bytearray.fromhex",
      "binascii.unhexlify", "binascii.a2b_hex", "binascii.a2b_base64", "codecs.decode",
      "zlib.decompress", "gzip.decompress", "bz2.decompress", "lzma.decompress", "marshal.loads"};
  return d.count(f) > 0;
}

bool is_fetcher(std::string_view f) {
  static const std::set<std::string, std::less<>> d = {
      "requests.get", "requests.post", "requests.request", "requests.Session",
      "httpx.get", "httpx.post", "httpx.request", "urllib.request.urlopen", "urllib.urlopen",
      "urllib2.urlopen", "urllib3.PoolManager", "http.client.HTTPConnection",
      "http.client.HTTPSConnection", "socket.socket", "socket.create_connection",
      "subprocess.check_output", "subprocess.getoutput", "os.popen", "pycurl.Curl",
      "aiohttp.ClientSession"};
  return d.count(f) > 0;
}

std::string where_text(const Location& loc) {
  if (loc.cell > 0) {
    std::string s = "cell " + std::to_string(loc.cell);
    if (loc.cell_line > 0) s += ", line " + std::to_string(loc.cell_line);
    return s;
  }
  if (loc.line > 0) return "line " + std::to_string(loc.line);
  return "the notebook";
}

}  // namespace

namespace {

bool one_of(std::string_view s, std::initializer_list<std::string_view> set) {
  for (std::string_view x : set)
    if (s == x) return true;
  return false;
}

}  // namespace

std::size_t command_start(const std::vector<ShellWord>& w) {
  std::size_t i = 0;
  std::size_t last_prefix = w.size();
  while (i < w.size()) {
    std::string_view text = w[i].text;
    std::string_view n = text.substr(text.rfind('/') + 1);  // the basename (all of it without '/')
    // shell keywords before a command: `if curl … | sh; then`, `do python x &`
    if (!w[i].unknown && one_of(text, {"do", "then", "else", "elif", "if", "while", "until", "{", "!"})) {
      ++i;
      continue;
    }
    if (one_of(n, {"sudo", "doas", "nohup", "setsid", "nice", "ionice", "time", "command", "builtin",
                   "exec", "stdbuf", "xargs", "busybox", "env", "timeout", "chronic", "unbuffer",
                   "torsocks", "proxychains"})) {
      last_prefix = i;
      ++i;
      bool takes_value = n == "timeout";
      while (i < w.size() && (starts_with(w[i].text, "-") ||
                              (n == "env" && w[i].text.find('=') != std::string::npos) ||
                              takes_value)) {
        if (!starts_with(w[i].text, "-")) takes_value = false;
        if ((n == "sudo" && (w[i].text == "-u" || w[i].text == "-g")) ||
            (n == "nice" && w[i].text == "-n") || (n == "xargs" && (w[i].text == "-I" || w[i].text == "-n")))
          ++i;
        ++i;
      }
      continue;
    }
    break;
  }
  // `env`, `nohup` alone: the prefix is the command itself
  if (i >= w.size() && last_prefix < w.size()) return last_prefix;
  return i;
}

namespace {

std::size_t skip_prefixes(const std::vector<ShellWord>& w) { return command_start(w); }

// The inner command of $(…), `…`, <(…), >(…) parts of a word.
std::vector<std::string> substitutions(std::string_view w) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < w.size(); ++i) {
    bool dollar = w[i] == '$' && i + 1 < w.size() && w[i + 1] == '(';
    bool proc = (w[i] == '<' || w[i] == '>') && i + 1 < w.size() && w[i + 1] == '(';
    if (dollar || proc) {
      int depth = 0;
      std::size_t j = i + 1;
      for (; j < w.size(); ++j) {
        if (w[j] == '(') ++depth;
        if (w[j] == ')' && --depth == 0) break;
      }
      std::size_t b = i + 2;
      if (b < w.size() && w[b] == '(') ++b;  // $(( arithmetic )): harmless, kept anyway
      out.emplace_back(w.substr(b, std::min(j, w.size()) - b));
      i = j;
    } else if (w[i] == '`') {
      std::size_t j = w.find('`', i + 1);
      if (j == std::string_view::npos) j = w.size();
      out.emplace_back(w.substr(i + 1, j - i - 1));
      i = j;
    }
  }
  return out;
}

using ShellVars = std::map<std::string, std::string>;

// Records the assignments of a command that only assigns (`C=curl`, `export U=…`): values that
// hold no expansion of their own are known; others forget the name.
void record_vars(const SimpleCommand& c, ShellVars& vars) {
  if (c.assignments.empty()) return;  // most commands: nothing to record, no word compared
  bool assigns_only = c.words.empty() ||
                      (!c.words[0].unknown && (c.words[0].text == "export" || c.words[0].text == "local" ||
                                               c.words[0].text == "readonly" || c.words[0].text == "declare"));
  if (!assigns_only) return;
  for (const std::string& a : c.assignments) {
    std::size_t eq = a.find('=');
    if (eq == std::string::npos) continue;
    std::string name = a.substr(0, eq), value = a.substr(eq + 1);
    if (value.find_first_of("$`\x01") == std::string::npos) vars[name] = value;
    else vars.erase(name);
  }
}

// $NAME / ${NAME} of known shell variables substituted in a word made unknown only by them.
void expand_word(ShellWord& w, const ShellVars& vars) {
  if (!w.unknown || !starts_with(w.why, "uses the shell variable")) return;
  std::string out;
  const std::string& t = w.text;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t[i] != '$') {
      out += t[i];
      continue;
    }
    std::size_t b = i + 1;
    bool brace = b < t.size() && t[b] == '{';
    if (brace) ++b;
    std::size_t e = b;
    while (e < t.size() && (std::isalnum(static_cast<unsigned char>(t[e])) || t[e] == '_')) ++e;
    if (e == b || (brace && (e >= t.size() || t[e] != '}'))) return;  // $1, ${x:-y} …: left unknown
    auto it = vars.find(t.substr(b, e - b));
    if (it == vars.end()) return;
    out += it->second;
    i = brace ? e : e - 1;
  }
  w.text = out;
  w.unknown = false;
  w.why.clear();
}

void expand_shell_vars(std::vector<SimpleCommand>& cmds, ShellVars& vars) {
  for (SimpleCommand& c : cmds) {
    for (ShellWord& w : c.words) expand_word(w, vars);
    record_vars(c, vars);
  }
}

}  // namespace

bool python_decoder(std::string_view func) { return is_decoder(func); }
bool python_fetcher(std::string_view func) { return is_fetcher(func); }

// ---------------------------------------------------------------- shell

void VetBuilder::shell_line(std::string_view text, const Location& loc, ShellOrigin origin,
                            std::string via, std::string cwd, bool conditional, bool reached,
                            int shell, int parent) {
  if (out_.shell.size() + out_.python.size() >= kMaxLines) {
    if (out_.unfollowed.size() < 100) out_.unfollowed.emplace_back(loc, "too many lines to vet");
    return;
  }
  shell_line(text, tokenize_shell(text), loc, origin, std::move(via), std::move(cwd), conditional, reached, shell,
             parent);
}

void VetBuilder::shell_line(std::string_view text, std::vector<SimpleCommand> cmds, const Location& loc,
                            ShellOrigin origin, std::string via, std::string cwd, bool conditional,
                            bool reached, int shell, int parent) {
  if (out_.shell.size() + out_.python.size() >= kMaxLines) {
    if (out_.unfollowed.size() < 100) out_.unfollowed.emplace_back(loc, "too many lines to vet");
    return;
  }
  ShellLine l;
  l.cmds = std::move(cmds);
  {
    // shell variables assigned earlier in the same shell (a %%bash cell; at most 1000 lines back)
    ShellVars vars;
    std::vector<std::size_t> earlier;
    for (std::size_t k = out_.shell.size(); k-- > 0 && earlier.size() < 1000;) {
      const ShellLine& p = out_.shell[k];
      if (p.origin == ShellOrigin::Nested) continue;
      if (p.shell != shell) break;
      earlier.push_back(k);
    }
    for (auto it = earlier.rbegin(); it != earlier.rend(); ++it)
      for (const SimpleCommand& c : out_.shell[*it].cmds) record_vars(c, vars);
    expand_shell_vars(l.cmds, vars);
  }
  // IPython's unknown-part markers are dropped for messages, keeping only the original text of
  // a marked part: '\x01' why '\x02' text '\x03'
  {
    l.text.reserve(text.size());
    bool in_why = false;
    for (char c : text) {
      if (c == '\x01') in_why = true;
      else if (c == '\x02') in_why = false;
      else if (c != '\x03' && !in_why) l.text += c;
    }
  }
  l.loc = loc;
  l.origin = origin;
  l.via = std::move(via);
  l.conditional = conditional;
  l.reached = reached;
  l.cwd = std::move(cwd);
  l.shell = shell;
  l.parent = parent;
  out_.shell.push_back(std::move(l));
  std::size_t idx = out_.shell.size() - 1;
  record_downloads(out_.shell[idx]);
  nested_shell(idx);
}

void VetBuilder::nested_shell(std::size_t index) {
  if (depth_ >= kMaxNesting) {
    if (out_.unfollowed.size() < 100)
      out_.unfollowed.emplace_back(out_.shell[index].loc, "commands nested more than " +
                                                               std::to_string(kMaxNesting) + " levels deep");
    return;
  }
  ++depth_;
  // copy what is needed: shell_line() below grows out_.shell
  const std::vector<SimpleCommand> cmds = out_.shell[index].cmds;
  const ShellLine& l0 = out_.shell[index];
  const Location loc = l0.loc;
  const bool cond = l0.conditional, reached = l0.reached;
  const std::string cwd = l0.cwd;
  const int sh = l0.shell;
  for (const SimpleCommand& c : cmds) {
    auto each_word = [&](const std::string& w) {
      for (const std::string& inner : substitutions(w)) {
        std::string kind = w.find("<(") != std::string::npos || w.find(">(") != std::string::npos
                               ? "<(…)" : "$(…)";
        shell_line(inner, loc, ShellOrigin::Nested, kind, cwd, cond, reached, sh, static_cast<int>(index));
      }
    };
    for (const ShellWord& w : c.words)
      if (w.unknown) each_word(w.text);
    for (const std::string& a : c.assignments) each_word(a);
    for (const auto& r : c.redirects) each_word(r.second);
    std::size_t i = skip_prefixes(c.words);
    if (i >= c.words.size()) continue;
    std::string name = path_basename(c.words[i].text);
    static const std::set<std::string> shells = {"sh", "bash", "zsh", "dash", "ksh", "fish", "su", "ash"};
    if (shells.count(name)) {
      for (std::size_t k = i + 1; k + 1 < c.words.size(); ++k) {
        const std::string& f = c.words[k].text;
        if (f == "-c" || (starts_with(f, "-") && !starts_with(f, "--") && f.find('c') != std::string::npos)) {
          shell_line(c.words[k + 1].text, loc, ShellOrigin::Nested, name + " -c", cwd, cond, reached,
                     sh, static_cast<int>(index));
          break;
        }
      }
    } else if (name == "eval") {
      std::string joined;
      for (std::size_t k = i + 1; k < c.words.size(); ++k) joined += (k > i + 1 ? " " : "") + c.words[k].text;
      shell_line(joined, loc, ShellOrigin::Nested, "eval", cwd, cond, reached, sh, static_cast<int>(index));
    } else if (starts_with(name, "python")) {
      for (std::size_t k = i + 1; k + 1 < c.words.size(); ++k) {
        if (c.words[k].text == "-c") {
          static const PyEnv empty;
          python_text(c.words[k + 1].text, loc, empty, cond, reached, -1, name + " -c");
          break;
        }
      }
    }
  }
  --depth_;
}

void VetBuilder::record_downloads(const ShellLine& line) {
  std::string cwd = line.cwd;
  auto resolve_path = [&](const std::string& p) -> std::string {
    if (p.empty() || p[0] == '~' || p[0] == '$') return "";
    if (p[0] == '/') return path_normalize(p);
    if (cwd.empty()) return "";
    return path_join(cwd, p);
  };
  for (const SimpleCommand& c : line.cmds) {
    std::size_t i = skip_prefixes(c.words);
    if (i >= c.words.size()) continue;
    std::string name = path_basename(c.words[i].text);
    const auto& w = c.words;
    if (name == "cd") {
      cwd = i + 1 < w.size() && !w[i + 1].unknown ? resolve_path(w[i + 1].text) : "";
      continue;
    }
    std::string url, out_file, out_dir;
    bool to_stdout = false, folder = false;
    if (name == "wget" || name == "curl") {
      bool curl_O = false;
      for (std::size_t k = i + 1; k < w.size(); ++k) {
        const std::string& a = w[k].text;
        if (a.find("://") != std::string::npos && url.empty() && !starts_with(a, "-")) url = a;
        auto value = [&](std::string_view flag) -> std::optional<std::string> {
          if (a == flag && k + 1 < w.size()) return w[++k].text;
          if (starts_with(a, std::string(flag) + "=")) return a.substr(flag.size() + 1);
          return std::nullopt;
        };
        if (name == "wget") {
          if (auto v = value("-O")) out_file = *v;
          else if (auto v2 = value("--output-document")) out_file = *v2;
          else if (auto v3 = value("-P")) out_dir = *v3;
          else if (auto v4 = value("--directory-prefix")) out_dir = *v4;
          else if (starts_with(a, "-") && !starts_with(a, "--") && a.find('O') != std::string::npos) {
            std::size_t o = a.find('O');
            if (o + 1 < a.size()) out_file = a.substr(o + 1);
            else if (k + 1 < w.size()) out_file = w[++k].text;
          }
        } else {
          if (auto v = value("-o")) out_file = *v;
          else if (auto v2 = value("--output")) out_file = *v2;
          else if (a == "-O" || a == "--remote-name") curl_O = true;
        }
      }
      if (out_file == "-") to_stdout = true;
      if (name == "curl" && out_file.empty() && !curl_O) to_stdout = true;
      if (to_stdout) {
        out_file.clear();
        for (const auto& r : c.redirects)
          if (r.first == ">" || r.first == ">>" || r.first == "1>") out_file = r.second;
        if (out_file.empty()) continue;
      }
    } else if (name == "git" && i + 1 < w.size() && w[i + 1].text == "clone") {
      std::vector<std::string> pos;
      for (std::size_t k = i + 2; k < w.size(); ++k) {
        if (starts_with(w[k].text, "-")) {
          if (w[k].text == "-b" || w[k].text == "--branch" || w[k].text == "--depth") ++k;
          continue;
        }
        pos.push_back(w[k].text);
      }
      if (pos.empty()) continue;
      url = pos[0];
      folder = true;
      if (pos.size() > 1) {
        out_file = pos[1];
      } else {
        std::string b = path_basename(url);
        if (ends_with(b, ".git")) b = b.substr(0, b.size() - 4);
        out_file = b;
      }
    } else {
      continue;
    }
    if (url.empty()) continue;
    if (out_file.empty()) {
      std::string b = url.substr(0, url.find_first_of("?#"));
      b = path_basename(b);
      out_file = out_dir.empty() ? b : out_dir + "/" + b;
    }
    Downloaded d;
    d.url = url;
    d.name = path_basename(out_file);
    d.path = resolve_path(out_file);
    d.folder = folder;
    d.loc = line.loc;
    out_.downloads.push_back(std::move(d));
  }
}

// ---------------------------------------------------------------- Python

std::string VetBuilder::resolve(const std::string& d) const {
  std::size_t dot = d.find('.');
  std::string first = d.substr(0, dot);
  std::string rest = dot == std::string::npos ? "" : d.substr(dot);
  auto it = aliases_.find(first);
  if (it != aliases_.end()) return it->second + rest;
  if (dot == std::string::npos && !star_modules_.empty()) {
    static const std::map<std::string, std::set<std::string>> known = {
        {"os", {"system", "popen", "environ", "getenv", "execv", "execvp", "execl", "spawnv", "remove"}},
        {"subprocess", {"run", "call", "check_call", "check_output", "Popen", "getoutput", "getstatusoutput"}},
        {"base64", {"b64decode", "b32decode", "b16decode", "a85decode", "urlsafe_b64decode"}},
        {"urllib.request", {"urlopen", "urlretrieve", "Request"}},
        {"requests", {"get", "post", "put", "patch", "request"}},
        {"socket", {"socket", "create_connection"}},
        {"shutil", {"rmtree"}}};
    for (const std::string& m : star_modules_) {
      auto k = known.find(m);
      if (k != known.end() && k->second.count(first)) return m + "." + first;
    }
  }
  return d;
}

void VetBuilder::imports(const std::vector<PyToken>& t) {
  if (t.empty() || !is_name(t[0])) return;
  if (t[0].s == "import") {
    std::size_t i = 1;
    while (i < t.size() && is_name(t[i])) {
      std::string d = dotted(t, i);
      std::string bound = d.substr(0, d.find('.'));
      std::string target = bound;
      if (i + 1 < t.size() && is_name(t[i]) && t[i].s == "as" && is_name(t[i + 1])) {
        bound = t[i + 1].s;
        target = d;
        i += 2;
      }
      aliases_[bound] = target;
      built_.erase(bound);
      if (i < t.size() && is_op(t[i], ",")) ++i;
      else break;
    }
  } else if (t[0].s == "from" && t.size() > 3) {
    std::size_t i = 1;
    while (i < t.size() && is_op(t[i], ".")) ++i;  // relative import
    if (i >= t.size() || !is_name(t[i])) return;
    std::string m = dotted(t, i);
    if (i >= t.size() || !is_name(t[i]) || t[i].s != "import") return;
    ++i;
    if (i < t.size() && is_op(t[i], "(")) ++i;
    if (i < t.size() && is_op(t[i], "*")) {
      star_modules_.push_back(m);
      return;
    }
    while (i < t.size() && is_name(t[i])) {
      std::string name = t[i].s;
      std::string bound = name;
      ++i;
      if (i + 1 < t.size() && is_name(t[i]) && t[i].s == "as" && is_name(t[i + 1])) {
        bound = t[i + 1].s;
        i += 2;
      }
      aliases_[bound] = m + "." + name;
      built_.erase(bound);
      if (i < t.size() && is_op(t[i], ",")) ++i;
      else break;
    }
  }
}

Value VetBuilder::value_of(const std::vector<PyToken>& t, std::size_t b, std::size_t e,
                           const PyEnv& env, std::string& decoded_by) {
  if (b >= e) return Value::unknown("empty");
  std::vector<PyToken> part(t.begin() + static_cast<long>(b), t.begin() + static_cast<long>(e));
  Value v;
  if (decoded_.empty()) {
    v = eval_python_tokens(part, env);
  } else {
    PyEnv e2 = env;
    for (const auto& [n, val] : decoded_) e2.vars[n] = val;
    v = eval_python_tokens(part, e2);
  }
  if (v.known()) {
    if (e - b == 1 && is_name(t[b]) && decoded_.count(t[b].s)) decoded_by = "a value decoded earlier";
    return v;
  }
  // chr(99) + chr(117) + …
  {
    std::string s;
    std::size_t k = b;
    bool ok = true;
    int n = 0;
    while (k < e) {
      if (k + 3 < e + 1 && is_name(t[k]) && resolve(t[k].s) == "chr" && k + 3 < t.size() &&
          is_op(t[k + 1], "(") && t[k + 2].t == PyToken::Num && is_op(t[k + 3], ")")) {
        long long c = 0;
        try {
          c = std::stoll(t[k + 2].s, nullptr, 0);
        } catch (...) {
          ok = false;
          break;
        }
        s += static_cast<char>(c & 0xFF);
        ++n;
        k += 4;
        if (k < e && is_op(t[k], "+")) ++k;
        continue;
      }
      ok = false;
      break;
    }
    if (ok && n > 0) {
      decoded_by = "chr()";
      return Value::string(s);
    }
  }
  // decoder(X)[.decode(…)] and X.decode(…) / str(X, …)
  std::size_t k = b;
  if (is_name(t[k])) {
    std::size_t j = k;
    std::string f = resolve(dotted(t, j));
    if (j < e && is_op(t[j], "(")) {
      std::size_t c = close_of(t, j);
      auto args = split_commas(t, j + 1, c);
      bool tail_ok = c + 1 == e;
      if (!tail_ok && c + 3 < t.size() && is_op(t[c + 1], ".") && is_name(t[c + 2]) &&
          t[c + 2].s == "decode" && is_op(t[c + 3], "(") && close_of(t, c + 3) + 1 == e)
        tail_ok = true;
      if (tail_ok && !args.empty() && is_decoder(f)) {
        std::string inner_by;
        Value in = value_of(t, args[0].first, args[0].second, env, inner_by);
        if (in.kind == Value::Kind::String) {
          std::optional<std::string> out;
          std::string codec;
          if (args.size() > 1) {
            std::string ignored;
            Value cv = value_of(t, args[1].first, args[1].second, env, ignored);
            codec = to_lower(cv.to_str());
          }
          if (f.find("b64") != std::string::npos || f.find("base64") != std::string::npos ||
              f == "base64.decodebytes" || f == "base64.decodestring" || codec == "base64")
            out = base64_decode(in.str);
          else if (f.find("hex") != std::string::npos || f == "base64.b16decode" || codec == "hex")
            out = hex_decode(in.str);
          else if (f == "codecs.decode" && (codec == "rot13" || codec == "rot_13"))
            out = rot13(in.str);
          if (out) {
            decoded_by = f;
            return Value::string(*out);
          }
        }
      }
      // str(X, "utf-8") / bytes(X).decode()
      if (tail_ok && (f == "str" || f == "bytes") && !args.empty()) {
        std::string by;
        Value in = value_of(t, args[0].first, args[0].second, env, by);
        if (!by.empty() && in.known()) {
          decoded_by = by;
          return in;
        }
      }
    }
  }
  // X.decode(…) of a decoded name
  if (e - b >= 4 && is_name(t[b]) && decoded_.count(t[b].s) && is_op(t[b + 1], ".") &&
      t[b + 2].s == "decode") {
    decoded_by = "a value decoded earlier";
    return decoded_.at(t[b].s);
  }
  return v;
}

std::string VetBuilder::taint_of(const std::vector<PyToken>& t, std::size_t b, std::size_t e,
                                 const Location& loc) const {
  for (std::size_t k = b; k < e && k < t.size(); ++k) {
    if (!is_name(t[k]) || (k > 0 && is_op(t[k - 1], "."))) continue;
    auto it = taint_.find(t[k].s);
    if (it != taint_.end()) return it->second;
    std::size_t j = k;
    std::string f = resolve(dotted(t, j));
    if (j < t.size() && is_op(t[j], "(")) {
      if (is_fetcher(f)) return "the text downloaded by " + f + " in " + where_text(loc);
      if (is_decoder(f)) return "text decoded by " + f + " in " + where_text(loc);
      if (f == "open" || f == "io.open" || f == "codecs.open") {
        std::size_t c = close_of(t, j);
        auto args = split_commas(t, j + 1, c);
        if (!args.empty() && args[0].second == args[0].first + 1 && t[args[0].first].t == PyToken::Str) {
          std::string name = path_basename(t[args[0].first].s);
          for (const Downloaded& d : out_.downloads)
            if (!d.folder && d.name == name)
              return "the file " + name + " downloaded from " + d.url + " in " + where_text(d.loc);
        }
      }
    }
  }
  return "";
}

PyArg VetBuilder::make_arg(const std::vector<PyToken>& t, std::size_t b, std::size_t e,
                           const PyEnv& env, const Location& loc) {
  PyArg a;
  if (e > b + 1 && is_name(t[b]) && is_op(t[b + 1], "=")) {
    a.keyword = t[b].s;
    b += 2;
  }
  a.tokens.assign(t.begin() + static_cast<long>(b), t.begin() + static_cast<long>(e));
  a.value = value_of(t, b, e, env, a.decoded_by);
  a.taint = taint_of(t, b, e, loc);
  if (e > b + 1 && (is_op(t[b], "[") || is_op(t[b], "(")) && close_of(t, b) == e - 1) {
    a.is_list = true;
    for (auto [ib, ie] : split_commas(t, b + 1, e - 1)) {
      std::string by;
      a.items.push_back(value_of(t, ib, ie, env, by));
    }
  } else if (!a.value.known() && e - b == 1 && is_name(t[b])) {
    // a list assigned earlier is not a Value: unknown stays unknown
  }
  return a;
}

void VetBuilder::calls(PyLine& line, const PyEnv& env) {
  const std::vector<PyToken>& t = line.tokens;
  std::map<std::size_t, std::size_t> call_at_close;  // ')' index -> call index
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (!is_name(t[i])) continue;
    bool method = i > 0 && is_op(t[i - 1], ".");
    // a name inside a dotted chain (the `run` of subprocess.run) was read with its chain; a
    // method call is one on a call's result, a subscript or a literal: f(x).m(), "".join()
    if (method && !(i >= 2 && (is_op(t[i - 2], ")") || is_op(t[i - 2], "]") || t[i - 2].t == PyToken::Str)))
      continue;
    std::size_t j = i;
    std::string written = dotted(t, j);
    if (j >= t.size() || !is_op(t[j], "(")) {
      continue;
    }
    PyCall c;
    c.token = i;
    c.written = written;
    if (method) {
      c.func = "." + written;
      std::size_t before = i - 1;  // the '.'
      if (before > 0 && is_op(t[before - 1], ")")) {
        auto it = call_at_close.find(before - 1);
        if (it != call_at_close.end()) {
          const PyCall& prev = line.calls[it->second];
          if ((prev.func == "__import__" || prev.func == "importlib.import_module") && !prev.args.empty() &&
              prev.args[0].value.kind == Value::Kind::String) {
            c.func = prev.args[0].value.str + "." + written;
            c.built = prev.func + "('" + prev.args[0].value.str + "')";
          } else {
            c.receiver = prev.func;
          }
        }
      }
    } else {
      c.func = resolve(written);
      std::string first = written.substr(0, written.find('.'));
      auto b = built_.find(first);
      if (b != built_.end()) c.built = b->second;
    }
    std::size_t close = close_of(t, j);
    for (auto [ab, ae] : split_commas(t, j + 1, close)) c.args.push_back(make_arg(t, ab, ae, env, line.loc));
    if (c.func == "getattr" && !c.args.empty() && !c.args[0].tokens.empty() && is_name(c.args[0].tokens[0])) {
      std::size_t q = 0;
      std::string m = resolve(dotted(c.args[0].tokens, q));
      static const std::set<std::string> well_known = {
          "os", "subprocess", "sys", "builtins", "__builtins__", "socket", "shutil", "requests",
          "importlib", "base64", "urllib", "urllib.request", "pty", "ctypes", "http.client"};
      bool imported = false;
      for (const auto& [k, v] : aliases_)
        if (v == m) imported = true;
      if (q == c.args[0].tokens.size() && (imported || well_known.count(m))) c.module = m;
    }
    line.calls.push_back(std::move(c));
    std::size_t idx = line.calls.size() - 1;
    call_at_close[close] = idx;
    // getattr(mod, "name")(…): the attribute called right away
    const PyCall& g = line.calls[idx];
    if (g.func == "getattr" && g.args.size() >= 2 && close + 1 < t.size() && is_op(t[close + 1], "(")) {
      PyCall d;
      d.token = close + 1;
      const PyArg& obj = g.args[0];
      std::string base;
      if (!obj.tokens.empty() && is_name(obj.tokens[0])) {
        std::size_t q = 0;
        base = resolve(dotted(obj.tokens, q));
        if (q != obj.tokens.size()) base.clear();
      }
      std::string attr = g.args[1].value.kind == Value::Kind::String ? g.args[1].value.str : "?";
      d.func = (base.empty() ? "?" : base) + "." + attr;
      d.written = "getattr(" + tokens_text(obj.tokens, 0, obj.tokens.size()) + ", " +
                  tokens_text(g.args[1].tokens, 0, g.args[1].tokens.size()) + ")";
      d.built = d.written;
      std::size_t c2 = close_of(t, close + 1);
      for (auto [ab, ae] : split_commas(t, close + 2, c2)) d.args.push_back(make_arg(t, ab, ae, env, line.loc));
      line.calls.push_back(std::move(d));
      call_at_close[c2] = line.calls.size() - 1;
    }
  }
}

void VetBuilder::assignment(const PyLine& line, const PyEnv& env) {
  const std::vector<PyToken>& t = line.tokens;
  // NAME = rhs (one plain target; `with X as NAME:` handled too)
  std::size_t eq = 0;
  std::string name;
  std::size_t rb = 0, re = 0;
  if (t.size() > 3 && is_name(t[0]) && is_op(t[1], "=")) {
    name = t[0].s;
    eq = 1;
    rb = eq + 1;
    re = t.size() - 1;
  } else if (t.size() > 3 && is_name(t[0]) && t[0].s == "with") {
    for (std::size_t k = 1; k + 1 < t.size(); ++k) {
      if (is_name(t[k]) && t[k].s == "as" && is_name(t[k + 1])) {
        name = t[k + 1].s;
        rb = 1;
        re = k;
        break;
      }
    }
  } else if (t.size() > 3 && is_name(t[0]) && t[0].s == "for") {
    for (std::size_t k = 1; k + 1 < t.size(); ++k) {
      if (is_name(t[k]) && t[k].s == "in") {
        if (is_name(t[1])) name = t[1].s;
        rb = k + 1;
        re = t.size() - 1;
        break;
      }
    }
  }
  if (name.empty() || rb >= re) return;
  std::string tn = taint_of(t, rb, re, line.loc);
  if (!tn.empty()) taint_[name] = tn;
  else taint_.erase(name);
  if (t[0].s == "with" || t[0].s == "for") return;
  // aliases: f = os.system / m = __import__("os") / f = getattr(os, "system")
  std::size_t j = rb;
  if (is_name(t[j])) {
    std::string d = resolve(dotted(t, j));
    if (j == re && (d.find('.') != std::string::npos || aliases_.count(t[rb].s))) {
      aliases_[name] = d;
      built_.erase(name);
      return;
    }
    if (j < re && is_op(t[j], "(") ) {
      std::size_t c = close_of(t, j);
      auto args = split_commas(t, j + 1, c);
      std::string by;
      if ((d == "__import__" || d == "importlib.import_module") && !args.empty()) {
        Value m = value_of(t, args[0].first, args[0].second, env, by);
        if (m.kind == Value::Kind::String) {
          std::string tail;
          if (c + 2 < t.size() && is_op(t[c + 1], ".") && is_name(t[c + 2]) && c + 3 == re) tail = "." + t[c + 2].s;
          if (c + 1 == re || !tail.empty()) {
            aliases_[name] = m.str + tail;
            // a module named by a plain literal is an ordinary import
            bool literal = args[0].second == args[0].first + 1 && t[args[0].first].t == PyToken::Str;
            if (!literal || d == "__import__") built_[name] = d + "('" + m.str + "')" + tail;
            else built_.erase(name);
            return;
          }
        }
      }
      if (d == "getattr" && args.size() >= 2 && c + 1 == re) {
        std::size_t q = args[0].first;
        if (is_name(t[q])) {
          std::string base = resolve(dotted(t, q));
          Value a = value_of(t, args[1].first, args[1].second, env, by);
          if (q == args[0].second && a.kind == Value::Kind::String) {
            aliases_[name] = base + "." + a.str;
            built_[name] = "getattr(" + tokens_text(t, args[0].first, args[0].second) + ", " +
                           tokens_text(t, args[1].first, args[1].second) + ")";
            return;
          }
        }
      }
    }
  }
  if (aliases_.count(name) && !(eq == 1 && aliases_[name] == name)) {
    aliases_.erase(name);
    built_.erase(name);
  }
  // a value only known once decoded
  std::string by;
  if (!eval_python_tokens(std::vector<PyToken>(t.begin() + static_cast<long>(rb), t.begin() + static_cast<long>(re)), env).known()) {
    Value v = value_of(t, rb, re, env, by);
    if (v.known() && !by.empty()) {
      decoded_[name] = v;
      return;
    }
  }
  decoded_.erase(name);
}

void VetBuilder::env_uses(PyLine& line, const PyEnv& env) {
  const std::vector<PyToken>& t = line.tokens;
  bool has_for = false;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (is_name(t[i]) && t[i].s == "for") has_for = true;
    if (!is_name(t[i]) || (i > 0 && is_op(t[i - 1], "."))) continue;
    std::size_t j = i;
    std::string d = resolve(dotted(t, j));
    if (!starts_with(d, "os.environ") && d != "os.getenv" && d != "os.getenvb" && d != "os.putenv") continue;
    EnvUse u;
    std::size_t end = j;
    if (j < t.size() && is_op(t[j], "(")) end = close_of(t, j) + 1;
    if (j < t.size() && is_op(t[j], "[")) end = close_of(t, j) + 1;
    u.construct = tokens_text(t, i, end);
    std::string by;
    if (d == "os.getenv" || d == "os.getenvb" || ends_with(d, ".get") || ends_with(d, ".pop") ||
        ends_with(d, ".setdefault") || ends_with(d, ".__getitem__") || d == "os.putenv") {
      if (j >= t.size() || !is_op(t[j], "(")) continue;
      auto args = split_commas(t, j + 1, close_of(t, j));
      if (args.empty()) continue;
      u.kind = d == "os.putenv" ? EnvUse::Kind::Write : EnvUse::Kind::Read;
      u.name = value_of(t, args[0].first, args[0].second, env, by);
    } else if (ends_with(d, ".items") || ends_with(d, ".keys") || ends_with(d, ".values") ||
               ends_with(d, ".__repr__") || ends_with(d, ".__str__") || ends_with(d, ".__iter__")) {
      u.kind = EnvUse::Kind::Dump;
    } else if (d == "os.environ" || d == "os.environb") {
      if (j < t.size() && is_op(t[j], "[")) {
        std::size_t c = close_of(t, j);
        bool write = c + 1 < t.size() && t[c + 1].t == PyToken::Op &&
                     (t[c + 1].s == "=" || t[c + 1].s == "+=");
        u.kind = write ? EnvUse::Kind::Write : EnvUse::Kind::Read;
        u.name = value_of(t, j + 1, c, env, by);
      } else {
        // env=os.environ (handing it to a child process), `"X" in os.environ`: not a dump
        if (i >= 2 && is_op(t[i - 1], "=") && is_name(t[i - 2]) && t[i - 2].s == "env") continue;
        if (i >= 1 && is_name(t[i - 1]) && t[i - 1].s == "in" && !has_for) continue;
        if (i >= 1 && is_name(t[i - 1]) && t[i - 1].s == "not") continue;
        if (j < t.size() && is_op(t[j], ".")) continue;  // other methods (copy, update …)
        if (i >= 1 && is_op(t[i - 1], "=") && i == 2) continue;  // e = os.environ: an alias, used later
        u.kind = EnvUse::Kind::Dump;
        // name the call it is handed to: print(os.environ)
        int depth = 0;
        for (std::size_t k = i; k-- > 0;) {
          if (is_op(t[k], ")") || is_op(t[k], "]")) ++depth;
          if (is_op(t[k], "(") || is_op(t[k], "[")) {
            if (depth == 0) {
              if (k > 0 && is_name(t[k - 1])) {
                std::size_t s0 = k - 1;
                while (s0 >= 2 && is_op(t[s0 - 1], ".") && is_name(t[s0 - 2])) s0 -= 2;
                u.construct = tokens_text(t, s0, close_of(t, k) + 1);
              }
              break;
            }
            --depth;
          }
        }
        if (has_for) u.construct = tokens_text(t, 0, t.size());
      }
    } else {
      continue;
    }
    line.env.push_back(std::move(u));
  }
}

void VetBuilder::run_calls(std::size_t li, const PyEnv& env) {
  // copies: python_text()/shell_line() below grow the vectors
  const std::vector<PyCall> cs = out_.python[li].calls;
  const Location loc = out_.python[li].loc;
  const bool cond = out_.python[li].conditional, reached = out_.python[li].reached;
  static const std::set<std::string> shell_string = {
      "os.system", "os.popen", "commands.getoutput", "commands.getstatusoutput",
      "subprocess.getoutput", "subprocess.getstatusoutput", "asyncio.create_subprocess_shell",
      "pty.spawn"};
  static const std::set<std::string> proc = {
      "subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output",
      "subprocess.Popen", "os.execv", "os.execvp", "os.execve", "os.execvpe", "os.execl",
      "os.execlp", "os.spawnv", "os.spawnvp", "os.spawnl", "os.spawnlp", "os.posix_spawn",
      "os.posix_spawnp", "asyncio.create_subprocess_exec", "sh.Command"};
  for (const PyCall& c : cs) {
    std::string f = c.func;
    if ((f == ".system" || f == ".getoutput") && (c.receiver == "get_ipython")) f = "os.system";
    if (f == "run_line_magic" || f == ".run_line_magic") {
      const PyArg* m = c.arg(0);
      const PyArg* a = c.arg(1);
      if (m && a && m->value.kind == Value::Kind::String && (m->value.str == "system" || m->value.str == "sx") &&
          a->value.kind == Value::Kind::String)
        shell_line(a->value.str, loc, ShellOrigin::PythonCall, c.written, env.current_dir(), cond,
                   reached, new_shell());
      continue;
    }
    if (f == ".run_cell_magic") {
      const PyArg* m = c.arg(0);
      const PyArg* body = c.arg(2);
      if (m && body && m->value.kind == Value::Kind::String && body->value.kind == Value::Kind::String &&
          (m->value.str == "bash" || m->value.str == "sh" || m->value.str == "script")) {
        int sh = new_shell();
        for (std::string_view part : split(body->value.str, '\n'))
          shell_line(part, loc, ShellOrigin::PythonCall, c.written, env.current_dir(), cond, reached, sh);
      }
      continue;
    }
    if (shell_string.count(f)) {
      const PyArg* a = c.arg(0, "cmd");
      if (a && a->value.kind == Value::Kind::String)
        shell_line(a->value.str, loc, ShellOrigin::PythonCall, c.written, env.current_dir(), cond,
                   reached, new_shell());
      continue;
    }
    if (proc.count(f)) {
      bool execv = starts_with(f, "os.exec") || starts_with(f, "os.spawn") || starts_with(f, "os.posix");
      const PyArg* a = c.arg(execv ? (starts_with(f, "os.spawn") ? 2 : 1) : 0, "args");
      if (starts_with(f, "os.execl") || f == "os.spawnl" || f == "os.spawnlp" || f == "asyncio.create_subprocess_exec") {
        // the program and its arguments are separate positional arguments
        SimpleCommand sc;
        std::size_t from = f == "asyncio.create_subprocess_exec" ? 0 : (starts_with(f, "os.spawn") ? 2 : 1);
        for (std::size_t k = from; const PyArg* x = c.arg(k); ++k) {
          ShellWord w;
          w.text = x->value.known() ? x->value.to_str() : tokens_text(x->tokens, 0, x->tokens.size());
          w.unknown = !x->value.known();
          sc.words.push_back(std::move(w));
        }
        if (!sc.words.empty()) {
          ShellLine l;
          l.cmds.push_back(sc);
          for (auto& w : sc.words) l.text += (l.text.empty() ? "" : " ") + w.text;
          l.loc = loc;
          l.origin = ShellOrigin::PythonCall;
          l.via = c.written;
          l.conditional = cond;
          l.reached = reached;
          l.cwd = env.current_dir();
          l.shell = new_shell();
          out_.shell.push_back(std::move(l));
          nested_shell(out_.shell.size() - 1);
        }
        continue;
      }
      if (!a) continue;
      if (a->value.kind == Value::Kind::String) {
        shell_line(a->value.str, loc, ShellOrigin::PythonCall, c.written, env.current_dir(), cond,
                   reached, new_shell());
      } else if (a->is_list && !a->items.empty()) {
        ShellLine l;
        SimpleCommand sc;
        for (std::size_t k = 0; k < a->items.size(); ++k) {
          ShellWord w;
          w.unknown = !a->items[k].known();
          w.text = w.unknown ? "?" : a->items[k].to_str();
          if (w.unknown) w.why = a->items[k].why;
          sc.words.push_back(std::move(w));
        }
        for (auto& w : sc.words) l.text += (l.text.empty() ? "" : " ") + w.text;
        l.cmds.push_back(std::move(sc));
        l.loc = loc;
        l.origin = ShellOrigin::PythonCall;
        l.via = c.written;
        l.conditional = cond;
        l.reached = reached;
        l.cwd = env.current_dir();
        l.shell = new_shell();
        out_.shell.push_back(std::move(l));
        record_downloads(out_.shell.back());
        nested_shell(out_.shell.size() - 1);
      }
      continue;
    }
    if (f == "exec" || f == "eval" || f == "compile" || f == "builtins.exec" || f == "builtins.eval") {
      const PyArg* a = c.arg(0);
      if (a && a->value.kind == Value::Kind::String)
        python_text(a->value.str, loc, env, cond, reached, static_cast<int>(li), f);
      continue;
    }
    if (f == "urllib.request.urlretrieve" || f == "wget.download" || f == "urllib.urlretrieve") {
      const PyArg* u = c.arg(0, "url");
      const PyArg* o = c.arg(1, f == "wget.download" ? "out" : "filename");
      if (u && u->value.kind == Value::Kind::String) {
        Downloaded d;
        d.url = u->value.str;
        std::string file = o && o->value.kind == Value::Kind::String ? o->value.str : path_basename(d.url);
        d.name = path_basename(file);
        d.path = file.empty() || file[0] == '~' ? "" : path_join(env.current_dir(), file);
        d.loc = loc;
        out_.downloads.push_back(std::move(d));
      }
    }
  }
}

void VetBuilder::python_text(std::string_view text, const Location& loc, const PyEnv& env,
                             bool conditional, bool reached, int parent, std::string via) {
  if (depth_ >= kMaxNesting) {
    if (out_.unfollowed.size() < 100)
      out_.unfollowed.emplace_back(loc, "code nested more than " + std::to_string(kMaxNesting) + " levels deep");
    return;
  }
  ++depth_;
  for (std::string_view part : split(text, '\n')) {
    if (out_.shell.size() + out_.python.size() >= kMaxLines) break;
    std::string_view tr = trim(part);
    if (tr.empty() || tr[0] == '#') continue;
    if (tr[0] == '!' || tr[0] == '%') {  // IPython syntax inside exec'd text is not Python
      continue;
    }
    PyLine l;
    l.text = std::string(part);
    l.loc = loc;
    l.conditional = conditional;
    l.reached = reached;
    l.parent = parent;
    l.via = via;
    add_python(std::move(l), env);
  }
  --depth_;
}

// One Python line, from a cell or from text run by exec(): tokenised, its calls, environment
// uses and assignments read, then what it runs followed.
void VetBuilder::add_python(PyLine l, const PyEnv& env) {
  if (auto toks = tokenize_python(l.text)) l.tokens = std::move(*toks);
  imports(l.tokens);
  if (!l.tokens.empty()) {
    calls(l, env);
    env_uses(l, env);
  }
  out_.python.push_back(std::move(l));
  std::size_t idx = out_.python.size() - 1;
  if (!out_.python[idx].tokens.empty()) assignment(out_.python[idx], env);
  run_calls(idx, env);
}

Location VetBuilder::where(const CodeLine& line) const {
  Location loc;
  loc.file = file_;
  loc.line = line.file_line;
  loc.column = line.file_column;
  loc.cell = line.cell;
  loc.cell_line = line.cell_line;
  return loc;
}

void VetBuilder::python_line(const CodeLine& line, const PyEnv& env, bool conditional, bool reached) {
  const Location loc = where(line);
  if (out_.shell.size() + out_.python.size() >= kMaxLines) {
    if (out_.unfollowed.size() < 100) out_.unfollowed.emplace_back(loc, "too many lines to vet");
    return;
  }
  PyLine l;
  l.text = line.text;
  l.loc = loc;
  l.conditional = conditional;
  l.reached = reached;
  add_python(std::move(l), env);
}

void VetBuilder::bang_fields(const CodeLine& line, const PyEnv& env, bool conditional, bool reached) {
  const Location loc = where(line);
  const std::string& s = line.text;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '{') continue;
    if (i + 1 < s.size() && s[i + 1] == '{') {
      ++i;
      continue;
    }
    std::size_t j = s.find('}', i + 1);
    if (j == std::string::npos) break;
    std::string field = s.substr(i + 1, j - i - 1);
    // only fields that call or subscript something can do more than read a variable
    if (field.find('(') != std::string::npos || field.find('[') != std::string::npos ||
        field.find('.') != std::string::npos) {
      python_text(field, loc, env, conditional, reached, -1, "{…} of a ! line");
    }
    i = j;
  }
}

}  // namespace rwkvq
