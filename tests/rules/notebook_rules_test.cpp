#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "rules/rule_fixture.h"

using namespace rwkvq;
using namespace rwkvq::test;

TEST_CASE("notebook/invalid: the JSON error's line and column", "[rules][notebook]") {
  CHECK(run_rule("notebook/invalid", clean_files()).empty());
  auto f = run_rule("notebook/invalid", {{"training-notebook.ipynb", "{\n  \"cells\": [\n    {\"cell_type\": }\n"}});
  REQUIRE(f.size() == 1);
  CHECK(f[0].severity == Severity::Error);
  CHECK(f[0].loc.file == "training-notebook.ipynb");
  CHECK(f[0].loc.line == 3);
  CHECK(f[0].loc.column > 0);
}

TEST_CASE("notebook/discord-handle: accepted spellings", "[rules][notebook]") {
  const std::vector<std::string> ok = {
      "Your Discord handle: @alice_42", "Discord: alice", "discord - bob.smith", "Contact me on Discord @carol",
      "**Discord handle:** `dave#1234`", "My discord username is erin_x"};
  for (const auto& line : ok) {
    INFO(line);
    auto cells = edit_cells(clean_cells(), "Your Discord handle: @alice_42", line);
    CHECK(run_rule("notebook/discord-handle", {{"training-config.yaml", clean_config()}}, cells).empty());
  }
}

TEST_CASE("notebook/discord-handle: missing or placeholder", "[rules][notebook]") {
  SECTION("placeholder, at its exact position") {
    auto cells = edit_cells(clean_cells(), "@alice_42", "@your-discord-handle");
    auto f = run_rule("notebook/discord-handle", {}, cells);
    REQUIRE(f.size() == 1);
    CHECK(f[0].message.find("placeholder") != std::string::npos);
    CHECK(f[0].loc.cell == 1);
    CHECK(f[0].loc.cell_line == 5);
    CHECK(f[0].loc.line > 0);
  }
  SECTION("no handle at all") {
    auto cells = edit_cells(clean_cells(), "Your Discord handle: @alice_42", "Join our Discord server for news");
    auto f = run_rule("notebook/discord-handle", {}, cells);
    REQUIRE(f.size() == 1);
    CHECK(f[0].loc.cell == 1);
  }
  SECTION("an empty handle") {
    auto cells = edit_cells(clean_cells(), "Your Discord handle: @alice_42", "Your Discord handle:");
    CHECK(run_rule("notebook/discord-handle", {}, cells).size() == 1);
  }
}

TEST_CASE("notebook/description: title and description", "[rules][notebook]") {
  CHECK(run_rule("notebook/description", clean_files()).empty());
  SECTION("the template's text") {
    auto cells = clean_cells();
    cells[0].source =
        "# Example title of your finetune / training project\n\nDescribe your project here in overall\n\n"
        "Modify the `training-config.yaml` according to your use case\n\nYour Discord handle: @alice";
    auto f = run_rule("notebook/description", {}, cells);
    REQUIRE(f.size() == 1);
    CHECK(f[0].loc.cell == 1);
    CHECK(f[0].loc.cell_line == 1);
    CHECK(f[0].message.find("template") != std::string::npos);
  }
  SECTION("a title but no description") {
    auto cells = clean_cells();
    cells[0].source = "# My run\n\nYour Discord handle: @alice";
    auto f = run_rule("notebook/description", {}, cells);
    REQUIRE(f.size() == 1);
    CHECK(f[0].message.find("description") != std::string::npos);
  }
  SECTION("no title") {
    auto cells = clean_cells();
    cells[0].source = "Trains a model on poems.\n\nDiscord: alice";
    CHECK(run_rule("notebook/description", {}, cells).size() == 1);
  }
  SECTION("no markdown at all") {
    auto cells = clean_cells();
    cells.erase(cells.begin());
    CHECK(run_rule("notebook/description", {}, cells).size() == 1);
  }
}

TEST_CASE("notebook/template-leftover: the example PROJECT_PREFIX and placeholder model", "[rules][notebook]") {
  CHECK(run_rule("notebook/template-leftover", clean_files()).empty());
  auto cells = edit_cells(clean_cells(), "PROJECT_PREFIX=\"alice-shakespeare\"",
                          "PROJECT_PREFIX=\"userhandle-example-finetune-proj\"");
  auto f = run_rule("notebook/template-leftover", {{"training-config.yaml", clean_config()}}, cells);
  REQUIRE(f.size() == 1);
  CHECK(f[0].severity == Severity::Warning);
  CHECK(f[0].loc.cell == 2);
  CHECK(f[0].loc.cell_line == 1);
  CHECK(f[0].message.find("PROJECT_PREFIX") != std::string::npos);

  // The config's placeholder model counts only when the run really starts from it.
  std::string cfg = replace_all(clean_config(), "../model/RWKV-5-World-0.1B-v1-20230803-ctx4096.pth",
                                "../model/model-to-finetune.pth");
  CHECK(run_rule("notebook/template-leftover", {{"training-config.yaml", cfg}}, clean_cells()).empty());
  auto no_override = edit_cells(clean_cells(), " \\\n        --model.load_model=\"../model/{INIT_MODEL_NAME}\"", "");
  auto g = run_rule("notebook/template-leftover", {{"training-config.yaml", cfg}}, no_override);
  REQUIRE(g.size() == 1);
  CHECK(g[0].loc.file == "training-config.yaml");
  CHECK(g[0].loc.line == 16);
}

