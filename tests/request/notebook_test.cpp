#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "rwkvq/request/config.h"
#include "rwkvq/request/notebook.h"

using namespace rwkvq;

namespace {

// Line numbers in the comments are the file's lines.
const char* const kSmall = R"JSON({
 "cells": [
  {
   "cell_type": "markdown",
   "metadata": {},
   "source": [
    "# Title\n",
    "Your Discord handle: @x"
   ]
  },
  {
   "cell_type": "code",
   "execution_count": 1,
   "metadata": {"a": [1, -2.5e3, {"b": null, "c": true, "d": false}]},
   "outputs": [{"name": "stdout", "output_type": "stream", "source": ["not me"], "text": ["hello\n"]}],
   "source": "x = 1\n!ls\n\ny = \"é\""
  },
  {
   "cell_type": "raw",
   "source": []
  }
 ],
 "metadata": {"cells": 3},
 "nbformat": 4,
 "nbformat_minor": 5
}
)JSON";

std::string crlf_bom(const std::string& s) {
  std::string out = "\xEF\xBB\xBF";
  for (char c : s) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

void check_small(const Notebook& nb) {
  INFO((nb.error ? nb.error->message : std::string("no error")));
  REQUIRE_FALSE(nb.error);
  CHECK(nb.nbformat == 4);
  REQUIRE(nb.cells.size() == 3);

  const Cell& md = nb.cells[0];
  CHECK(md.number == 1);
  CHECK(md.type == CellType::Markdown);
  CHECK(md.file_line == 3);
  REQUIRE(md.lines.size() == 2);
  CHECK(md.lines[0].text == "# Title");
  CHECK(md.lines[0].file_line == 7);
  CHECK(md.lines[0].file_column == 6);
  CHECK(md.lines[1].text == "Your Discord handle: @x");
  CHECK(md.lines[1].file_line == 8);
  CHECK(md.lines[1].file_column == 6);

  const Cell& code = nb.cells[1];
  CHECK(code.number == 2);
  CHECK(code.type == CellType::Code);
  CHECK(code.file_line == 11);
  REQUIRE(code.lines.size() == 4);  // outputs' "source" is not the cell's
  CHECK(code.lines[0].text == "x = 1");
  CHECK(code.lines[0].file_line == 16);
  CHECK(code.lines[0].file_column == 15);
  CHECK(code.lines[1].text == "!ls");
  CHECK(code.lines[1].file_column == 22);
  CHECK(code.lines[2].text == "");
  CHECK(code.lines[2].file_column == 27);
  CHECK(code.lines[3].text == "y = \"\xC3\xA9\"");
  CHECK(code.lines[3].file_column == 29);
  for (const auto& l : code.lines) CHECK(l.file_line == 16);

  CHECK(nb.cells[2].type == CellType::Raw);
  CHECK(nb.cells[2].lines.empty());
}

Notebook parse(const std::string& s) { return parse_notebook("nb.ipynb", s); }

}  // namespace

TEST_CASE("notebook: list and string sources with file positions", "[notebook]") {
  Notebook nb = parse(kSmall);
  CHECK(nb.rel == "nb.ipynb");
  check_small(nb);
}

TEST_CASE("notebook: UTF-8 BOM and CRLF give the same model", "[notebook]") {
  check_small(parse(crlf_bom(kSmall)));
}

TEST_CASE("notebook: escapes and surrogate pairs are decoded", "[notebook]") {
  Notebook nb = parse(
      R"({"nbformat": 4, "cells": [{"cell_type": "code", "source": ["a\u00e9\ud83d\ude00\t\"\\\/\r\n", "b"]}]})");
  REQUIRE_FALSE(nb.error);
  REQUIRE(nb.cells.size() == 1);
  REQUIRE(nb.cells[0].lines.size() == 2);
  CHECK(nb.cells[0].lines[0].text == "a\xC3\xA9\xF0\x9F\x98\x80\t\"\\/");  // "\r\n" stripped
  CHECK(nb.cells[0].lines[1].text == "b");
  CHECK(nb.cells[0].lines[1].file_column == 96);
}

