#include <catch2/catch.hpp>

#include "rwkvq/request/shell.h"

using namespace rwkvq;

namespace {
PyEnv env() {
  PyEnv e;
  e.notebook_dir = "/repo/notebook/community/x";
  e.vars["TRAINER_DIR"] = Value::string("/repo/RWKV-v5");
  e.vars["N"] = eval_expr("3", e);
  e.vars["U"] = Value::unknown("is read with input()");
  return e;
}
std::vector<std::string> words(const SimpleCommand& c) {
  std::vector<std::string> out;
  for (auto& w : c.words) out.push_back(w.text);
  return out;
}
}  // namespace

TEST_CASE("ipython_substitute: {expr}, $name, escapes", "[shell]") {
  PyEnv e = env();
  bool unknown = true;
  CHECK(ipython_substitute("cd \"{TRAINER_DIR}\" && echo {N+1}", e, &unknown) ==
        "cd \"/repo/RWKV-v5\" && echo 4");
  CHECK_FALSE(unknown);
  CHECK(ipython_substitute("echo $N ${N} $$HOME $HOME {{x}}", e) == "echo 3 $3 $HOME $HOME {x}");
  CHECK(ipython_substitute("echo '$N'", e) == "echo '$N'");  // not inside single quotes
  std::string why;
  CHECK(ipython_substitute("ls {U}/x", e, &unknown, &why) == "ls {U}/x");
  CHECK(unknown);
  CHECK(why.find("input") != std::string::npos);
  // a field that is not Python: IPython leaves the whole line alone
  CHECK(ipython_substitute("awk '{print $1}' {TRAINER_DIR}", e, &unknown) ==
        "awk '{print $1}' {TRAINER_DIR}");
  CHECK_FALSE(unknown);
  CHECK(ipython_substitute("echo }", e) == "echo }");
  CHECK(ipython_substitute("echo {", e) == "echo {");
}

TEST_CASE("tokenize: quotes, escapes, operators", "[shell]") {
  auto c = tokenize_shell("cd \"/a b\" && python x.py 'it''s' a\\ b \"q\\\"x\" ; ls | wc -l || true & echo");
  REQUIRE(c.size() == 6);
  CHECK(words(c[0]) == std::vector<std::string>{"cd", "/a b"});
  CHECK(c[0].next == ShellOp::And);
  CHECK(words(c[1]) == std::vector<std::string>{"python", "x.py", "its", "a b", "q\"x"});
  CHECK(c[1].next == ShellOp::Seq);
  CHECK(c[2].next == ShellOp::Pipe);
  CHECK(c[3].next == ShellOp::Or);
  CHECK(c[4].next == ShellOp::Background);
  CHECK(c[5].next == ShellOp::None);
}

TEST_CASE("tokenize: redirections, comments, assignments", "[shell]") {
  auto c = tokenize_shell("A=1 B=\"x y\" python t.py > out.log 2>&1 # comment && rm -rf /");
  REQUIRE(c.size() == 1);
  CHECK(c[0].assignments == std::vector<std::string>{"A=1", "B=x y"});
  CHECK(words(c[0]) == std::vector<std::string>{"python", "t.py"});
  REQUIRE(c[0].redirects.size() == 2);
  CHECK(c[0].redirects[0] == std::make_pair(std::string(">"), std::string("out.log")));
  CHECK(c[0].redirects[1] == std::make_pair(std::string("2>&"), std::string("1")));
  auto ex = tokenize_shell("export WANDB_MODE=\"online\" && echo a#b");
  REQUIRE(ex.size() == 2);
  CHECK(ex[0].assignments == std::vector<std::string>{"WANDB_MODE=online"});
  CHECK(words(ex[1]) == std::vector<std::string>{"echo", "a#b"});
}

