#include <catch2/catch.hpp>

#include <string>

#include "rwkvq/request/code_lines.h"
#include "rwkvq/request/python_eval.h"
#include "rwkvq/request/shell.h"

using namespace rwkvq;

namespace {
PyEnv env_at(std::string dir = "/repo/notebook/community/x") {
  PyEnv e;
  e.notebook_dir = std::move(dir);
  return e;
}
std::string s(std::string_view expr, const PyEnv& env) {
  Value v = eval_expr(expr, env);
  INFO(expr << " -> unknown: " << v.why);
  REQUIRE(v.kind == Value::Kind::String);
  return v.str;
}
Cell code(std::vector<std::string> lines) {
  Cell c;
  c.number = 1;
  c.type = CellType::Code;
  int k = 0;
  for (auto& l : lines) c.lines.push_back(SourceLine{l, ++k, 1});
  return c;
}
void run(PyEnv& env, std::vector<std::string> lines) { exec_python_cell(classify_cell(code(lines)), env); }
}  // namespace

TEST_CASE("eval: literals", "[python_eval]") {
  PyEnv e = env_at();
  CHECK(s("'a'", e) == "a");
  CHECK(s("\"a\\tb\"", e) == "a\tb");
  CHECK(s("r'a\\tb'", e) == "a\\tb");
  CHECK(s("'''x'''", e) == "x");
  CHECK(s("'a' \"b\" f'c'", e) == "abc");
  CHECK(eval_expr("42", e).i == 42);
  CHECK(eval_expr("0x10", e).i == 16);
  CHECK(eval_expr("1_000", e).i == 1000);
  CHECK(eval_expr("2.5e-3", e).f == Approx(0.0025));
  CHECK(eval_expr("True", e).b);
  CHECK(eval_expr("None", e).kind == Value::Kind::None);
  CHECK(eval_expr("b'x'", e).kind == Value::Kind::Unknown);
}

TEST_CASE("eval: to_str like Python str()", "[python_eval]") {
  PyEnv e = env_at();
  CHECK(eval_expr("0.1", e).to_str() == "0.1");
  CHECK(eval_expr("1.0", e).to_str() == "1.0");
  CHECK(eval_expr("1e-05", e).to_str() == "1e-05");
  CHECK(eval_expr("0.0001", e).to_str() == "0.0001");
  CHECK(eval_expr("1e16", e).to_str() == "1e+16");
  CHECK(eval_expr("123456.5", e).to_str() == "123456.5");
  CHECK(eval_expr("False", e).to_str() == "False");
  CHECK(eval_expr("-3", e).to_str() == "-3");
}

TEST_CASE("eval: operators", "[python_eval]") {
  PyEnv e = env_at();
  CHECK(s("'a' + 'b'", e) == "ab");
  CHECK(s("'ab' * 2", e) == "abab");
  CHECK(eval_expr("2 ** 10", e).i == 1024);
  CHECK(eval_expr("7 // 2", e).i == 3);
  CHECK(eval_expr("-7 // 2", e).i == -4);
  CHECK(eval_expr("7 / 2", e).f == Approx(3.5));
  CHECK(eval_expr("1 + 2 * 3", e).i == 7);
  CHECK(eval_expr("(1 + 2) * 3", e).i == 9);
  CHECK(eval_expr("1 / 0", e).kind == Value::Kind::Unknown);
  CHECK(eval_expr("'a' + 1", e).kind == Value::Kind::Unknown);
  CHECK(s("'x' if 1 > 2 else 'y'", e) == "y");
  CHECK(eval_expr("not ''", e).b);
  CHECK(s("'%s-%d' % ('a', 3)", e) == "a-3");
}

TEST_CASE("eval: f-strings and format", "[python_eval]") {
  PyEnv e = env_at();
  e.vars["A"] = Value::string("v5");
  e.vars["N"] = eval_expr("3", e);
  e.vars["F"] = eval_expr("0.5", e);
  CHECK(s("f'RWKV-{A}'", e) == "RWKV-v5");
  CHECK(s("f'{A!r}'", e) == "'v5'");
  CHECK(s("f'{N:03d}-{F:.2f}'", e) == "003-0.50");
  CHECK(s("f'{{lit}} {N+1}'", e) == "{lit} 4");
  CHECK(s("F'{A.upper()}'", e) == "V5");
  CHECK(s("'{}-{}'.format(A, N)", e) == "v5-3");
  CHECK(s("'{0}/{name}'.format(A, name='x')", e) == "v5/x");
  CHECK(s("'{:>4}'.format('a')", e) == "   a");
  Value u = eval_expr("f'{MISSING}/x'", e);
  CHECK_FALSE(u.known());
  CHECK(u.why.find("MISSING") != std::string::npos);
}

