#include <catch2/catch.hpp>

#include "rules/rule_fixture.h"

using namespace rwkvq;
using namespace rwkvq::test;

namespace {
const std::string kExport = "\"../model/{FILENAME_PREFIX}.pth\"";
std::vector<Finding> run_with(const std::vector<NbCell>& cells) {
  return run_rule("output/model-folder", {{"training-config.yaml", clean_config()}}, cells);
}
}  // namespace

TEST_CASE("output/model-folder: the clean request exports into model/", "[rules][output]") {
  CHECK(run_rule("output/model-folder", clean_files()).empty());
}

TEST_CASE("output/model-folder: an export elsewhere", "[rules][output]") {
  auto f = run_with(edit_cells(clean_cells(), kExport, "\"../output/{FILENAME_PREFIX}.pth\""));
  INFO(describe(f));
  REQUIRE(f.size() == 1);  // exported elsewhere (which also says nothing reaches model/)
  CHECK(f[0].loc.cell == 7);
  CHECK(f[0].message.find("output/alice-shakespeare.pth") != std::string::npos);
}

TEST_CASE("output/model-folder: a subfolder of model/ is not uploaded", "[rules][output]") {
  auto f = run_with(edit_cells(clean_cells(), kExport, "\"../model/final/{FILENAME_PREFIX}.pth\""));
  REQUIRE(!f.empty());
  CHECK(f[0].message.find("subfolder") != std::string::npos);
}

TEST_CASE("output/model-folder: exported elsewhere then copied into model/", "[rules][output]") {
  auto cells = edit_cells(clean_cells(), kExport, "\"../output/{FILENAME_PREFIX}.pth\"");
  cells.push_back({"code", "!cp \"{PROJECT_DIR}/output/{FILENAME_PREFIX}.pth\" \"{PROJECT_DIR}/model/\""});
  auto f = run_with(cells);
  INFO(describe(f));
  CHECK(f.empty());
}

TEST_CASE("output/model-folder: no export at all", "[rules][output]") {
  auto cells = clean_cells();
  cells.pop_back();
  auto f = run_with(cells);
  REQUIRE(f.size() == 1);
  CHECK(f[0].severity == Severity::Error);
  CHECK(f[0].message.find("never exports") != std::string::npos);
}

TEST_CASE("output/model-folder: only the last part must export", "[rules][output]") {
  auto part1 = clean_cells();
  part1.pop_back();
  auto files = clean_files();
  files.erase("training-notebook.ipynb");
  files["training-notebook-part1.ipynb"] = notebook_json(part1);
  files["training-notebook-part2.ipynb"] = notebook_json(clean_cells());
  CHECK(run_rule("output/model-folder", files).empty());
  std::swap(files["training-notebook-part1.ipynb"], files["training-notebook-part2.ipynb"]);
  auto f = run_rule("output/model-folder", files);
  REQUIRE(f.size() == 1);
  CHECK(f[0].loc.file == "training-notebook-part2.ipynb");
}