TEST_CASE("notebook: source lines with several newlines inside one list item", "[notebook]") {
  Notebook nb = parse(R"({"nbformat":4,"cells":[{"cell_type":"code","source":["a\nb\n","c"]}]})");
  REQUIRE_FALSE(nb.error);
  REQUIRE(nb.cells[0].lines.size() == 3);
  CHECK(nb.cells[0].lines[0].file_column == 55);
  CHECK(nb.cells[0].lines[1].text == "b");
  CHECK(nb.cells[0].lines[1].file_column == 58);
  CHECK(nb.cells[0].lines[2].text == "c");
  CHECK(nb.cells[0].lines[2].file_column == 64);
}

TEST_CASE("notebook: truncated JSON reports the end of file position", "[notebook]") {
  Notebook nb = parse("{\n \"cells\": [\n  {\"cell_type\": \"co");
  REQUIRE(nb.error);
  CHECK(nb.error->message.find("unexpected end of file") != std::string::npos);
  CHECK(nb.error->line == 3);
  CHECK(nb.error->column == 20);
  CHECK(nb.cells.empty());

  Notebook empty = parse("");
  REQUIRE(empty.error);
  CHECK(empty.error->line == 1);
  CHECK(empty.error->column == 1);
  CHECK(empty.error->message.find("unexpected end of file") != std::string::npos);

  // Every prefix of a good notebook is an error, never a crash.
  const std::string full = kSmall;
  for (std::size_t i = 0; i + 2 < full.size(); i += 7) {
    Notebook p = parse(full.substr(0, i));
    CHECK(p.error);
  }
}

TEST_CASE("notebook: syntax errors name what was expected", "[notebook]") {
  Notebook a = parse("{\"nbformat\": 4\n  \"cells\": []}");
  REQUIRE(a.error);
  CHECK(a.error->message == "expected ',' or '}' after object member");
  CHECK(a.error->line == 2);
  CHECK(a.error->column == 3);

  Notebook b = parse("{\"cells\": [1 2]}");
  REQUIRE(b.error);
  CHECK(b.error->message == "expected ',' or ']' after array element");
  CHECK(b.error->column == 14);

  Notebook c = parse("{\"cells\" []}");
  REQUIRE(c.error);
  CHECK(c.error->message == "expected ':' after object key");

  Notebook d = parse("{\"cells\": [tru]}");
  REQUIRE(d.error);
  CHECK(d.error->column == 12);

  Notebook e = parse("{\"cells\": [,]}");
  REQUIRE(e.error);
  CHECK(e.error->message.find("expected a JSON value") != std::string::npos);

  Notebook f = parse("{\"cells\": [\"a\nb\"]}");  // raw line break in a string
  REQUIRE(f.error);
  CHECK(f.error->line == 1);
  CHECK(f.error->column == 14);

  Notebook g = parse("{\"cells\": [01]}");
  REQUIRE(g.error);

  Notebook h = parse("{\"cells\": [\"\\x\"]}");
  REQUIRE(h.error);
  CHECK(h.error->message.find("invalid escape") != std::string::npos);

  Notebook i = parse("{\"cells\": [\"\\u12G4\"]}");
  REQUIRE(i.error);
  CHECK(i.error->message.find("\\u") != std::string::npos);

  Notebook j = parse("{\"cells\": [], }");
  REQUIRE(j.error);
  CHECK(j.error->message.find("string key") != std::string::npos);
}

TEST_CASE("notebook: trailing text after a good notebook is an error", "[notebook]") {
  Notebook nb = parse(std::string(kSmall) + "\n{}\n");
  REQUIRE(nb.error);
  CHECK(nb.error->message.find("after the end") != std::string::npos);
  CHECK(nb.error->line == 28);
  CHECK(nb.error->column == 1);
  // Whitespace after the end is fine.
  CHECK_FALSE(parse(std::string(kSmall) + "\n\n  \r\n").error);
}