TEST_CASE("eval: str methods and builtins", "[python_eval]") {
  PyEnv e = env_at();
  e.vars["S"] = eval_expr("0.1", e);
  CHECK(s("str(S).replace('.', '_')", e) == "0_1");
  CHECK(s("' Ab '.strip().lower()", e) == "ab");
  CHECK(eval_expr("int('12')", e).i == 12);
  CHECK(eval_expr("int(3.9)", e).i == 3);
  CHECK(eval_expr("float('2')", e).f == Approx(2.0));
  CHECK(eval_expr("int('x')", e).kind == Value::Kind::Unknown);
  CHECK(s("'abc'[1:]", e) == "bc");
  CHECK(eval_expr("len('abc')", e).i == 3);
  CHECK(eval_expr("input('x')", e).kind == Value::Kind::Unknown);
}

TEST_CASE("eval: os.path and the notebook folder", "[python_eval]") {
  PyEnv e = env_at();
  CHECK(s("os.path.dirname(os.path.abspath(\"__file__\"))", e) == "/repo/notebook/community/x");
  CHECK(s("os.getcwd()", e) == "/repo/notebook/community/x");
  CHECK(s("os.path.join('/a', 'b/', 'c')", e) == "/a/b/c");
  CHECK(s("os.path.join('/a', '/b')", e) == "/b");
  CHECK(s("os.path.abspath('/a/b/../c/')", e) == "/a/c");
  CHECK(s("os.path.basename('/a/b.pth')", e) == "b.pth");
  CHECK(s("os.path.normpath('a//b/./c')", e) == "a/b/c");
  Value env_var = eval_expr("os.environ.get('HOME', '/x')", e);
  CHECK_FALSE(env_var.known());
  CHECK(env_var.why.find("HOME") != std::string::npos);
  CHECK_FALSE(eval_expr("os.environ['X']", e).known());
  CHECK_FALSE(eval_expr("os.path.exists('x')", e).known());
}

TEST_CASE("eval: garbage and deep nesting never throw", "[python_eval]") {
  PyEnv e = env_at();
  std::string deep(100000, '(');
  CHECK_FALSE(eval_expr(deep, e).known());
  std::string deep2 = std::string(5000, '[') + "1" + std::string(5000, ']');
  CHECK_FALSE(eval_expr(deep2, e).known());
  // {{ is a literal brace: 300 of them are text, 301 leave one field {x}
  std::string feven = "f'" + std::string(300, '{') + "x" + std::string(300, '}') + "'";
  CHECK(eval_expr(feven, e).str == std::string(150, '{') + "x" + std::string(150, '}'));
  std::string fodd = "f'" + std::string(301, '{') + "x" + std::string(301, '}') + "'";
  CHECK_FALSE(eval_expr(fodd, e).known());
  std::string fnest = "f'{" + std::string(2000, '(') + "1" + std::string(2000, ')') + "}'";
  CHECK_FALSE(eval_expr(fnest, e).known());
  for (const char* g : {"", ")", "'", "f'{'", "1 +", "a..b", "lambda: 1", "[x for x in y]",
                        "\x01\x02", "'''", "{'a': 1}[", "os.path.join(*x)", "1 if 2"}) {
    CHECK_FALSE(eval_expr(g, e).known());
  }
  PyEnv e2 = env_at();
  exec_python_line(deep, e2);
  exec_python_line("X = " + deep, e2);
  CHECK_FALSE(e2.get("X").known());
}

