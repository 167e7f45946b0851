// Wording across rules: no position is printed when there is none, one YAML value used by
// several training runs is reported once, file and cell references name the right file.
#include <catch2/catch.hpp>

#include "estimate/request_builder.h"
#include "rules/rule_fixture.h"
#include "rules/rule_helpers.h"
#include "rwkvq/estimate/estimate.h"
#include "rwkvq/estimate/params.h"
#include "rwkvq/rules/rule.h"

using namespace rwkvq;
using namespace rwkvq::test;

namespace {

std::vector<Finding> check_rule(std::string_view id, const Request& req) {
  const Rule* rule = find_rule(id);
  REQUIRE(rule != nullptr);
  RuleContext ctx{default_settings(), nullptr, std::nullopt};
  std::vector<Finding> out;
  rule->check(req, ctx, out);
  return out;
}

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("notebook/invalid and config/invalid: no 'line 0, column 0' without a position", "[rules][messages]") {
  RequestFixture fx(clean_files());
  Request req = fx.load();
  REQUIRE(req.notebooks.size() == 1);
  REQUIRE(req.configs.size() == 1);
  // What load_request records when the file is readable but could not be read in full (its
  // size is over the limit): an error without a position.
  req.notebooks[0].notebook.error = ParseError{0, 0, "cannot read the file: is larger than 67108864 bytes"};
  req.notebooks[0].notebook.cells.clear();
  req.configs[0].error = ParseError{0, 0, "cannot read the file: is larger than 8388608 bytes"};

  auto n = check_rule("notebook/invalid", req);
  INFO(describe(n));
  REQUIRE(n.size() == 1);
  CHECK(n[0].message == "training-notebook.ipynb could not be read: is larger than 67108864 bytes");
  CHECK(n[0].loc.line == 0);
  CHECK(!has(n[0].hint, "line 0"));
  CHECK(!has(n[0].hint, "column 0"));

  auto c = check_rule("config/invalid", req);
  INFO(describe(c));
  REQUIRE(c.size() == 1);
  CHECK(c[0].message == "training-config.yaml could not be read: is larger than 8388608 bytes");
  CHECK(!has(c[0].hint, "line 0"));
}

TEST_CASE("notebook/invalid and config/invalid: a position is named with its file", "[rules][messages]") {
  auto n = run_rule("notebook/invalid", {{"training-notebook.ipynb", "{\n  \"cells\": [\n    {\"cell_type\": }\n"}});
  REQUIRE(n.size() == 1);
  CHECK(has(n[0].hint, "at line 3, column " + std::to_string(n[0].loc.column) + " of training-notebook.ipynb"));
  auto files = clean_files();
  files["training-config.yaml"] = "trainer:\n  max_steps: [1\n";
  auto c = run_rule("config/invalid", files);
  REQUIRE(c.size() == 1);
  CHECK(c[0].loc.line > 0);
  CHECK(has(c[0].hint, "at line " + std::to_string(c[0].loc.line) + " of training-config.yaml"));
}

TEST_CASE("one YAML value used by several training runs is reported once, naming every run", "[rules][messages]") {
  auto cells = clean_cells();
  cells.insert(cells.begin() + 6, cells[5]);  // train twice with the same config: cells 6 and 7
  auto files = clean_files();
  files["training-notebook.ipynb"] = notebook_json(cells);
  files["training-config.yaml"] = replace_all(clean_config(), "../datapath/alice-shakespeare/", "../data/alice/");
  RequestFixture fx(files);
  auto f = fx.run("paths/datapath");
  INFO(describe(f));
  REQUIRE(f.size() == 1);
  CHECK(f[0].loc.file == "training-config.yaml");
  CHECK(has(f[0].message, "each of the training runs in cells 6 and 7 of training-notebook.ipynb keeps"));

  // An override in each cell is a separate place to fix: one finding per cell.
  auto cells2 = edit_cells(cells, "--trainer.devices=", "--data.data_path=/tmp/data/ --trainer.devices=");
  files["training-notebook.ipynb"] = notebook_json(cells2);
  files["training-config.yaml"] = clean_config();
  RequestFixture fx2(files);
  auto g = fx2.run("paths/datapath");
  INFO(describe(g));
  REQUIRE(g.size() == 2);
  CHECK(has(g[0].message, "the training run in cell "));
  CHECK(g[0].loc.cell != g[1].loc.cell);
}

TEST_CASE("runs_label: one run as is, several per notebook", "[rules][messages]") {
  NotebookProgram a, b;
  a.notebook.rel = "training-notebook-part1.ipynb";
  b.notebook.rel = "training-notebook-part2.ipynb";
  using rules::RunRef;
  CHECK(rules::runs_label({RunRef{"the training run in cell 5, line 2 of x.ipynb", &a, 5}}) ==
        "the training run in cell 5, line 2 of x.ipynb");
  CHECK(rules::runs_label({RunRef{"l1", &a, 5}, RunRef{"l2", &a, 9}, RunRef{"l3", &a, 12}}) ==
        "each of the training runs in cells 5, 9 and 12 of training-notebook-part1.ipynb");
  CHECK(rules::runs_label({RunRef{"l1", &a, 5}, RunRef{"l2", &b, 5}}) ==
        "each of the training runs in cell 5 of training-notebook-part1.ipynb and cell 5 of "
        "training-notebook-part2.ipynb");
  CHECK(rules::runs_label({RunRef{"l1", &a, 5}, RunRef{"l2", &a, 5}}) ==
        "each of the training runs in cell 5 of training-notebook-part1.ipynb");
}

TEST_CASE("model/not-provided: an absolute model path is not repeated in parentheses", "[rules][messages]") {
  auto cells = edit_cells(clean_cells(), "--model.load_model=\"../model/{INIT_MODEL_NAME}\"",
                          "--model.load_model=\"/workspace/models/base.pth\"");
  auto f = run_rule("model/not-provided", {{"training-config.yaml", clean_config()}}, cells);
  INFO(describe(f));
  REQUIRE(f.size() == 1);
  CHECK(has(f[0].message, "the training run in cell 6, line 1 of training-notebook.ipynb starts from "
                          "/workspace/models/base.pth"));
  CHECK(!has(f[0].message, "(/workspace/models/base.pth)"));
  // A relative path still shows where it resolves to.
  auto g = run_rule("model/not-provided", {{"training-config.yaml", clean_config()}},
                    edit_cells(clean_cells(), "--model.load_model=\"../model/{INIT_MODEL_NAME}\"",
                               "--model.load_model=\"../model/other.pth\""));
  INFO(describe(g));
  REQUIRE(g.size() == 1);
  CHECK(has(g[0].message, "starts from ../model/other.pth (model/other.pth)"));
}

TEST_CASE("limits/ rules name the notebook of the training cell", "[rules][messages]") {
  using rwkvq::testing::RequestBuilder;
  RequestBuilder b("training-notebook-part2.ipynb", 2);
  b.init_model(2, 32, 2560, kVocabWorld, "/repo/model/init.pth");
  b.train(3, "../model/init.pth", 4096, "deepspeed_stage_3", 100, 8);
  Settings s = default_settings();
  RequestEstimate est = estimate_request(b.req, s, {});
  RuleContext ctx{s, &est, std::nullopt};
  std::vector<Finding> out;
  find_rule("limits/model-size")->check(b.req, ctx, out);
  INFO(describe(out));
  REQUIRE(out.size() == 1);
  CHECK(has(out[0].message, "the training in cell 3 of training-notebook-part2.ipynb trains"));
}

TEST_CASE("config/unknown-key: an override is named with its notebook, once per part", "[rules][messages]") {
  auto cells = edit_cells(clean_cells(), "--trainer.devices=", "--trainer.device=");
  std::map<std::string, std::string> files = {{"training-config.yaml", clean_config()},
                                              {"training-notebook-part1.ipynb", notebook_json(cells)},
                                              {"training-notebook-part2.ipynb", notebook_json(cells)}};
  auto f = run_rule("config/unknown-key", files);
  INFO(describe(f));
  REQUIRE(f.size() == 2);  // the same cell number in two parts: two places to fix
  CHECK(f[0].loc.file != f[1].loc.file);
  for (const auto& x : f)
    CHECK(has(x.message, "`trainer.device` in the command line in cell 6, line 1 of " + x.loc.file));
}