TEST_CASE("notebook/description: a description in the next markdown cell counts", "[rules][notebook]") {
  auto cells = clean_cells();
  cells[0].source = "# Poems in Welsh\n\nDiscord: alice";
  cells.insert(cells.begin() + 1, NbCell{"markdown", "Finetunes the 1B5 World model on Welsh poetry from the public domain."});
  CHECK(run_rule("notebook/description", {{"training-config.yaml", clean_config()}}, cells).empty());
}

TEST_CASE("notebook/discord-handle: a huge markdown line is handled quickly", "[rules][notebook]") {
  auto cells = clean_cells();
  cells[0].source = "# Big\n\nSome text.\n\nDiscord: " + std::string(200000, 'a') + "\n";
  auto f = run_rule("notebook/discord-handle", {}, cells);
  CHECK(f.empty());  // "Discord: aaaa…" names a (long) handle
  cells[0].source = "# Big\n\nSome text about discord " + std::string(200000, ' ') + "x\n";
  CHECK(run_rule("notebook/discord-handle", {}, cells).size() == 1);
}

TEST_CASE("notebook/schema: a clean notebook has no finding", "[rules][notebook]") {
  CHECK(run_rule("notebook/schema", clean_files()).empty());
}

TEST_CASE("notebook/schema: one finding per kind, with the JSON path, position and count", "[rules][notebook]") {
  auto files = clean_files();
  std::string& nb = files["training-notebook.ipynb"];
  // Every cell loses its metadata.
  auto j = nlohmann::json::parse(nb);
  for (auto& c : j["cells"]) c.erase("metadata");
  nb = j.dump(1);
  auto f = run_rule("notebook/schema", files);
  REQUIRE(f.size() == 1);
  CHECK(f[0].severity == Severity::Warning);
  CHECK(f[0].loc.file == "training-notebook.ipynb");
  CHECK(f[0].loc.cell == 1);
  CHECK(f[0].loc.line > 0);
  CHECK(f[0].loc.column > 0);
  CHECK(f[0].message.find("nbformat 4.5 schema: cells[0].metadata is missing") != std::string::npos);
  CHECK(f[0].message.find(std::to_string(clean_cells().size()) + " places of this kind") != std::string::npos);
  CHECK(f[0].hint.find("\"metadata\": {}") != std::string::npos);

  nb = replace_all(nb, "\"execution_count\": null", "\"execution_count\": \"1\"");
  f = run_rule("notebook/schema", files);
  REQUIRE(f.size() == 2);
  CHECK(mentions(f, "cells[1].execution_count must be an integer >= 0 or null, not a string"));
}

TEST_CASE("notebook/schema: an nbformat 4.4 notebook with cell ids", "[rules][notebook]") {
  auto files = clean_files();
  std::string& nb = files["training-notebook.ipynb"];
  nb = replace_all(nb, "\"nbformat_minor\": 5", "\"nbformat_minor\": 4");
  auto f = run_rule("notebook/schema", files);
  REQUIRE(f.size() == 1);
  CHECK(f[0].message.find(std::to_string(clean_cells().size()) + " places of this kind") != std::string::npos);
  CHECK(f[0].message.find("nbformat 4.4 schema: cells[0].id is not allowed: cell ids came with nbformat 4.5") !=
        std::string::npos);
  CHECK(f[0].hint.find("nbformat_minor to 5") != std::string::npos);
}

TEST_CASE("notebook/schema: an unreadable notebook is left to notebook/invalid", "[rules][notebook]") {
  CHECK(run_rule("notebook/schema", {{"training-notebook.ipynb", "{\"nbformat\": 4, \"cells\": 3}"}}).empty());
}

TEST_CASE("notebook/invalid: an nbformat 3 notebook says how to save it as version 4", "[rules][notebook]") {
  auto f = run_rule("notebook/invalid", {{"training-notebook.ipynb", "{\"nbformat\": 3, \"nbformat_minor\": 0, "
                                                                     "\"worksheets\": [], \"metadata\": {}}"}});
  REQUIRE(f.size() == 1);
  CHECK(f[0].message.find("nbformat 3 notebook: the runner converts older notebooks to version 4") != std::string::npos);
  CHECK(f[0].message.find("rwkvq checks only version 4") != std::string::npos);
  CHECK(f[0].hint.find("jupyter nbconvert --to notebook --nbformat 4 --inplace training-notebook.ipynb") !=
        std::string::npos);
  // Version 5 is not "older": no conversion advice.
  f = run_rule("notebook/invalid", {{"training-notebook.ipynb", "{\"nbformat\": 5, \"cells\": []}"}});
  REQUIRE(f.size() == 1);
  CHECK(f[0].hint.find("nbconvert") == std::string::npos);
}