TEST_CASE("exec: the community example's variables", "[python_eval]") {
  PyEnv e = env_at("/repo/notebook/community/example");
  run(e, {
      "PROJECT_PREFIX=\"userhandle-example-finetune-proj\"",
      "MODEL_VERSION=\"v4\"",
      "DEEPSPEED_STRAT=\"deepspeed_stage_1\"",
      "ENABLE_WANDB=True",
      "WANDB_PREFIX=f\"{PROJECT_PREFIX}\"",
      "print(\"GPU_DEVICES:\", DEEPSPEED_STRAT)\\",
      "",
      "if ENABLE_WANDB:",
      "    WANDB_MODE=\"online\"",
      "else:",
      "    WANDB_MODE=\"disabled\"",
      "import os",
      "NOTEBOOK_DIR=os.path.dirname(os.path.abspath(\"__file__\"))",
      "PROJECT_DIR=os.path.abspath(os.path.join(NOTEBOOK_DIR, \"../../../\"))",
      "TRAINER_DIR=os.path.abspath(os.path.join(PROJECT_DIR, f\"./RWKV-{MODEL_VERSION}/\"))",
      "INIT_MODEL_NAME=\"RWKV-4-World-1.5B-v1-fixed-20230612-ctx4096.pth\"",
  });
  CHECK(e.get("NOTEBOOK_DIR").str == "/repo/notebook/community/example");
  CHECK(e.get("PROJECT_DIR").str == "/repo");
  CHECK(e.get("TRAINER_DIR").str == "/repo/RWKV-v4");
  CHECK(e.get("WANDB_MODE").str == "online");
  CHECK(e.get("WANDB_PREFIX").str == "userhandle-example-finetune-proj");
  CHECK(e.get("INIT_MODEL_NAME").str == "RWKV-4-World-1.5B-v1-fixed-20230612-ctx4096.pth");
}

TEST_CASE("exec: assignment forms", "[python_eval]") {
  PyEnv e = env_at();
  run(e, {"A = B = 'x'", "C, D = 1, 'two'", "E: str = 'e'", "N = 1", "N += 2", "S = 'a'",
          "S += 'b'", "os.environ['X'] = 'y'", "X = 1; Y = 2", "(P, Q) = ('p', 'q')",
          "L = [1, 2]", "F = foo(A)", "del A"});
  CHECK(e.get("B").str == "x");
  CHECK_FALSE(e.get("A").known());
  CHECK(e.get("C").i == 1);
  CHECK(e.get("D").str == "two");
  CHECK(e.get("E").str == "e");
  CHECK(e.get("N").i == 3);
  CHECK(e.get("S").str == "ab");
  CHECK(e.get("Y").i == 2);
  CHECK(e.get("Q").str == "q");
  CHECK_FALSE(e.get("L").known());
  CHECK_FALSE(e.get("F").known());
  CHECK(e.get("F").why.find("foo") != std::string::npos);
  CHECK(e.vars.count("os") == 0);
}

TEST_CASE("exec: unknown values propagate with a reason", "[python_eval]") {
  PyEnv e = env_at();
  run(e, {"T = input()", "U = T + '/x'", "W = f'{U}.pth'"});
  Value w = e.get("W");
  CHECK_FALSE(w.known());
  CHECK(w.why.find("depends on T") != std::string::npos);
  CHECK(w.why.find("input") != std::string::npos);
}

TEST_CASE("exec: branches", "[python_eval]") {
  PyEnv e = env_at();
  run(e, {"V = 'v5'", "if V == 'v4':", "    X = 'old'", "elif V == 'v5':", "    X = 'new'",
          "else:", "    X = 'other'"});
  CHECK(e.get("X").str == "new");
  run(e, {"if COND:", "    Y = 'a'", "    Z = 'same'", "else:", "    Y = 'b'", "    Z = 'same'"});
  CHECK_FALSE(e.get("Y").known());
  CHECK(e.get("Y").why.find("COND") != std::string::npos);
  CHECK(e.get("Z").str == "same");
  run(e, {"K = 'k'", "if COND:", "    K = 'changed'"});
  CHECK_FALSE(e.get("K").known());
  run(e, {"if False: M = 'no'", "if True: M2 = 'yes'"});
  CHECK(e.vars.count("M") == 0);
  CHECK(e.get("M2").str == "yes");
}

