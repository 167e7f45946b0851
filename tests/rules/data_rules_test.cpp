#include <catch2/catch.hpp>
#include <set>

#include "rules/rule_fixture.h"

using namespace rwkvq;
using namespace rwkvq::test;

namespace {
std::string with_source(const std::string& src) {
  return replace_all(clean_config(), "  source: \"karpathy/tiny_shakespeare\"\n", src);
}
}  // namespace

TEST_CASE("data/source: downloadable sources pass", "[rules][data]") {
  CHECK(run_rule("data/source", clean_files()).empty());
  CHECK(run_rule("data/source", with_config(with_source("  source: https://example.org/data.jsonl\n"))).empty());
  CHECK(run_rule("data/source", with_config(with_source("  source: wikitext\n"))).empty());
  CHECK(run_rule("data/source",
                 with_config(with_source("  source: json\n  source_data_dir: https://example.org/dir/\n")))
            .empty());
}

TEST_CASE("data/source: local paths and missing sources", "[rules][data]") {
  SECTION("a relative path") {
    auto f = run_rule("data/source", with_config(with_source("  source: ../notebook/community/alice/data.jsonl\n")));
    REQUIRE(f.size() == 1);
    CHECK(f[0].severity == Severity::Error);
    CHECK(f[0].loc.line == 21);
  }
  SECTION("a file of the folder") {
    auto files = with_config(with_source("  source: data.jsonl\n"));
    files["data.jsonl"] = "{\"text\": \"hi\"}\n";
    auto f = run_rule("data/source", files);
    REQUIRE(f.size() == 1);
    CHECK(f[0].message.find("request folder") != std::string::npos);
  }
  SECTION("a builtin loader over a local folder") {
    auto f = run_rule("data/source", with_config(with_source("  source: json\n  source_data_dir: ../mydata/\n")));
    REQUIRE(f.size() == 1);
    CHECK(f[0].loc.line == 22);
  }
  SECTION("a builtin loader over a folder the notebook downloads into") {
    auto cells = clean_cells();
    cells[2].source += "\n!cd \"{PROJECT_DIR}/datapath/\" && wget -nc https://example.org/train.jsonl";
    auto f = run_rule("data/source",
                      {{"training-config.yaml", with_source("  source: json\n  source_data_dir: ../datapath/\n")}},
                      cells);
    INFO(describe(f));
    CHECK(f.empty());
  }
  SECTION("no source, nothing prebuilt") {
    auto f = run_rule("data/source", with_config(with_source("")));
    REQUIRE(f.size() == 1);
    CHECK(f[0].message.find("empties datapath/") != std::string::npos);
  }
}

TEST_CASE("data/committed: data files by name, size and content", "[rules][data]") {
  CHECK(run_rule("data/committed", clean_files()).empty());
  auto files = clean_files();
  files["README.md"] = "notes";
  files["small.json"] = "{}";
  files["notes.txt"] = "some notes";
  CHECK(run_rule("data/committed", files).empty());

  files["train.jsonl"] = "{}\n";
  files["sub/shard.parquet"] = "PAR1....";
  files["big.json"] = std::string((1u << 20) + 10, ' ');
  files["huge.md"] = std::string((5u << 20) + 10, '#');
  files["looks-like.txt"] = std::string("PAR1") + std::string(40, 'x');
  files["archive.dat"] = std::string("PK\x03\x04", 4) + "rest";
  files["arr.txt"] = std::string("\x93NUMPY", 6) + "rest";
  auto f = run_rule("data/committed", files);
  INFO(describe(f));
  std::set<std::string> flagged;
  for (const auto& x : f) flagged.insert(x.loc.file);
  CHECK(flagged == std::set<std::string>{"train.jsonl", "sub/shard.parquet", "big.json", "huge.md",
                                         "looks-like.txt", "archive.dat", "arr.txt"});
}

TEST_CASE("data/committed: a Git LFS pointer is data", "[rules][data]") {
  auto files = clean_files();
  files["model.pth.md"] = "version https://git-lfs.github.com/spec/v1\noid sha256:" + std::string(64, 'a') +
                          "\nsize 123456789\n";
  auto f = run_rule("data/committed", files);
  REQUIRE(f.size() == 1);
  CHECK(f[0].message.find("Git LFS pointer") != std::string::npos);
  files["model.pth.md"] = "version 2 of my notes: https://git-lfs.github.com is not used here\n";
  CHECK(run_rule("data/committed", files).empty());
}

TEST_CASE("data/committed: limits come from the settings", "[rules][data]") {
  auto files = clean_files();
  files["notes.txt"] = std::string(2000, 'a');
  RequestFixture fx(files);
  CHECK(fx.run("data/committed").empty());
  Settings s = default_settings();
  s.limits.max_text_bytes = 1000;
  CHECK(fx.run("data/committed", s).size() == 1);
}
