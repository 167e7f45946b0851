#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <functional>
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
  CHECK(ms < 5000);  // a hang guard (nesting is capped: the error checks above), not a speed test
  // Within the limit, nesting is fine.
  std::string deep = "{\"nbformat\": 4, \"cells\": [], \"metadata\": " + std::string(500, '[') +
                     std::string(500, ']') + "}";
  CHECK_FALSE(parse(deep).error);
}

TEST_CASE("notebook: the notebook's schema is checked", "[notebook]") {
  SECTION("nbformat 3") {
    Notebook nb = parse("{\n \"nbformat\": 3,\n \"worksheets\": []\n}");
    REQUIRE(nb.error);
    CHECK(nb.error->message ==
          "it is an nbformat 3 notebook: the runner converts older notebooks to version 4 when it runs them, "
          "but rwkvq checks only version 4");
    CHECK(nb.nbformat == 3);
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
  // nbformat 4 schema breaches (notebook/schema), per kind. nbformat 5.5's own validator
  // (nbformat.validate) accepts every version-4 notebook of the corpus (4.2: 52, 4.4: 82, 4.5: 2),
  // so none may be found: a breach here is a false alarm of the reader.
  std::map<std::string, int> schema_kinds_seen;
  std::map<int, int> minors;
  std::size_t with_breach = 0;
  for (const Notebook& nb : nbs) {
    if (nb.error) continue;
    ++minors[nb.nbformat_minor];
    if (!nb.schema.empty()) ++with_breach;
    for (const auto& p : nb.schema) {
      INFO(nb.rel << ": " << p.message);
      schema_kinds_seen[p.kind] += p.count;
    }
  }
  std::string minor_list, kind_list;
  for (const auto& [m, n] : minors) minor_list += " 4." + std::to_string(m) + ": " + std::to_string(n);
  for (const auto& [k, n] : schema_kinds_seen) kind_list += " " + k + " x" + std::to_string(n);
  WARN("nbformat schema: " << with_breach << " notebooks with breaches;" << (kind_list.empty() ? " no breach" : kind_list)
                           << " (minor versions:" << minor_list << ")");
  CHECK(with_breach == 0);
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

// ---- nbformat 4 schema (notebook/schema) ----
namespace {

using nlohmann::json;

// A notebook valid for nbformat 4.<minor>, using every part of the schema that minor has:
// kernelspec and language_info, markdown/code/raw cells with their metadata and attachments,
// outputs of all four types, title/authors (4.2+), jupyter metadata (4.3+), execution metadata
// (4.4+), ids (4.5).
json valid_nb(int minor) {
  json md = {{"cell_type", "markdown"}, {"metadata", {{"name", "intro"}, {"tags", {"a", "b"}}}},
             {"source", {"# Title\n", "text"}}};
  md["attachments"] = {{"img.png", {{"image/png", "iVBORw0KGgo="}, {"text/plain", {"x"}}}}};
  json code_meta = {{"collapsed", false}, {"scrolled", "auto"}};
  if (minor >= 3) {
    code_meta["jupyter"] = {{"source_hidden", false}, {"outputs_hidden", true}};
    md["metadata"]["jupyter"] = {{"source_hidden", true}};
  }
  if (minor >= 4) {
    code_meta["execution"] = {{"iopub.status.busy", "2024-01-01T00:00:00.000Z"}};
  }
  json outputs = json::array();
  outputs.push_back({{"name", "stdout"}, {"output_type", "stream"}, {"text", {"hello\n", "world\n"}}});
  outputs.push_back({{"data", {{"text/plain", "1"}, {"application/json", {{"a", 1}}}}},
                     {"execution_count", 1}, {"metadata", json::object()}, {"output_type", "execute_result"}});
  outputs.push_back({{"data", {{"image/png", "iVBORw0KGgo="}}}, {"metadata", {{"needs_background", "light"}}},
                     {"output_type", "display_data"}});
  outputs.push_back({{"ename", "ValueError"}, {"evalue", "bad"}, {"output_type", "error"},
                     {"traceback", {"line 1", "line 2"}}});
  json code = {{"cell_type", "code"}, {"execution_count", 1}, {"metadata", code_meta},
               {"outputs", outputs}, {"source", "x = 1\nprint(x)"}};
  json code2 = {{"cell_type", "code"}, {"execution_count", nullptr}, {"metadata", json::object()},
                {"outputs", json::array()}, {"source", json::array()}};
  json raw = {{"cell_type", "raw"}, {"metadata", {{"format", "text/plain"}}}, {"source", ""}};
  json cells = {md, code, code2, raw};
  if (minor >= 5) {
    int i = 0;
    for (auto& c : cells) c["id"] = "cell-" + std::to_string(i++) + "_X";
  }
  json meta = {{"kernelspec", {{"display_name", "Python 3"}, {"language", "python"}, {"name", "python3"}}},
               {"language_info", {{"codemirror_mode", {{"name", "ipython"}, {"version", 3}}},
                                  {"file_extension", ".py"}, {"mimetype", "text/x-python"},
                                  {"name", "python"}, {"pygments_lexer", "ipython3"}}},
               {"orig_nbformat", 3}, {"colab", {{"provenance", json::array()}}}};
  if (minor >= 2) {
    meta["title"] = "A notebook";
    meta["authors"] = {{{"name", "Alice"}}};
  }
  return {{"cells", cells}, {"metadata", meta}, {"nbformat", 4}, {"nbformat_minor", minor}};
}

std::map<std::string, int> schema_kinds(const Notebook& nb) {
  std::map<std::string, int> out;
  for (const auto& p : nb.schema) out[p.kind] += p.count;
  return out;
}

std::string show(const std::map<std::string, int>& kinds) {
  std::string s;
  for (const auto& [k, n] : kinds) s += k + " x" + std::to_string(n) + "; ";
  return s.empty() ? "(none)" : s;
}

// When RWKVQ_SCHEMA_CASES names a folder, every case notebook is written there too, with the
// kinds rwkvq found, so that scripts/… can compare them with nbformat's own validator.
void dump_case(const std::string& name, const std::string& text, const Notebook& nb) {
  const char* dir = std::getenv("RWKVQ_SCHEMA_CASES");
  if (!dir) return;
  std::ofstream(std::string(dir) + "/" + name + ".ipynb", std::ios::binary) << text;
  std::ofstream(std::string(dir) + "/" + name + ".kinds") << show(schema_kinds(nb)) << "\n";
}

Notebook parse_json(const json& j, const std::string& name) {
  std::string text = j.dump(1);
  Notebook nb = parse(text);
  dump_case(name, text, nb);
  return nb;
}

}  // namespace

TEST_CASE("notebook schema: a valid notebook of each minor version 4.0-4.5 has no breach", "[notebook][schema]") {
  for (int minor = 0; minor <= 5; ++minor) {
    INFO("nbformat 4." << minor);
    Notebook nb = parse_json(valid_nb(minor), "valid-4." + std::to_string(minor));
    REQUIRE_FALSE(nb.error);
    CHECK(nb.nbformat_minor == minor);
    INFO(show(schema_kinds(nb)));
    CHECK(nb.schema.empty());
  }
  // The fixture notebook really uses the version-dependent parts: each is a breach one minor earlier.
  CHECK(schema_kinds(parse_json([] { auto j = valid_nb(4); j["nbformat_minor"] = 3; return j; }(), "execution-in-4.3")) ==
        std::map<std::string, int>{});  // before 4.4 metadata.execution is free: no breach either
  CHECK(schema_kinds(parse_json([] { auto j = valid_nb(5); j["nbformat_minor"] = 4; return j; }(), "ids-in-4.4")) ==
        std::map<std::string, int>{{"cells[#].id:before-4.5", 4}});
  CHECK(schema_kinds(parse_json([] { auto j = valid_nb(4); j["nbformat_minor"] = 5; return j; }(), "no-ids-in-4.5")) ==
        std::map<std::string, int>{{"cells[#].id:missing", 4}});
}

TEST_CASE("notebook schema: each kind of breach is found, alone", "[notebook][schema]") {
  struct Case {
    std::string name;
    int minor;
    std::function<void(json&)> edit;
    std::string kind;  // "" = no breach (the edit is allowed at that minor)
    int count = 1;
  };
  auto cell = [](json& j, int i) -> json& { return j["cells"][static_cast<std::size_t>(i)]; };
  auto out = [&](json& j, int k) -> json& { return cell(j, 1)["outputs"][static_cast<std::size_t>(k)]; };
  const std::vector<Case> cases = {
      // top level
      {"root-no-metadata", 4, [](json& j) { j.erase("metadata"); }, "metadata:missing"},
      {"root-metadata-array", 4, [](json& j) { j["metadata"] = json::array(); }, "metadata:type"},
      {"root-no-minor", 0, [](json& j) { j.erase("nbformat_minor"); }, "nbformat_minor:missing"},
      {"root-minor-string", 0, [](json& j) { j["nbformat_minor"] = "4"; }, "nbformat_minor:type"},
      {"root-minor-float", 0, [](json& j) { j["nbformat_minor"] = 4.0; }, "nbformat_minor:type"},
      {"root-minor-negative", 0, [](json& j) { j["nbformat_minor"] = -1; }, "nbformat_minor:minimum"},
      {"root-unknown-key", 4, [](json& j) { j["worksheets"] = json::array(); }, "worksheets:unexpected"},
      {"kernelspec-no-display-name", 4, [](json& j) { j["metadata"]["kernelspec"].erase("display_name"); },
       "metadata.kernelspec.display_name:missing"},
      {"kernelspec-name-number", 4, [](json& j) { j["metadata"]["kernelspec"]["name"] = 3; },
       "metadata.kernelspec.name:type"},
      {"kernelspec-string", 4, [](json& j) { j["metadata"]["kernelspec"] = "python3"; }, "metadata.kernelspec:type"},
      {"language-info-no-name", 4, [](json& j) { j["metadata"]["language_info"].erase("name"); },
       "metadata.language_info.name:missing"},
      {"codemirror-mode-number", 4, [](json& j) { j["metadata"]["language_info"]["codemirror_mode"] = 3; },
       "metadata.language_info.codemirror_mode:type"},
      {"orig-nbformat-zero", 4, [](json& j) { j["metadata"]["orig_nbformat"] = 0; }, "metadata.orig_nbformat:minimum"},
      {"title-number-4.2", 2, [](json& j) { j["metadata"]["title"] = 1; }, "metadata.title:type"},
      {"title-number-4.1", 1, [](json& j) { j["metadata"]["title"] = 1; }, ""},
      {"authors-object-4.3", 3, [](json& j) { j["metadata"]["authors"] = json::object(); }, "metadata.authors:type"},
      // cells
      {"cell-no-metadata", 4, [&](json& j) { for (auto& c : j["cells"]) c.erase("metadata"); },
       "cells[#].metadata:missing", 4},
      {"cell-metadata-array", 4, [&](json& j) { cell(j, 0)["metadata"] = json::array(); }, "cells[#].metadata:type"},
      {"cell-no-source", 4, [&](json& j) { cell(j, 3).erase("source"); }, "cells[#].source:missing"},
      {"cell-no-cell-type", 4, [&](json& j) { cell(j, 3).erase("cell_type"); }, "cells[#].cell_type:missing"},
      {"cell-type-heading", 4, [&](json& j) { cell(j, 0)["cell_type"] = "heading"; }, "cells[#].cell_type:value"},
      {"cell-unknown-key", 4, [&](json& j) { cell(j, 1)["prompt_number"] = 1; }, "cells[#].prompt_number:unexpected"},
      {"markdown-outputs", 4, [&](json& j) { cell(j, 0)["outputs"] = json::array(); }, "cells[#].outputs:unexpected"},
      {"raw-execution-count", 4, [&](json& j) { cell(j, 3)["execution_count"] = 1; },
       "cells[#].execution_count:unexpected"},
      {"code-no-outputs", 4, [&](json& j) { cell(j, 2).erase("outputs"); }, "cells[#].outputs:missing"},
      {"code-no-execution-count", 4, [&](json& j) { cell(j, 2).erase("execution_count"); },
       "cells[#].execution_count:missing"},
      {"execution-count-string", 4, [&](json& j) { cell(j, 1)["execution_count"] = "1"; },
       "cells[#].execution_count:type"},
      {"execution-count-float", 4, [&](json& j) { cell(j, 1)["execution_count"] = 1.5; },
       "cells[#].execution_count:type"},
      {"execution-count-negative", 4, [&](json& j) { cell(j, 1)["execution_count"] = -1; },
       "cells[#].execution_count:minimum"},
      {"code-attachments", 4, [&](json& j) { cell(j, 1)["attachments"] = json::object(); },
       "cells[#].attachments:unexpected"},
      {"markdown-attachments-4.0", 0, [&](json& j) { cell(j, 0)["attachments"] = json::object(); }, ""},
      {"attachments-array", 4, [&](json& j) { cell(j, 0)["attachments"] = json::array(); },
       "cells[#].attachments:type"},
      {"attachment-string", 4, [&](json& j) { cell(j, 0)["attachments"]["img.png"] = "x"; },
       "cells[#].attachments[@a]:type"},
      {"attachment-value-number", 4, [&](json& j) { cell(j, 0)["attachments"]["img.png"]["image/png"] = 1; },
       "cells[#].attachments[@a][@m]:type"},
      // cell metadata
      {"name-empty", 4, [&](json& j) { cell(j, 0)["metadata"]["name"] = ""; }, "cells[#].metadata.name:pattern"},
      {"name-number", 4, [&](json& j) { cell(j, 0)["metadata"]["name"] = 1; }, "cells[#].metadata.name:type"},
      {"tags-comma", 4, [&](json& j) { cell(j, 0)["metadata"]["tags"] = {"a,b"}; },
       "cells[#].metadata.tags[*]:pattern"},
      {"tags-duplicate", 4, [&](json& j) { cell(j, 0)["metadata"]["tags"] = {"a", "a"}; },
       "cells[#].metadata.tags[*]:duplicate"},
      {"tags-string", 4, [&](json& j) { cell(j, 0)["metadata"]["tags"] = "a"; }, "cells[#].metadata.tags:type"},
      {"tags-number-item", 4, [&](json& j) { cell(j, 0)["metadata"]["tags"] = {1}; },
       "cells[#].metadata.tags[*]:type"},
      {"collapsed-string", 4, [&](json& j) { cell(j, 1)["metadata"]["collapsed"] = "yes"; },
       "cells[#].metadata.collapsed:type"},
      {"collapsed-string-markdown", 4, [&](json& j) { cell(j, 0)["metadata"]["collapsed"] = "yes"; }, ""},
      {"scrolled-maybe", 4, [&](json& j) { cell(j, 1)["metadata"]["scrolled"] = "maybe"; },
       "cells[#].metadata.scrolled:value"},
      {"raw-format-number", 4, [&](json& j) { cell(j, 3)["metadata"]["format"] = 1; },
       "cells[#].metadata.format:type"},
      {"code-format-number", 4, [&](json& j) { cell(j, 1)["metadata"]["format"] = 1; }, ""},
      {"jupyter-string-4.3", 3, [&](json& j) { cell(j, 0)["metadata"]["jupyter"] = "x"; },
       "cells[#].metadata.jupyter:type"},
      {"jupyter-string-4.2", 2, [&](json& j) { cell(j, 0)["metadata"]["jupyter"] = "x"; }, ""},
      {"execution-string-4.4", 4, [&](json& j) { cell(j, 1)["metadata"]["execution"] = "x"; },
       "cells[#].metadata.execution:type"},
      {"execution-string-4.3", 3, [&](json& j) { cell(j, 1)["metadata"]["execution"] = "x"; }, ""},
      {"source-hidden-string-4.5", 5, [&](json& j) { cell(j, 1)["metadata"]["jupyter"]["source_hidden"] = "x"; },
       "cells[#].metadata.jupyter.source_hidden:type"},
      {"source-hidden-string-4.4", 4, [&](json& j) { cell(j, 1)["metadata"]["jupyter"]["source_hidden"] = "x"; },
       ""},
      {"execution-value-number", 4, [&](json& j) { cell(j, 1)["metadata"]["execution"]["x"] = 1; },
       "cells[#].metadata.execution[@k]:type"},
      // outputs
      {"outputs-object", 4, [&](json& j) { cell(j, 1)["outputs"] = json::object(); }, "cells[#].outputs:type"},
      {"output-string", 4, [&](json& j) { cell(j, 1)["outputs"].push_back("x"); }, "cells[#].outputs[#]:type"},
      {"output-no-type", 4, [&](json& j) { out(j, 0).erase("output_type"); }, "cells[#].outputs[#].output_type:missing"},
      {"output-type-pyout", 4, [&](json& j) { out(j, 1)["output_type"] = "pyout"; },
       "cells[#].outputs[#].output_type:value"},
      {"stream-no-text", 4, [&](json& j) { out(j, 0).erase("text"); }, "cells[#].outputs[#].text:missing"},
      {"stream-with-data", 4, [&](json& j) { out(j, 0)["data"] = json::object(); }, "cells[#].outputs[#].data:unexpected"},
      {"stream-text-number", 4, [&](json& j) { out(j, 0)["text"] = 1; }, "cells[#].outputs[#].text:type"},
      {"stream-text-item-null", 4, [&](json& j) { out(j, 0)["text"] = {"a", nullptr}; },
       "cells[#].outputs[#].text[*]:type"},
      {"result-no-execution-count", 4, [&](json& j) { out(j, 1).erase("execution_count"); },
       "cells[#].outputs[#].execution_count:missing"},
      {"display-with-execution-count", 4, [&](json& j) { out(j, 2)["execution_count"] = 1; },
       "cells[#].outputs[#].execution_count:unexpected"},
      {"output-unknown-key", 4, [&](json& j) { out(j, 2)["transient"] = json::object(); },
       "cells[#].outputs[#].transient:unexpected"},
      {"output-metadata-array", 4, [&](json& j) { out(j, 2)["metadata"] = json::array(); },
       "cells[#].outputs[#].metadata:type"},
      {"error-traceback-string", 4, [&](json& j) { out(j, 3)["traceback"] = "x"; },
       "cells[#].outputs[#].traceback:type"},
      {"error-evalue-null", 4, [&](json& j) { out(j, 3)["evalue"] = nullptr; }, "cells[#].outputs[#].evalue:type"},
      {"data-text-number", 4, [&](json& j) { out(j, 1)["data"]["text/plain"] = 1; },
       "cells[#].outputs[#].data[@m]:type"},
      {"data-json-string", 1, [&](json& j) { out(j, 1)["data"]["application/json"] = "x"; }, ""},
      {"data-any-key", 1, [&](json& j) { out(j, 1)["data"]["not a mime"] = "x"; }, ""},
      {"data-vnd-json-object-4.4", 4, [&](json& j) { out(j, 1)["data"]["application/vnd.x+json"] = {{"a", 1}}; }, ""},
      // 4.5 cell ids
      {"id-missing", 5, [&](json& j) { cell(j, 2).erase("id"); }, "cells[#].id:missing"},
      {"id-pattern", 5, [&](json& j) { cell(j, 2)["id"] = "a b"; }, "cells[#].id:pattern"},
      {"id-too-long", 5, [&](json& j) { cell(j, 2)["id"] = std::string(65, 'a'); }, "cells[#].id:length"},
      {"id-empty", 5, [&](json& j) { cell(j, 2)["id"] = ""; }, "cells[#].id:length"},
      {"id-number", 5, [&](json& j) { cell(j, 2)["id"] = 7; }, "cells[#].id:type"},
      {"id-duplicate", 5, [&](json& j) { cell(j, 3)["id"] = cell(j, 0)["id"]; }, "cells[#].id:duplicate"},
      {"id-in-4.4", 4, [&](json& j) { cell(j, 2)["id"] = "abc"; }, "cells[#].id:before-4.5"},
      // a minor newer than 4.5: judged as 4.5 with unknown keys allowed, as nbformat does
      {"minor-6-unknown-key", 6, [&](json& j) { cell(j, 1)["future"] = 1; j["future"] = 1; }, ""},
      {"minor-6-no-metadata", 6, [&](json& j) { cell(j, 1).erase("metadata"); }, "cells[#].metadata:missing"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    json j = valid_nb(std::min(c.minor, 5));
    j["nbformat_minor"] = c.minor;
    c.edit(j);
    Notebook nb = parse_json(j, c.name);
    REQUIRE_FALSE(nb.error);
    std::map<std::string, int> want;
    if (!c.kind.empty()) want[c.kind] = c.count;
    INFO("found: " << show(schema_kinds(nb)));
    CHECK(schema_kinds(nb) == want);
  }
}

TEST_CASE("notebook schema: path, position and count of a repeated breach", "[notebook][schema]") {
  // Line numbers in the comments are the file's lines.
  const std::string text = R"JSON({
 "cells": [
  {
   "cell_type": "markdown",
   "source": "# a"
  },
  {"cell_type": "markdown", "metadata": {}, "source": "b"},
  {"cell_type": "code", "source": "", "outputs": [], "execution_count": null},
  {"cell_type": "code", "metadata": {}, "source": "", "execution_count": "3",
   "outputs": [{"output_type": "stream", "name": "stdout"}]}
 ],
 "metadata": {},
 "nbformat": 4,
 "nbformat_minor": 4
}
)JSON";
  Notebook nb = parse(text);
  REQUIRE_FALSE(nb.error);
  std::map<std::string, const SchemaProblem*> by;
  for (const auto& p : nb.schema) by[p.kind] = &p;
  INFO(show(schema_kinds(nb)));
  REQUIRE(by.size() == 3);
  const SchemaProblem* meta = by["cells[#].metadata:missing"];
  REQUIRE(meta);
  CHECK(meta->count == 2);
  CHECK(meta->path == "cells[0].metadata");
  CHECK(meta->cell == 1);
  CHECK(meta->line == 3);  // the cell object's '{'
  CHECK(meta->column == 3);
  CHECK(meta->message.rfind("cells[0].metadata is missing", 0) == 0);
  CHECK_FALSE(meta->fix.empty());
  const SchemaProblem* ec = by["cells[#].execution_count:type"];
  REQUIRE(ec);
  CHECK(ec->path == "cells[3].execution_count");
  CHECK(ec->cell == 4);
  CHECK(ec->line == 9);
  CHECK(ec->column == 74);  // the value "3"
  CHECK(ec->count == 1);
  const SchemaProblem* text_missing = by["cells[#].outputs[#].text:missing"];
  REQUIRE(text_missing);
  CHECK(text_missing->path == "cells[3].outputs[0].text");
  CHECK(text_missing->line == 10);
  CHECK(text_missing->column == 16);
}

TEST_CASE("notebook schema: not judged when the notebook is unreadable or not version 4", "[notebook][schema]") {
  CHECK(parse("{\"nbformat\": 3, \"worksheets\": [], \"x\": 1}").schema.empty());
  CHECK(parse("{\"nbformat\": 4, \"cells\": 1}").schema.empty());
  CHECK(parse("{\"nbformat\": 4, \"cells\": [").schema.empty());
}

TEST_CASE("notebook schema: many kinds stay bounded", "[notebook][schema]") {
  json j = valid_nb(4);
  for (int i = 0; i < 300; ++i) j["cells"][1]["k" + std::to_string(i)] = i;  // 300 unknown keys
  Notebook nb = parse(j.dump());
  REQUIRE_FALSE(nb.error);
  // At most 100 kinds are kept (a kind judged only at the end, like a 4.5 notebook's missing ids,
  // takes a place too); the rest are counted in one "other" problem.
  CHECK(nb.schema.size() <= 101);
  CHECK(nb.schema.size() >= 99);
  CHECK(nb.schema.back().kind == "other");
  CHECK(nb.schema.back().count >= 200);
  int total = 0;
  for (const auto& p : nb.schema) total += p.count;
  CHECK(total == 300);
}