TEST_CASE("exec: loops, defs, with, try", "[python_eval]") {
  PyEnv e = env_at();
  run(e, {"A = 'a'", "for i in range(3):", "    A = 'loop'", "    B = 'b'", "C = 'c'"});
  CHECK_FALSE(e.get("A").known());
  CHECK_FALSE(e.get("B").known());
  CHECK_FALSE(e.get("i").known());
  CHECK(e.get("C").str == "c");
  run(e, {"def f(x):", "    D = 'd'", "    return x", "class K:", "    E = 1", "G = 'g'"});
  CHECK(e.vars.count("D") == 0);
  CHECK_FALSE(e.get("f").known());
  CHECK(e.get("G").str == "g");
  run(e, {"with open('x') as fh:", "    H = 'h'"});
  CHECK(e.get("H").str == "h");
  CHECK_FALSE(e.get("fh").known());
  run(e, {"try:", "    I = 'i'", "except Exception:", "    I = 'fallback'"});
  CHECK_FALSE(e.get("I").known());
  run(e, {"while True:", "    J = 1"});
  CHECK_FALSE(e.get("J").known());
}

TEST_CASE("exec: os.chdir moves the working folder", "[python_eval]") {
  PyEnv e = env_at("/repo/notebook/community/x");
  run(e, {"os.chdir('../../../RWKV-v5')", "P = os.getcwd()"});
  CHECK(e.current_dir() == "/repo/RWKV-v5");
  CHECK(e.get("P").str == "/repo/RWKV-v5");
  run(e, {"os.chdir(SOMEWHERE)"});
  CHECK(e.current_dir().empty());
  CHECK_FALSE(eval_expr("os.getcwd()", e).known());
}

TEST_CASE("exec: shell lines are reported in order with the env of that point", "[python_eval]") {
  PyEnv e = env_at();
  std::vector<std::pair<std::string, bool>> seen;
  std::vector<std::string> values;
  auto lines = classify_cell(code({"A = 'one'", "!echo {A}", "A = 'two'", "if X:", "    !wget y",
                                   "if False:", "    !rm -rf z", "out = !ls", "def f():",
                                   "    !never"}));
  exec_python_cell(lines, e, [&](const CodeLine& l, PyEnv& env, bool conditional) {
    seen.emplace_back(l.text, conditional);
    values.push_back(env.get("A").str);
  });
  REQUIRE(seen.size() == 3);
  CHECK(seen[0].first == "echo {A}");
  CHECK_FALSE(seen[0].second);
  CHECK(values[0] == "one");
  CHECK(seen[1].first == "wget y");
  CHECK(seen[1].second);
  CHECK(values[1] == "two");
  CHECK(seen[2].first == "ls");
  CHECK_FALSE(e.get("out").known());
}

TEST_CASE("random garbage never throws or hangs", "[python_eval][shell][code_lines]") {
  // deterministic pseudo-random lines built from the characters that matter to the parsers
  const std::string alphabet = "ab_1 .,:;=+-*/%(){}[]'\"\\!$#`&|<>\n\tfr{}";
  unsigned state = 12345;
  auto next = [&] {
    state = state * 1103515245u + 12345u;
    return (state >> 16) & 0x7fff;
  };
  PyEnv e = env_at();
  e.vars["a"] = Value::string("x");
  for (int n = 0; n < 3000; ++n) {
    std::string s;
    int len = static_cast<int>(next() % 60);
    for (int k = 0; k < len; ++k) s += alphabet[next() % alphabet.size()];
    CHECK_NOTHROW(eval_expr(s, e));
    CHECK_NOTHROW(exec_python_line(s, e));
    CHECK_NOTHROW(ipython_substitute(s, e));
    CHECK_NOTHROW(tokenize_shell(s));
    Cell c = code({s, s, "  " + s});
    CHECK_NOTHROW(exec_python_cell(classify_cell(c), e));
  }
  // deep indentation
  std::vector<std::string> deep;
  for (int k = 0; k < 500; ++k) deep.push_back(std::string(k, ' ') + "if X:");
  deep.push_back(std::string(500, ' ') + "Y = 1");
  CHECK_NOTHROW(run(e, deep));
}

