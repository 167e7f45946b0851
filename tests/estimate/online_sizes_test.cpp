// Sizes from the online look-ups (DESIGN §9): an epoch-bounded run's tokens from the dataset's
// size, a model's parameters from its file's length when its name says nothing.
#include <catch2/catch.hpp>

#include "rules/rule_fixture.h"
#include "rwkvq/estimate/estimate.h"
#include "rwkvq/net/lookup.h"

using namespace rwkvq;
using rwkvq::test::RequestFixture;

namespace {

const std::string kModel = "RWKV-5-World-0.1B-v1-20230803-ctx4096.pth";

net::Lookup looked(std::string subject) {
  net::Lookup l;
  l.subject = std::move(subject);
  l.outcome = net::Outcome::Ok;
  return l;
}

}  // namespace

TEST_CASE("online sizes: dataset bytes / bytes_per_token give an epoch-bounded run its tokens", "[estimate][net]") {
  auto files = test::clean_files();
  files["training-config.yaml"] = test::replace_all(test::clean_config(), "  max_epochs: 1\n", "  max_epochs: 2\n");
  RequestFixture fx(files);
  Request req = fx.load();
  Settings s = default_settings();
  EstimateOptions opt;
  auto offline = estimate_request(req, s, opt);
  const auto& st0 = offline.parts.at(0).stages.at(0);
  const bool bounded = st0.max_steps && *st0.max_steps > 0;
  net::NetFacts facts;
  net::Lookup d = looked("karpathy/tiny_shakespeare");
  d.dataset_bytes = 8000000;
  d.size_source = "num_bytes_original_files";
  facts.lookups.push_back(d);
  opt.net = &facts;
  s.estimate.bytes_per_token = 2;
  auto online = estimate_request(req, s, opt);
  const auto& st = online.parts.at(0).stages.at(0);
  REQUIRE(st.tokens.value);
  CHECK_FALSE(bounded);  // the template's config: no max_steps, max_epochs bounds the run
  CHECK_FALSE(st0.tokens.value);
  CHECK(*st.tokens.value == 8000000 / 2 * 2);  // 8 MB / 2 bytes per token × 2 epochs
  CHECK(st.tokens.source.find("estimate.bytes_per_token") != std::string::npos);
}

TEST_CASE("online sizes: a model file's length / 2 when its name says nothing", "[estimate][net]") {
  auto files = test::clean_files();
  auto cells = test::edit_cells(test::clean_cells(), kModel, "mystery-model.pth");
  files["training-notebook.ipynb"] = test::notebook_json(cells);
  files["training-config.yaml"] = test::replace_all(test::clean_config(), kModel, "mystery-model.pth");
  RequestFixture fx(files);
  Request req = fx.load();
  Settings s = default_settings();
  EstimateOptions opt;
  auto offline = estimate_request(req, s, opt);
  CHECK_FALSE(offline.parts.at(0).stages.at(0).params.value);
  net::NetFacts facts;
  net::Lookup m = looked("https://huggingface.co/BlinkDL/rwkv-5-world/resolve/main/mystery-model.pth");
  m.length = 3030000000LL;
  facts.lookups.push_back(m);
  opt.net = &facts;
  auto online = estimate_request(req, s, opt);
  const auto& p = online.parts.at(0).stages.at(0).params;
  REQUIRE(p.value);
  CHECK(*p.value == 1515000000LL);
  CHECK(p.source.find("2 bytes per bf16 parameter") != std::string::npos);
  CHECK(p.source.find("online") != std::string::npos);
}
