// Recognition of the shell commands a training notebook runs (see commands.h).
#include "rwkvq/request/commands.h"

#include <charconv>

#include "rwkvq/request/vpath.h"
#include "rwkvq/util/match.h"
#include "rwkvq/util/strings.h"

namespace rwkvq {

std::string_view to_string(CommandKind k) {
  switch (k) {
    case CommandKind::InitModel: return "init-model";
    case CommandKind::Download: return "download";
    case CommandKind::PreloadDatapath: return "preload-datapath";
    case CommandKind::Train: return "train";
    case CommandKind::Export: return "export";
    case CommandKind::Mkdir: return "mkdir";
    case CommandKind::Cd: return "cd";
    case CommandKind::Ls: return "ls";
    case CommandKind::PipInstall: return "pip-install";
    case CommandKind::Remove: return "remove";
    case CommandKind::Copy: return "copy";
    case CommandKind::Move: return "move";
    case CommandKind::OtherPython: return "other-python";
    case CommandKind::Other: return "other";
    case CommandKind::Unresolved: return "unresolved";
  }
  return "other";
}

namespace {

struct Ctx {
  Command& cmd;
  const std::string& cwd;
  ShellWord dir_word, out_word;  // option values split out of "--opt=value" / "-Ofile"
  bool output_seen = false, config_seen = false;

  Ctx(Command& c, const std::string& w) : cmd(c), cwd(w) {}

  // Resolves a path word against the working folder; "" when unknown.
  std::string path(const ShellWord& w) {
    if (w.unknown) {
      note(w.why.empty() ? "path `" + w.text + "` is unknown" : w.why);
      return "";
    }
    if (w.text.empty()) return "";
    if (w.text[0] == '~') {
      note("path `" + w.text + "` depends on the home folder");
      return "";
    }
    if (w.text[0] == '/') return path_normalize(w.text);
    if (cwd.empty()) {
      note("the working folder is unknown");
      return "";
    }
    return path_join(cwd, w.text);
  }

  void note(const std::string& why) {
    cmd.unknown = true;
    if (cmd.why.empty()) cmd.why = why;
  }