TEST_CASE("python_command: subprocess and os.system calls", "[python_eval]") {
  PyEnv e = env_at();
  e.vars["D"] = Value::string("/repo/model");
  auto l = python_command("subprocess.run([\"wget\", \"-P\", D, f\"{D}/x\"], check=True)", e);
  REQUIRE(l);
  CHECK(l->call == "subprocess.run");
  CHECK(!l->shell);
  REQUIRE(l->argv.size() == 4);
  CHECK(l->argv[2].str == "/repo/model");
  CHECK(l->argv[3].str == "/repo/model/x");
  auto s = python_command("r = os.system(\"ls \" + D)", e);
  REQUIRE(s);
  CHECK(s->shell);
  CHECK(s->text.str == "ls /repo/model");
  auto sh = python_command("subprocess.check_call(f\"cd {D}\", shell=True)", e);
  REQUIRE(sh);
  CHECK(sh->shell);
  CHECK(sh->text.str == "cd /repo/model");
  auto u = python_command("subprocess.run(CMD)", e);
  REQUIRE(u);
  CHECK(!u->argv_known);
  CHECK(u->why.find("CMD") != std::string::npos);
  CHECK(!python_command("print(\"subprocess.run is not called here\")", e));
  CHECK(!python_command("x = 1", e));
}

TEST_CASE("python: a string doubled 40 times is not followed (no memory blow-up)", "[python][limits]") {
  // Found while vetting hostile input: `a = a + a` forty times grew a string to 16 TiB and hung.
  PyEnv e = env_at();
  exec_python_line("a = 'xxxxxxxxxxxxxxxx'", e);
  for (int k = 0; k < 40; ++k) exec_python_line("a = a + a", e);
  CHECK(!e.get("a").known());
  CHECK(e.get("a").why.find("64 KiB") != std::string::npos);
  exec_python_line("b = f'{a}{a}'", e);
  CHECK(!e.get("b").known());
  exec_python_line("c = 'ab' * 30000", e);  // 60 000 bytes: still followed
  CHECK(e.get("c").str.size() == 60000);
}

TEST_CASE("is_python_expression: a plain name as the full parse says", "[python_eval]") {
  // Plain names skip the parse; "(name)" takes it: both must agree, keywords included.
  const char* names[] = {"model_name", "x", "_x1", "DATA_DIR", "len", "os", "__file__", "print", "None",
                         "True",       "False", "if", "else", "for", "while", "def", "class", "return",
                         "import",     "from", "with", "as", "try", "except", "finally", "in", "is",
                         "and",        "or",  "not", "pass", "yield", "await", "del", "lambda", "global",
                         "nonlocal",   "raise", "assert", "break", "continue", "elif", "async", "match",
                         "case",       "type", "_", "exec", "eval", "self", "a9"};
  for (const char* n : names) {
    INFO(n);
    CHECK(is_python_expression(n) == is_python_expression(std::string("(") + n + ")"));
  }
  CHECK(is_python_expression("model_name"));
  CHECK(!is_python_expression("if"));
  CHECK(!is_python_expression("9x"));
  CHECK(!is_python_expression(""));
}

TEST_CASE("eval: one literal or name gives what the full grammar gives", "[python_eval]") {
  // A lone token takes a short cut to the atom (py::eval_tokens); in parentheses it goes down the
  // whole grammar. Both must agree: value, kind and reason.
  PyEnv e = env_at();
  e.vars["X"] = Value::string("v");
  e.vars["U"] = Value::unknown("calls input()");
  e.vars["D"] = Value::unknown("depends on Y (never set)");
  for (const std::string t : {"X", "U", "D", "'abc'", "f'{X}/y'", "f'{U}'", "b'x'", "42", "0x1F", "1_000", "1.5e3",
                              "3j", "True", "False", "None", "if", "await", "os", "__file__", "unset_name", "0b2"}) {
    const Value lone = eval_expr(t, e);
    Value full = eval_expr("(" + t + ")", e);
    // The full grammar's message quotes the text it was given.
    if (const auto at = full.why.find("`(" + t + ")`"); at != std::string::npos) full.why.replace(at, t.size() + 4, "`" + t + "`");
    INFO(t << ": lone " << (lone.known() ? lone.to_str() : lone.why) << ", full " << (full.known() ? full.to_str() : full.why));
    CHECK(lone.kind == full.kind);
    CHECK(lone.to_str() == full.to_str());
    CHECK(lone.why == full.why);
  }
  // The two names an upper level of the grammar handles itself.
  CHECK(eval_expr("lambda", e).why.find("uses a lambda") != std::string::npos);
  CHECK(eval_expr("not", e).why.find("ends early") != std::string::npos);
  CHECK(eval_expr("not X", e).kind == Value::Kind::Bool);
}
