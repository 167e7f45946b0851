// The rules on real requests: the programme's untouched template must give exactly the findings
// a maintainer expects (its placeholders), and no corpus notebook may make a rule throw.
#include <catch2/catch.hpp>
#include <filesystem>
#include <set>

#include "rules/rule_fixture.h"
#include "rwkvq/rules/rule.h"

using namespace rwkvq;
using namespace rwkvq::test;

namespace {
const std::set<std::string> kEstimateRules = {"limits/model-size", "limits/stage3-penalty", "limits/hours",
                                              "limits/vram"};

std::vector<Finding> run_mine(const Request& req) {
  Settings s = default_settings();
  RuleContext ctx{s, nullptr, std::nullopt};
  std::vector<Finding> out;
  for (const Rule* r : all_rules())
    if (!kEstimateRules.count(std::string(r->id()))) r->check(req, ctx, out);
  return out;
}
}  // namespace

TEST_CASE("the untouched community template gives exactly its placeholders", "[rules][corpus]") {
  std::filesystem::path dir = std::filesystem::path(RWKVQ_CORPUS_DIR) / "community-example";
  if (!std::filesystem::exists(dir)) {
    WARN("corpus not found, skipped: " << dir);
    return;
  }
  Request req = load_request(dir.string());
  auto f = run_mine(req);
  INFO(describe(f));
  std::multiset<std::string> ids;
  for (const auto& x : f) ids.insert(x.rule);
  CHECK(ids == std::multiset<std::string>{"notebook/description", "notebook/discord-handle",
                                          "notebook/template-leftover"});
  for (const auto& x : f) {
    CHECK(x.loc.file == "training-notebook.ipynb");
    CHECK(x.loc.cell > 0);
    CHECK(x.loc.line > 0);
    if (x.rule == "notebook/template-leftover") CHECK(x.message.find("PROJECT_PREFIX") != std::string::npos);
    if (x.rule == "notebook/discord-handle") CHECK(x.message.find("placeholder") != std::string::npos);
  }
}

TEST_CASE("no rule throws on any corpus folder", "[rules][corpus]") {
  std::filesystem::path corpus(RWKVQ_CORPUS_DIR);
  if (!std::filesystem::exists(corpus)) {
    WARN("corpus not found, skipped: " << corpus);
    return;
  }
  std::size_t folders = 0, schema = 0;
  for (const auto& e : std::filesystem::directory_iterator(corpus)) {
    if (!e.is_directory()) continue;
    INFO(e.path());
    Request req = load_request(e.path().string());
    std::vector<Finding> f;
    REQUIRE_NOTHROW(f = run_mine(req));
    for (const auto& x : f) {
      CHECK(!x.message.empty());
      CHECK(!x.hint.empty());
      if (x.rule == "notebook/schema") {
        ++schema;
        INFO(x.message);
        // Every corpus notebook passes nbformat's own validator: no notebook/schema finding.
        CHECK(x.rule != "notebook/schema");
      }
    }
    ++folders;
  }
  CHECK(folders > 100);
  WARN("notebook/schema: " << schema << " findings on " << folders << " corpus folders");
}