TEST_CASE("notebook: invalid UTF-8 is an error with its position", "[notebook]") {
  Notebook nb = parse("{\"nbformat\": 4,\n \"cells\": [{\"cell_type\": \"code\", \"source\": [\"a\xff\"]}]}");
  REQUIRE(nb.error);
  CHECK(nb.error->message == "invalid UTF-8 byte 0xff");
  CHECK(nb.error->line == 2);
  CHECK(nb.error->column == 47);

  // Inside a skipped output too, and for overlong forms and encoded surrogates.
  CHECK(parse("{\"nbformat\": 4, \"cells\": [], \"metadata\": {\"x\": \"\xc0\xaf\"}}").error);
  CHECK(parse("{\"nbformat\": 4, \"cells\": [], \"metadata\": {\"x\": \"\xed\xa0\x80\"}}").error);
  CHECK(parse("{\"nbformat\": 4, \"cells\": [], \"metadata\": {\"x\": \"\xe2\x82\"}}").error);
  // Valid multi-byte text is fine, and columns count characters.
  Notebook ok = parse("{\"nbformat\": 4, \"cells\": [{\"cell_type\": \"code\", \"source\": \"\xe2\x82\xac\\nb\"}]}");
  REQUIRE_FALSE(ok.error);
  REQUIRE(ok.cells[0].lines.size() == 2);
  CHECK(ok.cells[0].lines[1].file_column == 63);
}

TEST_CASE("notebook: 100000 nested brackets give a clean error quickly", "[notebook]") {
  auto t0 = std::chrono::steady_clock::now();
  Notebook a = parse(std::string(100000, '['));
  Notebook b = parse("{\"cells\": " + std::string(100000, '['));
  Notebook c = parse(std::string(50000, '{') + std::string(50000, '}'));
  auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  REQUIRE(a.error);
  CHECK(a.error->message.find("nesting too deep") != std::string::npos);
  CHECK(a.error->line == 1);
  CHECK(a.error->column == 513);
  REQUIRE(b.error);
  CHECK(b.error->message.find("nesting too deep") != std::string::npos);
  CHECK(c.error);
  CHECK(ms < 1000);
  // Within the limit, nesting is fine.
  std::string deep = "{\"nbformat\": 4, \"cells\": [], \"metadata\": " + std::string(500, '[') +
                     std::string(500, ']') + "}";
  CHECK_FALSE(parse(deep).error);
}

TEST_CASE("notebook: the notebook's schema is checked", "[notebook]") {
  SECTION("nbformat 3") {
    Notebook nb = parse("{\n \"nbformat\": 3,\n \"worksheets\": []\n}");
    REQUIRE(nb.error);
    CHECK(nb.error->message == "nbformat 3 is not supported: nbformat 4 is required");
    CHECK(nb.error->line == 2);
    CHECK(nb.error->column == 14);
  }
  SECTION("nbformat missing") {
    Notebook nb = parse("{\"cells\": []}");
    REQUIRE(nb.error);
    CHECK(nb.error->message.find("nbformat") != std::string::npos);
    CHECK(nb.error->line == 1);
  }
  SECTION("nbformat not a number") {
    Notebook nb = parse("{\"cells\": [], \"nbformat\": \"4\"}");
    REQUIRE(nb.error);
    CHECK(nb.error->column == 27);
  }
  SECTION("cells not an array") {
    Notebook nb = parse("{\"nbformat\": 4,\n \"cells\": {}}");
    REQUIRE(nb.error);
    CHECK(nb.error->message == "\"cells\" must be an array, not an object");
    CHECK(nb.error->line == 2);
    CHECK(nb.error->column == 11);
  }
  SECTION("cells missing") {
    Notebook nb = parse("{\"nbformat\": 4}");
    REQUIRE(nb.error);
    CHECK(nb.error->message.find("\"cells\" is missing") != std::string::npos);
  }
  SECTION("a cell that is not an object") {
    Notebook nb = parse("{\"nbformat\": 4, \"cells\": [{\"cell_type\": \"code\", \"source\": []}, 7]}");
    REQUIRE(nb.error);
    CHECK(nb.error->message == "cell 2 is not an object (it is a number)");
    CHECK(nb.error->column == 64);
  }
  SECTION("source neither string nor list") {
    Notebook nb = parse("{\"nbformat\": 4, \"cells\": [{\"cell_type\": \"code\", \"source\": 5}]}");
    REQUIRE(nb.error);
    CHECK(nb.error->message.find("cell 1: \"source\" must be a string or a list of strings") == 0);
    CHECK(nb.error->column == 59);
    Notebook nb2 = parse("{\"nbformat\": 4, \"cells\": [{\"cell_type\": \"code\", \"source\": [\"a\", null]}]}");
    REQUIRE(nb2.error);
  }
  SECTION("top level not an object") {
    Notebook nb = parse("[1, 2]");
    REQUIRE(nb.error);
    CHECK(nb.error->message.find("not a JSON object") != std::string::npos);
  }
  SECTION("a JSON error wins over a schema error that comes before it") {
    Notebook nb = parse("{\"nbformat\": 3, \"cells\": [}");
    REQUIRE(nb.error);
    CHECK(nb.error->message.find("expected a JSON value") != std::string::npos);
  }
}

