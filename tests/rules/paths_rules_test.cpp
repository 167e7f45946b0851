#include <catch2/catch.hpp>

#include "rules/rule_fixture.h"

using namespace rwkvq;
using namespace rwkvq::test;

TEST_CASE("paths/datapath: data_path under ../datapath/", "[rules][paths]") {
  CHECK(run_rule("paths/datapath", clean_files()).empty());
  auto f = run_rule("paths/datapath",
                    with_config(replace_all(clean_config(), "../datapath/alice-shakespeare/", "../data/alice/")));
  REQUIRE(f.size() == 1);
  CHECK(f[0].loc.file == "training-config.yaml");
  CHECK(f[0].loc.line == 20);
  CHECK(f[0].message.find("data/alice") != std::string::npos);
  // Relative to the trainer folder: ./datapath/ is RWKV-v5/datapath/, not the repository's.
  CHECK(run_rule("paths/datapath",
                 with_config(replace_all(clean_config(), "../datapath/alice-shakespeare/", "./datapath/alice/")))
            .size() == 1);
  // An override on the command line is judged (and located) instead of the YAML.
  auto cells = edit_cells(clean_cells(), "--trainer.devices=", "--data.data_path=/tmp/data/ --trainer.devices=");
  auto g = run_rule("paths/datapath", {{"training-config.yaml", clean_config()}}, cells);
  REQUIRE(g.size() == 1);
  CHECK(g[0].loc.cell == 6);
}

TEST_CASE("paths/checkpoint: dirpath and export source under ../checkpoint/", "[rules][paths]") {
  CHECK(run_rule("paths/checkpoint", clean_files()).empty());
  auto f = run_rule("paths/checkpoint",
                    with_config(replace_all(clean_config(), "../checkpoint/alice-shakespeare/", "../ckpt/alice/")));
  INFO(describe(f));
  REQUIRE(f.size() == 1);
  CHECK(f[0].loc.line == 11);
  auto cells = edit_cells(clean_cells(), "\"../checkpoint/alice-shakespeare/last.ckpt\"", "\"/tmp/last.ckpt\"");
  auto g = run_rule("paths/checkpoint", {{"training-config.yaml", clean_config()}}, cells);
  REQUIRE(g.size() == 1);
  CHECK(g[0].loc.cell == 7);
}

TEST_CASE("paths/trainer-dir: the trainer folder must exist in the checkout", "[rules][paths]") {
  FixtureOptions opt;
  opt.checkout = true;
  opt.trainer_dirs = {"RWKV-v4neo", "RWKV-v5"};
  CHECK(run_rule("paths/trainer-dir", clean_files(), {}, opt).empty());
  // Without a checkout nothing can be seen.
  auto v6 = edit_cells(clean_cells(), "MODEL_VERSION=\"v5\"", "MODEL_VERSION=\"v6\"");
  CHECK(run_rule("paths/trainer-dir", {{"training-config.yaml", clean_config()}}, v6).empty());
  auto f = run_rule("paths/trainer-dir", {{"training-config.yaml", clean_config()}}, v6, opt);
  INFO(describe(f));
  REQUIRE(f.size() == 1);  // one finding per missing folder, not per command
  CHECK(f[0].severity == Severity::Error);
  CHECK(f[0].message.find("RWKV-v6") != std::string::npos);
  CHECK(f[0].message.find("RWKV-v4neo, RWKV-v5") != std::string::npos);
}
