#include <catch2/catch.hpp>

#include "rules/rule_fixture.h"

using namespace rwkvq;
using namespace rwkvq::test;

TEST_CASE("config/invalid: YAML errors and sections of the wrong type", "[rules][config]") {
  CHECK(run_rule("config/invalid", clean_files()).empty());
  SECTION("does not parse") {
    auto f = run_rule("config/invalid", with_config("trainer:\n  max_epochs: 1\n bad: [\n"));
    REQUIRE(f.size() == 1);
    CHECK(f[0].loc.file == "training-config.yaml");
    CHECK(f[0].loc.line > 0);
  }
  SECTION("a section that is not a mapping") {
    auto f = run_rule("config/invalid", with_config("trainer:\n  max_epochs: 1\nmodel: 3\ndata:\n  source: a/b\n"));
    REQUIRE(f.size() == 1);
    CHECK(f[0].loc.line == 3);
    CHECK(f[0].message.find("model") != std::string::npos);
  }
  SECTION("a datapack config is not a training config and needs no sections") {
    auto files = clean_files();
    files["datapack.yaml"] = "datapack:\n  secret: x\ndataset:\n  - source: a/b\n";
    CHECK(run_rule("config/invalid", files).empty());
  }
}

TEST_CASE("config/unknown-key: keys the trainer does not accept", "[rules][config]") {
  CHECK(run_rule("config/unknown-key", clean_files()).empty());
  std::string cfg = replace_all(clean_config(), "  max_epochs: 1\n", "  max_epoch: 1\n");
  cfg = replace_all(cfg, "  ctx_len: 4096\n", "  ctx_len: 4096\n  frobnicate_level: 3\n");
  auto f = run_rule("config/unknown-key", with_config(cfg));
  INFO(describe(f));
  REQUIRE(f.size() == 2);
  bool typo = false, unknown = false;
  for (const auto& x : f) {
    CHECK(x.severity == Severity::Warning);
    CHECK(x.loc.file == "training-config.yaml");
    if (x.message.find("trainer.max_epoch`") != std::string::npos) {
      typo = x.hint.find("trainer.max_epochs") != std::string::npos;
      CHECK(x.loc.line == 13);
    }
    if (x.message.find("model.frobnicate_level") != std::string::npos) unknown = true;
  }
  CHECK(typo);
  CHECK(unknown);
}

TEST_CASE("config/unknown-key: nested keys are not judged; overrides are", "[rules][config]") {
  // init_args.* under callbacks are the callback's business, not the trainer's first level.
  std::string cfg = replace_all(clean_config(), "      save_last: true\n", "      save_last: true\n      anything_goes: 1\n");
  CHECK(run_rule("config/unknown-key", with_config(cfg)).empty());
  auto cells = edit_cells(clean_cells(), "--trainer.devices=", "--trainer.device=");
  auto f = run_rule("config/unknown-key", {{"training-config.yaml", clean_config()}}, cells);
  REQUIRE(f.size() == 1);
  CHECK(f[0].loc.file == "training-notebook.ipynb");
  CHECK(f[0].loc.cell == 6);
  CHECK(f[0].hint.find("trainer.devices") != std::string::npos);
}

TEST_CASE("config/precision: bf16 expected", "[rules][config]") {
  CHECK(run_rule("config/precision", clean_files()).empty());
  auto f = run_rule("config/precision", with_config(replace_all(clean_config(), "precision: bf16", "precision: 16")));
  REQUIRE(f.size() == 1);
  CHECK(f[0].severity == Severity::Warning);
  CHECK(f[0].loc.line == 7);
  // The command line wins over the YAML.
  auto cells = edit_cells(clean_cells(), "--trainer.devices=", "--trainer.precision=32 --trainer.devices=");
  auto g = run_rule("config/precision", {{"training-config.yaml", clean_config()}}, cells);
  REQUIRE(g.size() == 1);
  CHECK(g[0].loc.cell == 6);
  auto h = run_rule("config/precision",
                    with_config(replace_all(clean_config(), "precision: bf16", "precision: bf16-mixed")));
  CHECK(h.empty());
}

TEST_CASE("limits/unbounded: a run that never ends", "[rules][config]") {
  CHECK(run_rule("limits/unbounded", clean_files()).empty());
  auto f = run_rule("limits/unbounded", with_config(replace_all(clean_config(), "max_epochs: 1", "max_epochs: -1")));
  REQUIRE(f.size() == 1);
  CHECK(f[0].severity == Severity::Error);
  CHECK(f[0].loc.line == 13);
  auto g = run_rule("limits/unbounded", with_config(replace_all(clean_config(), "  max_epochs: 1\n", "")));
  CHECK(g.size() == 1);
  auto bounded_by_steps = replace_all(clean_config(), "max_epochs: 1", "max_epochs: -1\n  max_steps: 1000");
  CHECK(run_rule("limits/unbounded", with_config(bounded_by_steps)).empty());
  auto zero_steps = replace_all(clean_config(), "max_epochs: 1", "max_epochs: -1\n  max_steps: 0");
  CHECK(run_rule("limits/unbounded", with_config(zero_steps)).size() == 1);
}

TEST_CASE("config-only rules say nothing about settings of a config they could not read", "[rules][config]") {
  // The notebook trains with a config that is not in the folder: layout/config-missing reports
  // that; an absent max_epochs or precision is unknown, not missing.
  std::map<std::string, std::string> files = {{"training-notebook.ipynb", notebook_json(clean_cells())}};
  for (const char* id : {"limits/unbounded", "config/precision", "data/source", "model/not-provided"}) {
    INFO(id);
    auto f = run_rule(id, files);
    INFO(describe(f));
    CHECK(f.empty());
  }
  // Settings the command line gives are still judged.
  auto cells = edit_cells(clean_cells(), "--trainer.devices=", "--trainer.precision=16 --trainer.devices=");
  CHECK(run_rule("config/precision", {}, cells).size() == 1);
}