TEST_CASE("notebook: outputs are skipped without affecting cells", "[notebook]") {
  std::string big(2'000'000, 'x');
  std::string text = "{\"nbformat\": 4, \"cells\": [{\"cell_type\": \"code\", \"outputs\": [{\"text\": [\"" +
                     big + "\"], \"cells\": [{\"cell_type\": \"markdown\"}]}], \"source\": [\"print(1)\"]}]}";
  Notebook nb = parse(text);
  REQUIRE_FALSE(nb.error);
  REQUIRE(nb.cells.size() == 1);
  CHECK(nb.cells[0].type == CellType::Code);
  REQUIRE(nb.cells[0].lines.size() == 1);
  CHECK(nb.cells[0].lines[0].text == "print(1)");
}

TEST_CASE("corpus: every notebook and config parses as truth.jsonl says", "[notebook][config][corpus]") {
  namespace fs = std::filesystem;
  const fs::path corpus = RWKVQ_CORPUS_DIR;
  if (!fs::is_directory(corpus)) {
    WARN("corpus not found at " << corpus << ": skipped");
    return;
  }
  std::map<std::string, bool> valid;  // dir -> valid_json
  {
    std::ifstream in(corpus / "truth.jsonl");
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      auto j = nlohmann::json::parse(line);
      valid[j.at("dir").get<std::string>()] = j.at("valid_json").get<bool>();
    }
  }
  REQUIRE(!valid.empty());
  auto slurp = [](const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  std::vector<std::pair<std::string, std::string>> files;
  std::vector<std::pair<std::string, std::string>> yamls;
  for (const auto& d : fs::directory_iterator(corpus)) {
    if (!d.is_directory()) continue;
    for (const auto& f : fs::directory_iterator(d.path())) {
      auto ext = f.path().extension();
      std::string rel = d.path().filename().string() + "/" + f.path().filename().string();
      if (ext == ".ipynb") files.emplace_back(rel, slurp(f.path()));
      if (ext == ".yaml" || ext == ".yml") yamls.emplace_back(rel, slurp(f.path()));
    }
  }
  REQUIRE(files.size() > 100);

  std::size_t bytes = 0, invalid = 0, expected_invalid = 0, cells = 0;
  auto t0 = std::chrono::steady_clock::now();
  std::vector<Notebook> nbs;
  for (const auto& [rel, text] : files) {
    bytes += text.size();
    nbs.push_back(parse_notebook(rel, text));
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (std::size_t i = 0; i < files.size(); ++i) {
    const std::string& rel = files[i].first;
    const Notebook& nb = nbs[i];
    std::string dir = rel.substr(0, rel.find('/'));
    bool want_valid = valid.count(dir) ? valid[dir] : true;
    if (!want_valid) ++expected_invalid;
    INFO(rel << ": " << (nb.error ? nb.error->message : std::string("ok")));
    if (nb.error) ++invalid;
    CHECK(bool(nb.error) == !want_valid);
    if (want_valid) {
      CHECK(nb.nbformat == 4);
      CHECK(!nb.cells.empty());
      cells += nb.cells.size();
    }
  }
  CHECK(invalid == expected_invalid);
  WARN("parsed " << files.size() << " notebooks (" << bytes / 1e6 << " MB, " << cells
                 << " cells) in " << secs * 1000 << " ms");
#if defined(__SANITIZE_ADDRESS__)
  CHECK(secs < 5.0);
#else
  CHECK(secs < 1.0);
#endif

  std::size_t yaml_errors = 0, training = 0;
  for (const auto& [rel, text] : yamls) {
    ConfigFile cf = parse_config(rel, text);
    INFO(rel << ": " << (cf.error ? cf.error->message : std::string("ok")));
    CHECK_FALSE(cf.error);
    if (cf.error) ++yaml_errors;
    if (cf.is_training_config) {
      ++training;
      CHECK(cf.bad_sections.empty());
    }
  }
  CHECK(training > 0);
  WARN("parsed " << yamls.size() << " configs, " << training << " training configs, "
                 << yaml_errors << " errors");
}
