#include <catch2/catch.hpp>

#include "rules/rule_fixture.h"

using namespace rwkvq;
using namespace rwkvq::test;

TEST_CASE("model/not-provided: a downloaded model is provided", "[rules][model]") {
  auto f = run_rule("model/not-provided", clean_files());
  INFO(describe(f));
  CHECK(f.empty());
}

TEST_CASE("model/not-provided: an initialised model is provided", "[rules][model]") {
  auto cells = clean_cells();
  cells[3].source =
      "!cd \"{TRAINER_DIR}\" && python3 ./init_model.py --n_layer 12 --n_embd 768 --vocab_size world "
      "--skip-if-exists \"../model/L12-D768-world-init.pth\"\n"
      "INIT_MODEL_NAME=\"L12-D768-world-init.pth\"";
  auto f = run_rule("model/not-provided", {{"training-config.yaml", clean_config()}}, cells);
  INFO(describe(f));
  CHECK(f.empty());
}

TEST_CASE("model/not-provided: trains from a file the notebook does not provide", "[rules][model]") {
  auto cells = edit_cells(clean_cells(), "INIT_MODEL_NAME=\"RWKV-5-World-0.1B-v1-20230803-ctx4096.pth\"",
                          "INIT_MODEL_NAME=\"other.pth\"");
  auto f = run_rule("model/not-provided", {{"training-config.yaml", clean_config()}}, cells);
  INFO(describe(f));
  REQUIRE(f.size() == 1);
  CHECK(f[0].severity == Severity::Error);
  CHECK(f[0].loc.cell == 6);  // the --model.load_model override
  CHECK(f[0].message.find("RWKV-5-World-0.1B-v1-20230803-ctx4096.pth") != std::string::npos);
  CHECK(f[0].message.find("../model/other.pth") != std::string::npos);
}

TEST_CASE("model/not-provided: nothing downloaded, YAML load_model", "[rules][model]") {
  auto cells = clean_cells();
  cells[3].source = "# no model here";
  cells = edit_cells(cells, " \\\n        --model.load_model=\"../model/{INIT_MODEL_NAME}\"", "");
  auto f = run_rule("model/not-provided", {{"training-config.yaml", clean_config()}}, cells);
  REQUIRE(f.size() == 1);
  CHECK(f[0].loc.file == "training-config.yaml");
  CHECK(f[0].loc.line == 16);
}

TEST_CASE("model/not-provided: a commented-out download does not count", "[rules][model]") {
  auto cells = clean_cells();
  cells[3].source = "# !cd \"{PROJECT_DIR}/model/\" && wget -nc https://huggingface.co/BlinkDL/rwkv-5-world/resolve/main/RWKV-5-World-0.1B-v1-20230803-ctx4096.pth\n"
                    "INIT_MODEL_NAME=\"RWKV-5-World-0.1B-v1-20230803-ctx4096.pth\"";
  CHECK(run_rule("model/not-provided", {{"training-config.yaml", clean_config()}}, cells).size() == 1);
}

TEST_CASE("model/not-provided: part 2 cannot find part 1's model in model/", "[rules][model]") {
  auto part2 = clean_cells();
  part2[3].source = "# continue from part 1\nINIT_MODEL_NAME=\"alice-shakespeare.pth\"";
  auto files = clean_files();
  files.erase("training-notebook.ipynb");
  files["training-notebook-part1.ipynb"] = notebook_json(clean_cells());
  files["training-notebook-part2.ipynb"] = notebook_json(part2);
  auto f = run_rule("model/not-provided", files);
  INFO(describe(f));
  REQUIRE(f.size() == 1);
  CHECK(f[0].loc.file == "training-notebook-part2.ipynb");
  CHECK(f[0].message.find("part 2 expects model/alice-shakespeare.pth from part 1") != std::string::npos);
  CHECK(f[0].message.find("emptied node") != std::string::npos);

  // Downloading it (what part 1 uploaded) is the fix.
  part2[3].source =
      "!cd \"{PROJECT_DIR}/model/\" && wget -nc https://huggingface.co/alice/shakespeare/resolve/main/alice-shakespeare.pth\n"
      "INIT_MODEL_NAME=\"alice-shakespeare.pth\"";
  files["training-notebook-part2.ipynb"] = notebook_json(part2);
  auto g = run_rule("model/not-provided", files);
  INFO(describe(g));
  CHECK(g.empty());
}

TEST_CASE("model/not-provided: an unresolved model name is info, not an error", "[rules][model]") {
  auto cells = edit_cells(clean_cells(), "INIT_MODEL_NAME=\"RWKV-5-World-0.1B-v1-20230803-ctx4096.pth\"",
                          "INIT_MODEL_NAME=input(\"model? \")");
  auto f = run_rule("model/not-provided", {{"training-config.yaml", clean_config()}}, cells);
  INFO(describe(f));
  REQUIRE(f.size() == 1);
  CHECK(f[0].severity == Severity::Info);
  CHECK(f[0].message.find("could not tell") != std::string::npos);
}

TEST_CASE("model/not-provided: stage 2 trains from stage 1's export", "[rules][model]") {
  auto cells = clean_cells();
  cells.push_back({"code",
                   "!cd \"{TRAINER_DIR}\" && python lightning_trainer.py fit -c \"{NOTEBOOK_DIR}/training-config.yaml\" "
                   "--model.load_model=\"../model/{FILENAME_PREFIX}.pth\""});
  auto f = run_rule("model/not-provided", {{"training-config.yaml", clean_config()}}, cells);
  INFO(describe(f));
  CHECK(f.empty());
}