TEST_CASE("tokenize: unknown parts are marked", "[shell]") {
  auto c = tokenize_shell("wget $URL -O \"$(date).pth\" `pwd` plain");
  REQUIRE(c.size() == 1);
  REQUIRE(c[0].words.size() == 6);
  CHECK(c[0].words[1].unknown);
  CHECK(c[0].words[1].why.find("$URL") != std::string::npos);
  CHECK(c[0].words[3].unknown);
  CHECK(c[0].words[4].unknown);
  CHECK_FALSE(c[0].words[5].unknown);
  PyEnv e = env();
  auto m = tokenize_shell(ipython_substitute_marked("ls \"{U}/model\" {TRAINER_DIR}", e));
  REQUIRE(m.size() == 1);
  REQUIRE(m[0].words.size() == 3);
  CHECK(m[0].words[1].unknown);
  CHECK(m[0].words[1].text == "{U}/model");
  CHECK(m[0].words[1].why.find("input") != std::string::npos);
  CHECK_FALSE(m[0].words[2].unknown);
  CHECK(m[0].words[2].text == "/repo/RWKV-v5");
}

TEST_CASE("tokenize: unterminated and hostile input", "[shell]") {
  auto c = tokenize_shell("echo \"unterminated");
  REQUIRE(c.size() == 1);
  CHECK(words(c[0]) == std::vector<std::string>{"echo", "unterminated"});
  CHECK(tokenize_shell("echo 'x").size() == 1);
  CHECK(tokenize_shell("").empty());
  CHECK(tokenize_shell("&& || ;;").empty());
  CHECK(tokenize_shell(std::string(100000, '(')).empty());
  CHECK(tokenize_shell("echo $(((((").size() == 1);
  CHECK(tokenize_shell("x\\").size() == 1);
}

TEST_CASE("tokenize: runs of ordinary characters end where the shell's rules say", "[shell]") {
  // a backslash inside double quotes that escapes nothing is kept, and the text goes on
  auto c = tokenize_shell("grep \"a\\d+b\" f");
  REQUIRE(c.size() == 1);
  CHECK(words(c[0]) == std::vector<std::string>{"grep", "a\\d+b", "f"});
  c = tokenize_shell("echo \"x\\\" y\\$z\\`w\\\\v\"");
  REQUIRE(c.size() == 1);
  CHECK(words(c[0]) == std::vector<std::string>{"echo", "x\" y$z`w\\v"});
  // '#' inside a word is text, at the start of one a comment
  c = tokenize_shell("echo a#b #c");
  REQUIRE(c.size() == 1);
  CHECK(words(c[0]) == std::vector<std::string>{"echo", "a#b"});
  // a long word next to every operator
  std::string long_word(300, 'w');
  c = tokenize_shell(long_word + "|" + long_word + ";" + long_word + "&&x>" + long_word + "(y)z<q");
  REQUIRE(c.size() == 5);
  CHECK(words(c[0]) == std::vector<std::string>{long_word});
  CHECK(words(c[2]) == std::vector<std::string>{long_word});
  REQUIRE(c[2].redirects.size() == 0);
  CHECK(words(c[3]) == std::vector<std::string>{"x", "y"});  // "(" only separates words
  REQUIRE(c[3].redirects.size() == 1);
  CHECK(c[3].redirects[0].second == long_word);
  // single quotes keep everything but the unknown-part markers
  c = tokenize_shell("echo 'a\"$b\\c d'");
  REQUIRE(c.size() == 1);
  CHECK(words(c[0]) == std::vector<std::string>{"echo", "a\"$b\\c d"});
}

TEST_CASE("shell: process substitution <(…) is one unknown word, not a redirection", "[shell]") {
  auto cmds = tokenize_shell("bash <(curl -s https://e.example/x) arg");
  REQUIRE(cmds.size() == 1);
  REQUIRE(cmds[0].words.size() == 3);
  CHECK(cmds[0].words[1].text == "<(curl -s https://e.example/x)");
  CHECK(cmds[0].words[1].unknown);
  CHECK(cmds[0].redirects.empty());
  auto out = tokenize_shell("tee >(gzip > a.gz) < in.txt");
  REQUIRE(out.size() == 1);
  CHECK(out[0].words[1].text == ">(gzip > a.gz)");
  REQUIRE(out[0].redirects.size() == 1);
  CHECK(out[0].redirects[0].second == "in.txt");
}
