#include <catch2/catch.hpp>

#include "rwkvq/request/code_lines.h"

using namespace rwkvq;

namespace {
Cell code(std::vector<std::string> lines) {
  Cell c;
  c.number = 3;
  c.type = CellType::Code;
  c.file_line = 100;
  int k = 0;
  for (auto& l : lines) c.lines.push_back(SourceLine{l, 101 + k++, 6});
  return c;
}
}  // namespace

TEST_CASE("classify: shell, comment, blank, python", "[code_lines]") {
  auto out = classify_cell(code({"# !wget https://x/y.pth", "", "!mkdir -p ../model",
                                 "X = 1  # note", "%cd /tmp"}));
  REQUIRE(out.size() == 5);
  CHECK(out[0].kind == LineKind::Comment);  // a commented-out command is not a command
  CHECK(out[1].kind == LineKind::Blank);
  CHECK(out[2].kind == LineKind::Shell);
  CHECK(out[2].text == "mkdir -p ../model");
  CHECK(out[2].cell == 3);
  CHECK(out[2].cell_line == 3);
  CHECK(out[2].file_line == 103);
  CHECK(out[2].file_column == 6);
  CHECK(out[3].kind == LineKind::Python);
  CHECK(out[4].kind == LineKind::LineMagic);
  CHECK(out[4].text == "cd /tmp");
}

TEST_CASE("classify: backslash continuation of a ! line", "[code_lines]") {
  auto out = classify_cell(code({"# Download", "!cd \"{PROJECT_DIR}/model/\" && \\",
                                 "    wget -nc https://h/x.pth", "INIT=\"x\""}));
  REQUIRE(out.size() == 3);
  CHECK(out[1].kind == LineKind::Shell);
  CHECK(out[1].text == "cd \"{PROJECT_DIR}/model/\" &&     wget -nc https://h/x.pth");
  CHECK(out[1].cell_line == 2);
  CHECK(out[2].kind == LineKind::Python);
  CHECK(out[2].cell_line == 4);
}

TEST_CASE("classify: multi-line python calls and strings", "[code_lines]") {
  auto out = classify_cell(code({"X = os.path.join(", "    A,  # comment )", "    'b')",
                                 "S = \"\"\"one", "two\"\"\"", "T = 1 + \\", "    2"}));
  REQUIRE(out.size() == 3);
  CHECK(out[0].kind == LineKind::Python);
  CHECK(out[0].text == "X = os.path.join(\n    A,  # comment )\n    'b')");
  CHECK(out[1].text == "S = \"\"\"one\ntwo\"\"\"");
  CHECK(out[1].cell_line == 4);
  CHECK(out[2].cell_line == 6);
  CHECK(out[2].text.find('\\') == std::string::npos);
}

TEST_CASE("classify: %%script bash makes the cell shell", "[code_lines]") {
  auto out = classify_cell(code({"", "%%script bash", "# comment", "cd ../x && \\", "  ls", "",
                                 "python a.py"}));
  REQUIRE(out.size() == 7 - 1);  // continuation joined
  CHECK(out[0].kind == LineKind::Blank);
  CHECK(out[1].kind == LineKind::CellMagic);
  CHECK(out[1].text == "script bash");
  CHECK(out[2].kind == LineKind::Comment);
  CHECK(out[3].kind == LineKind::ShellCellBody);
  CHECK(out[3].text == "cd ../x &&   ls");
  CHECK(out[4].kind == LineKind::Blank);
  CHECK(out[5].kind == LineKind::ShellCellBody);
  CHECK(out[5].cell_line == 7);

  auto sh = classify_cell(code({"%%bash", "wget x"}));
  REQUIRE(sh.size() == 2);
  CHECK(sh[1].kind == LineKind::ShellCellBody);
}

TEST_CASE("classify: other cell magics", "[code_lines]") {
  auto w = classify_cell(code({"%%writefile x.py", "!not a command", "X = 1"}));
  REQUIRE(w.size() == 1);  // body is file content, not code
  CHECK(w[0].kind == LineKind::CellMagic);
  auto cap = classify_cell(code({"%%capture", "!wget https://x/y"}));
  REQUIRE(cap.size() == 2);
  CHECK(cap[1].kind == LineKind::Shell);
  // %% not on the first line is not a cell magic
  auto mid = classify_cell(code({"X = 1", "%%bash", "ls"}));
  CHECK(mid[2].kind == LineKind::Python);
}

TEST_CASE("classify: var = !cmd and indentation", "[code_lines]") {
  auto out = classify_cell(code({"files = !ls ../model", "if X:", "\t!wget y", "a == !b"}));
  REQUIRE(out.size() == 4);
  CHECK(out[0].kind == LineKind::Shell);
  CHECK(out[0].text == "ls ../model");
  CHECK(out[0].target == "files");
  CHECK(out[1].kind == LineKind::Python);
  CHECK(out[2].kind == LineKind::Shell);
  CHECK(out[2].indent == 8);
  CHECK(out[3].kind == LineKind::Python);  // comparison, not an assignment
}

TEST_CASE("classify: markdown cells and unterminated input", "[code_lines]") {
  Cell md = code({"!wget x"});
  md.type = CellType::Markdown;
  CHECK(classify_cell(md).empty());
  auto out = classify_cell(code({"X = (", "'unterminated", "!ls \\"}));
  REQUIRE(out.size() == 1);
  CHECK(out[0].kind == LineKind::Python);
}