  // The source of a download (wget, curl); null when the command names none.
  void set_url(const ShellWord* url) {
    if (!url) return note("no URL given");
    cmd.url = url->text;
    if (url->unknown) note(url->why.empty() ? "the URL is unknown" : url->why);
  }
};

bool is_python(std::string_view w) {
  std::string b = path_basename(w);
  if (b == "python" || b == "python3") return true;
  if (starts_with(b, "python3.") && b.size() > 8) return true;
  return false;
}

std::optional<long long> parse_ll(std::string_view s) {
  long long v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// A `--name=value` or `--name value` option parsed from argv at i; advances i.
struct Opt {
  std::string name;        // with dashes
  const ShellWord* value = nullptr;
  ShellWord inline_value;  // for --name=value
  bool has_inline = false;
};

// Splits an option word "--a=b" into name/value.
bool split_eq(const ShellWord& w, Opt& o) {
  std::size_t eq = w.text.find('=');
  if (eq == std::string::npos) return false;
  o.name = w.text.substr(0, eq);
  o.inline_value = w;
  o.inline_value.text = w.text.substr(eq + 1);
  o.has_inline = true;
  o.value = &o.inline_value;
  return true;
}

void init_model(Ctx& c, const std::vector<ShellWord>& a, std::size_t i) {
  c.cmd.kind = CommandKind::InitModel;
  static const std::vector<std::string> flags = {"--skip-if-exists", "--safe-init", "--help", "-h"};
  for (; i < a.size(); ++i) {
    const ShellWord& w = a[i];
    if (starts_with(w.text, "-") && w.text.size() > 1 && !w.unknown) {
      Opt o;
      if (!split_eq(w, o)) {
        o.name = w.text;
        bool is_flag = std::find(flags.begin(), flags.end(), w.text) != flags.end();
        if (!is_flag && i + 1 < a.size()) o.value = &a[++i];
      }
      if (!o.value) continue;
      const ShellWord& v = *o.value;
      auto set_num = [&](std::optional<long long>& field) {
        if (v.unknown) {
          c.note(v.why.empty() ? o.name + " is unknown" : v.why);
          return;
        }
        if (auto n = parse_ll(v.text)) field = *n;
      };
      std::string name = o.name;
      std::replace(name.begin(), name.end(), '-', '_');
      if (name == "__n_layer") {
        set_num(c.cmd.n_layer);
      } else if (name == "__n_embd") {
        set_num(c.cmd.n_embd);
      } else if (name == "__vocab_size") {
        if (v.unknown) {
          c.note(v.why.empty() ? "--vocab_size is unknown" : v.why);
        } else if (to_lower(v.text) == "neox") {
          c.cmd.vocab_size = 50277;
        } else if (to_lower(v.text) == "world") {
          c.cmd.vocab_size = 65536;
        } else if (auto n = parse_ll(v.text)) {
          c.cmd.vocab_size = *n;
        }
      }
      continue;
    }
    if (c.cmd.output.empty() && !c.output_seen) {
      c.cmd.output = c.path(w);
      if (c.cmd.output.empty()) c.output_seen = true;
    }
  }
}

void lightning(Ctx& c, const std::vector<ShellWord>& a, std::size_t i) {
  // lightning_trainer.py [fit|validate|test|predict] -c CONFIG --a.b=v ...
  bool fit = false;
  for (; i < a.size(); ++i) {
    const ShellWord& w = a[i];
    if (!starts_with(w.text, "-")) {
      if (w.text == "fit") fit = true;
      continue;
    }
    Opt o;
    if (!split_eq(w, o)) {
      o.name = w.text;
      if (i + 1 < a.size() && !starts_with(a[i + 1].text, "--")) o.value = &a[++i];
    }
    if (o.name == "-c" || o.name == "--config") {
      if (o.value && c.cmd.input.empty() && !c.config_seen) {
        c.config_seen = true;
        c.cmd.input = c.path(*o.value);
      }
      continue;
    }
    if (starts_with(o.name, "--") && o.name.find('.') != std::string::npos) {
      Override ov;
      ov.key = o.name.substr(2);
      if (o.value) {
        ov.value = o.value->text;
        ov.unknown = o.value->unknown;
        ov.why = o.value->why;
      } else {
        ov.unknown = true;
        ov.why = "--" + ov.key + " has no value";
      }
      ov.loc = c.cmd.loc;
      c.cmd.overrides.push_back(std::move(ov));
    }
  }
  c.cmd.kind = fit ? CommandKind::Train : CommandKind::OtherPython;
  if (fit && !c.config_seen) c.note("no -c/--config given");
}

// BlinkDL's official trainer: `python train.py --flag value ...` in RWKV-LM/RWKV-v*/ (DESIGN §7).
// Every flag of its argparse takes a value; each becomes an override keyed by the flag's name.
bool official_flags(const std::vector<ShellWord>& a, std::size_t i) {
  static const std::vector<std::string> marks = {"--proj_dir", "--data_file", "--my_exit_tokens", "--load_model",
                                                 "--n_embd", "--epoch_steps", "--micro_bsz", "--my_exit"};
  for (; i < a.size(); ++i) {
    std::string n = a[i].text.substr(0, a[i].text.find('='));
    if (std::find(marks.begin(), marks.end(), n) != marks.end()) return true;
  }
  return false;
}

// The folder of train.py from its first RWKV-v* component on ("RWKV-v7/train_temp"); "" when the
// script is not in such a folder (or its path is unknown).
std::string official_dir(const std::string& script_dir) {
  std::vector<std::string> parts = split(script_dir, '/');
  for (std::size_t k = 0; k < parts.size(); ++k) {
    if (!starts_with(parts[k], "RWKV-v")) continue;
    std::vector<std::string> rest(parts.begin() + static_cast<std::ptrdiff_t>(k), parts.end());
    return join(rest, "/");
  }
  return "";
}

void official(Ctx& c, const std::vector<ShellWord>& a, std::size_t i, std::string dir) {
  c.cmd.kind = CommandKind::Train;
  c.cmd.trainer = Trainer::Official;
  c.cmd.trainer_dir = std::move(dir);
  for (; i < a.size(); ++i) {
    const ShellWord& w = a[i];
    if (!starts_with(w.text, "--") || w.unknown) continue;
    Opt o;
    if (!split_eq(w, o)) {
      o.name = w.text;
      if (i + 1 < a.size() && !(starts_with(a[i + 1].text, "--") && !a[i + 1].unknown)) o.value = &a[++i];
    }
    Override ov;
    ov.key = o.name.substr(2);
    if (o.value) {
      ov.value = o.value->text;
      ov.unknown = o.value->unknown;
      ov.why = o.value->why;
    } else {
      ov.unknown = true;
      ov.why = o.name + " has no value";
    }
    ov.loc = c.cmd.loc;
    c.cmd.overrides.push_back(std::move(ov));
  }
}

void positional_io(Ctx& c, const std::vector<ShellWord>& a, std::size_t i, bool in_then_out) {
  std::vector<const ShellWord*> pos;
  for (; i < a.size(); ++i) {
    if (starts_with(a[i].text, "-") && !a[i].unknown) continue;
    pos.push_back(&a[i]);
  }
  if (!pos.empty()) c.cmd.input = c.path(*pos[0]);
  if (in_then_out && pos.size() > 1) c.cmd.output = c.path(*pos[1]);
  if (in_then_out && pos.size() < 2) c.note("no output file given");
}

// Basename of a URL without query and fragment.
std::string url_basename(std::string_view url) {
  std::string_view u = url;
  if (auto q = u.find_first_of("?#"); q != std::string_view::npos) u = u.substr(0, q);
  while (!u.empty() && u.back() == '/') u.remove_suffix(1);
  std::string b = path_basename(u);
  if (b.find("://") != std::string::npos || u.find('/') == std::string_view::npos) return "";
  if (u.find("://") != std::string_view::npos && u.find('/', u.find("://") + 3) == std::string_view::npos) return "";
  return b;
}

void wget(Ctx& c, const std::vector<ShellWord>& a) {
  c.cmd.kind = CommandKind::Download;
  const ShellWord* out = nullptr;
  const ShellWord* dir = nullptr;
  const ShellWord* url = nullptr;
  static const std::vector<std::string> with_value = {"-O", "-P", "-o", "-a", "-t", "-T", "-w",
                                                      "-e", "-i", "-U", "--header", "--user",
                                                      "--password", "-Q", "-l", "-D", "-B"};
  for (std::size_t i = 1; i < a.size(); ++i) {
    const ShellWord& w = a[i];
    if (starts_with(w.text, "-") && w.text.size() > 1) {
      Opt o;
      if (split_eq(w, o)) {
        if (o.name == "--output-document") out = o.value;
        if (o.name == "--directory-prefix") {
          c.dir_word = *o.value;
          dir = &c.dir_word;
        }
        if (o.name == "--output-document") {
          c.out_word = *o.value;
          out = &c.out_word;
        }
        continue;
      }
      if (w.text.size() > 2 && w.text[1] == 'O' && w.text[0] == '-' && w.text[1] != '-') {  // -Ofile
        c.out_word = w;
        c.out_word.text = w.text.substr(2);
        out = &c.out_word;
        continue;
      }
      if (w.text.size() > 2 && w.text[1] == 'P' && w.text[0] == '-') {
        c.dir_word = w;
        c.dir_word.text = w.text.substr(2);
        dir = &c.dir_word;
        continue;
      }
      if (std::find(with_value.begin(), with_value.end(), w.text) != with_value.end() && i + 1 < a.size()) {
        if (w.text == "-O") out = &a[i + 1];
        if (w.text == "-P") dir = &a[i + 1];
        ++i;
      }
      continue;
    }
    if (!url) url = &w;
  }
  c.set_url(url);
  if (out) {
    if (out->text == "-") return;  // to stdout
    if (dir) {
      ShellWord j = *out;
      if (!j.text.empty() && j.text[0] != '/') j.text = dir->text + "/" + j.text;
      j.unknown = j.unknown || dir->unknown;
      c.cmd.output = c.path(j);
    } else {
      c.cmd.output = c.path(*out);
    }
    return;
  }
  if (!url) return;
  std::string name = url->unknown ? "" : url_basename(url->text);
  if (name.empty()) {
    if (!url->unknown) c.note("the file name of " + url->text + " is unknown");
    if (url->unknown) c.note(url->why);
    return;
  }
  ShellWord p;
  p.text = dir ? dir->text + "/" + name : name;
  p.unknown = dir && dir->unknown;
  p.why = dir ? dir->why : "";
  c.cmd.output = c.path(p);
}

void curl(Ctx& c, const std::vector<ShellWord>& a, const SimpleCommand& sc) {
  c.cmd.kind = CommandKind::Download;
  const ShellWord* out = nullptr;
  const ShellWord* url = nullptr;
  bool remote_name = false;
  static const std::vector<std::string> with_value = {"-o", "--output", "-H", "--header", "-d",
                                                      "--data", "-X", "--request", "-u", "--user",
                                                      "-A", "--user-agent", "-e", "--referer",
                                                      "--retry", "-m", "--max-time", "-C",
                                                      "--output-dir", "-w", "--write-out"};
  const ShellWord* outdir = nullptr;
  for (std::size_t i = 1; i < a.size(); ++i) {
    const ShellWord& w = a[i];
    if (starts_with(w.text, "-") && w.text.size() > 1) {
      if (w.text == "-O" || w.text == "--remote-name") {
        remote_name = true;
        continue;
      }
      if (w.text.size() > 2 && w.text[0] == '-' && w.text[1] != '-' &&
          w.text.find('O') != std::string::npos && w.text.find('o') == std::string::npos) {
        remote_name = true;  // -LO, -sLO
        continue;
      }
      if (std::find(with_value.begin(), with_value.end(), w.text) != with_value.end() ||
          (w.text.size() > 2 && w.text[0] == '-' && w.text[1] != '-' && w.text.back() == 'o')) {
        if (i + 1 < a.size()) {
          if (w.text == "-o" || w.text == "--output" || (w.text[1] != '-' && w.text.back() == 'o')) out = &a[i + 1];
          if (w.text == "--output-dir") outdir = &a[i + 1];
          ++i;
        }
      }
      continue;
    }
    if (!url) url = &w;
  }
  for (auto& [op, target] : sc.redirects) {
    if (op == ">" || op == "1>" || op == ">|") {
      c.out_word.text = target;
      out = &c.out_word;
    }
  }
  c.set_url(url);
  if (out) {
    ShellWord p = *out;
    if (outdir && !p.text.empty() && p.text[0] != '/') {
      p.text = outdir->text + "/" + p.text;
      p.unknown = p.unknown || outdir->unknown;
    }
    c.cmd.output = c.path(p);
  } else if (remote_name && url && !url->unknown) {
    ShellWord p;
    p.text = url_basename(url->text);
    if (outdir) {
      p.text = outdir->text + "/" + p.text;
      p.unknown = outdir->unknown;
    }
    if (!p.text.empty()) c.cmd.output = c.path(p);
  }
}

void hf_cli(Ctx& c, const std::vector<ShellWord>& a, std::size_t i) {
  // huggingface-cli download REPO [FILES...] [--local-dir D] [--repo-type T] ...
  c.cmd.kind = CommandKind::Download;
  static const std::vector<std::string> with_value = {
      "--local-dir", "--repo-type", "--revision", "--include", "--exclude", "--cache-dir",
      "--token", "--local-dir-use-symlinks", "--max-workers"};
  std::vector<const ShellWord*> pos;
  const ShellWord* local = nullptr;
  std::string repo_type;
  for (; i < a.size(); ++i) {
    const ShellWord& w = a[i];
    if (starts_with(w.text, "--")) {
      Opt o;
      if (split_eq(w, o)) {
        if (o.name == "--local-dir") {
          c.dir_word = *o.value;
          local = &c.dir_word;
        }
        if (o.name == "--repo-type") repo_type = o.value->text;
        continue;
      }
      if (std::find(with_value.begin(), with_value.end(), w.text) != with_value.end() && i + 1 < a.size()) {
        if (w.text == "--local-dir") local = &a[i + 1];
        if (w.text == "--repo-type") repo_type = a[i + 1].text;
        ++i;
      }
      continue;
    }
    pos.push_back(&w);
  }
  if (pos.empty()) {
    c.note("no repository given");
    return;
  }
  const ShellWord& repo = *pos[0];
  if (repo.unknown) c.note(repo.why.empty() ? "the repository is unknown" : repo.why);
  c.cmd.url = repo.text;
  if (pos.size() == 2) c.cmd.url += "/" + pos[1]->text;
  if (!local) return;  // into the Hugging Face cache
  ShellWord dest = *local;
  if (pos.size() == 2) {
    dest.text += "/" + pos[1]->text;
    dest.unknown = dest.unknown || pos[1]->unknown;
    if (pos[1]->unknown && dest.why.empty()) dest.why = pos[1]->why;
  }
  c.cmd.output = c.path(dest);
}

// Best effort: python -c "...hf_hub_download(repo_id='x', filename='y', local_dir='d')..."
bool python_c(Ctx& c, const ShellWord& code) {
  const std::string& s = code.text;
  if (s.find("hf_hub_download") == std::string::npos && s.find("snapshot_download") == std::string::npos) {
    return false;
  }
  c.cmd.kind = CommandKind::Download;
  if (s.size() > 4096) {  // longer than any real download line: a finding, not a guess
    c.note("the Python code of the download is too long to read");
    return true;
  }
  auto repo = python_keyword_string(s, "repo_id");
  auto file = python_keyword_string(s, "filename");
  auto dir = python_keyword_string(s, "local_dir");
  if (!repo) {
    // positional: hf_hub_download('repo', 'file')
    if (auto args = download_positional_strings(s)) {
      repo = args->first;
      if (args->second && !file) file = args->second;
    }
  }
  if (!repo) {
    c.note("the repository of the Hugging Face download is unknown");
    return true;
  }
  c.cmd.url = *repo + (file ? "/" + *file : "");
  if (code.unknown) c.note(code.why);
  if (dir) {
    ShellWord p;
    p.text = *dir + (file ? "/" + *file : "");
    c.cmd.output = c.path(p);
  }
  return true;
}

void recognise_one(Ctx& c, const SimpleCommand& sc, std::string& cwd) {
  std::vector<ShellWord> a = sc.words;
  // strip wrappers: sudo, env, time, nohup, command, exec, export handled below
  while (!a.empty() && (a[0].text == "sudo" || a[0].text == "time" || a[0].text == "nohup" ||
                        a[0].text == "command" || a[0].text == "exec" || a[0].text == "env")) {
    bool is_env = a[0].text == "env";
    a.erase(a.begin());
    while (is_env && !a.empty() && a[0].text.find('=') != std::string::npos) a.erase(a.begin());
  }
  if (a.empty()) return;
  const std::string prog = path_basename(a[0].text);
  const std::string_view pv = prog;  // compared without strlen (issue 12.6)
  if (a[0].unknown) c.note(a[0].why.empty() ? "the program is unknown" : a[0].why);

  if (pv == "cd") {
    c.cmd.kind = CommandKind::Cd;
    std::size_t i = 1;
    while (i < a.size() && (a[i].text == "-P" || a[i].text == "-L" || a[i].text == "--")) ++i;
    if (i >= a.size() || a[i].text == "-" || a[i].text == "~") {
      c.note("cd to the home or previous folder");
      cwd.clear();
    } else {
      cwd = c.path(a[i]);
    }
    c.cmd.output = cwd;
    return;
  }
  if (pv == "mkdir") {
    c.cmd.kind = CommandKind::Mkdir;
    for (std::size_t i = 1; i < a.size(); ++i) {
      if (starts_with(a[i].text, "-") && !a[i].unknown) {
        if (a[i].text == "-m" && i + 1 < a.size()) ++i;
        continue;
      }
      if (c.cmd.output.empty()) c.cmd.output = c.path(a[i]);
    }
    return;
  }
  if (pv == "ls" || pv == "rm" || pv == "cat" || pv == "du" || pv == "head" || pv == "tail") {
    if (pv == "ls") c.cmd.kind = CommandKind::Ls;
    if (pv == "rm") c.cmd.kind = CommandKind::Remove;
    for (std::size_t i = 1; i < a.size(); ++i) {
      if (starts_with(a[i].text, "-") && !a[i].unknown) continue;
      if (c.cmd.input.empty()) c.cmd.input = c.path(a[i]);
      break;
    }
    return;
  }
  if (pv == "cp" || pv == "mv" || pv == "ln" || pv == "rsync") {
    c.cmd.kind = pv == "mv" ? CommandKind::Move : pv == "cp" || pv == "rsync" ? CommandKind::Copy : CommandKind::Other;
    std::vector<const ShellWord*> pos;
    for (std::size_t i = 1; i < a.size(); ++i) {
      if (starts_with(a[i].text, "-") && !a[i].unknown) continue;
      pos.push_back(&a[i]);
    }
    if (pos.size() >= 2) {
      c.cmd.input = c.path(*pos.front());
      c.cmd.output = c.path(*pos.back());
    }
    return;
  }
  if (pv == "pip" || pv == "pip3") {
    c.cmd.kind = a.size() > 1 && a[1].text == "install" ? CommandKind::PipInstall : CommandKind::Other;
    return;
  }
  if (pv == "wget") return wget(c, a);
  if (pv == "curl") return curl(c, a, sc);
  if (pv == "huggingface-cli" || pv == "hf") {
    if (a.size() > 1 && a[1].text == "download") return hf_cli(c, a, 2);
    return;
  }
  if (pv == "git") {
    std::size_t i = 1;
    if (i < a.size() && a[i].text == "lfs") {
      ++i;
      if (i < a.size() && (a[i].text == "pull" || a[i].text == "fetch" || a[i].text == "clone")) {
        c.cmd.kind = CommandKind::Download;
        if (a[i].text != "clone") return;
      } else {
        return;
      }
    }
    if (i < a.size() && a[i].text == "clone") {
      c.cmd.kind = CommandKind::Download;
      std::vector<const ShellWord*> pos;
      for (std::size_t k = i + 1; k < a.size(); ++k) {
        if (starts_with(a[k].text, "-") && !a[k].unknown) {
          if ((a[k].text == "-b" || a[k].text == "--branch" || a[k].text == "--depth") && k + 1 < a.size()) ++k;
          continue;
        }
        pos.push_back(&a[k]);
      }
      if (pos.empty()) return;
      c.cmd.url = pos[0]->text;
      if (pos.size() > 1) {
        c.cmd.output = c.path(*pos[1]);
      } else {
        std::string name = url_basename(pos[0]->text);
        if (ends_with(name, ".git")) name.resize(name.size() - 4);
        ShellWord p;
        p.text = name;
        if (!name.empty()) c.cmd.output = c.path(p);
      }
    }
    return;
  }
  // python / launchers
  std::size_t i = 0;
  bool launcher = false;
  if (is_python(prog)) {
    i = 1;
    while (i < a.size() && starts_with(a[i].text, "-") && !a[i].unknown) {
      const std::string& o = a[i].text;
      if (o == "-c") {
        if (i + 1 < a.size() && python_c(c, a[i + 1])) return;
        c.cmd.kind = CommandKind::OtherPython;
        return;
      }
      if (o == "-m") {
        if (i + 1 < a.size()) {
          const std::string& mod = a[i + 1].text;
          if (mod == "pip") {
            c.cmd.kind = i + 2 < a.size() && a[i + 2].text == "install" ? CommandKind::PipInstall : CommandKind::Other;
            return;
          }
          if (mod == "torch.distributed.run" || mod == "torch.distributed.launch") {
            i += 2;
            launcher = true;
            break;
          }
        }
        c.cmd.kind = CommandKind::OtherPython;
        return;
      }
      if (o == "-W" || o == "-X") ++i;
      ++i;
    }
  } else if (pv == "accelerate" || pv == "torchrun" || pv == "deepspeed") {
    i = pv == "accelerate" ? 2 : 1;
    launcher = true;
  } else {
    return;  // Other
  }
  if (launcher) {
    while (i < a.size() && !ends_with(a[i].text, ".py")) ++i;
  }
  if (i >= a.size()) {
    c.cmd.kind = CommandKind::OtherPython;
    return;
  }
  const ShellWord& script = a[i];
  std::string sb = path_basename(script.text);
  c.cmd.script = sb;
  if (sb == "init_model.py") return init_model(c, a, i + 1);
  if (sb == "lightning_trainer.py") {
    c.cmd.trainer = Trainer::Infctx;
    return lightning(c, a, i + 1);
  }
  if (sb == "merge_model.py" || sb == "model_merge.py" || sb == "resize_model.py" || sb == "model_resize.py") {
    // merge_model.py [--resize_mode M] BASE.pth SHAPE.pth OUT.pth: OUT keeps the shape and the
    // vocabulary of SHAPE (the model it is resized into); with two files, of the first. Recorded
    // as a copy from the file whose shape it keeps.
    c.cmd.kind = CommandKind::Copy;
    static const std::vector<std::string> with_value = {"--resize_mode", "--merge_mode", "--alpha", "--ratio",
                                                        "--n_layer", "--n_embd"};
    std::vector<const ShellWord*> pos;
    for (std::size_t k = i + 1; k < a.size(); ++k) {
      if (starts_with(a[k].text, "-") && !a[k].unknown) {
        if (a[k].text.find('=') == std::string::npos &&
            std::find(with_value.begin(), with_value.end(), a[k].text) != with_value.end())
          ++k;
        continue;
      }
      pos.push_back(&a[k]);
    }
    if (pos.size() < 2) {
      c.note("no output file given");
      return;
    }
    c.cmd.input = c.path(*pos[pos.size() >= 3 ? pos.size() - 2 : 0]);
    c.cmd.output = c.path(*pos.back());
    return;
  }
  if (sb == "train.py" && !script.unknown) {
    std::string dir = path_dirname(script.text);
    if (script.text.empty() || script.text[0] != '/') dir = c.cwd.empty() ? dir : path_join(c.cwd, dir);
    std::string od = official_dir(path_normalize(dir));
    if (!od.empty() || official_flags(a, i + 1)) return official(c, a, i + 1, od);
  }
  if (sb == "export_checkpoint.py") {
    c.cmd.kind = CommandKind::Export;
    return positional_io(c, a, i + 1, true);
  }
  if (sb == "preload_datapath.py") {
    c.cmd.kind = CommandKind::PreloadDatapath;
    positional_io(c, a, i + 1, false);
    if (c.cmd.input.empty() && c.cmd.why.empty()) c.note("no config given");
    return;
  }
  c.cmd.kind = CommandKind::OtherPython;
  if (script.unknown) c.note(script.why);
}

}  // namespace

std::vector<Command> recognise_commands(const std::vector<SimpleCommand>& cmds, std::string& cwd,
                                        const Location& loc) {
  std::vector<Command> out;
  for (const SimpleCommand& sc : cmds) {
    Command cmd;
    cmd.argv = sc.words;
    cmd.cwd = cwd;
    cmd.loc = loc;
    cmd.assignments = sc.assignments;
    if (sc.words.empty()) continue;  // bare assignments / redirections
    try {
      Ctx c(cmd, cwd);
      std::string new_cwd = cwd;
      recognise_one(c, sc, new_cwd);
      if (cmd.kind == CommandKind::Cd) cwd = new_cwd;
    } catch (const std::exception&) {
      cmd.kind = CommandKind::Other;
    }
    if (cmd.cwd.empty() && cmd.kind != CommandKind::Other &&
        !(cmd.kind == CommandKind::Cd && !cwd.empty())) {
      cmd.unknown = true;
      if (cmd.why.empty()) cmd.why = "the working folder is unknown";
    }
    out.push_back(std::move(cmd));
  }
  return out;
}

}  // namespace rwkvq
