// net/* rules: they judge the look-ups handed to them in RuleContext::net (no I/O in a rule).
// Each trips on its outcome and stays quiet on the others, and without --online (net null).
#include <catch2/catch.hpp>

#include "rules/rule_fixture.h"
#include "rwkvq/net/lookup.h"
#include "rwkvq/rules/rule.h"

using namespace rwkvq;
using namespace rwkvq::net;

namespace {

Lookup make(LookupKind kind, Outcome outcome, std::string subject = "https://example.org/x.pth") {
  Lookup l;
  l.kind = kind;
  l.outcome = outcome;
  l.subject = std::move(subject);
  l.url = l.subject;
  l.what = "download URL";
  l.detail = "HTTP 404";
  l.loc.file = "training-notebook.ipynb";
  l.loc.cell = 7;
  l.loc.line = 40;
  return l;
}

std::vector<Finding> run(std::string_view id, const std::vector<Lookup>& lookups, bool online = true) {
  static const Request req{};
  Settings s = default_settings();
  NetFacts facts{lookups};
  RuleContext ctx{s, nullptr, std::nullopt};
  if (online) ctx.net = &facts;
  const Rule* r = find_rule(id);
  REQUIRE(r);
  std::vector<Finding> out;
  r->check(req, ctx, out);
  return out;
}

const std::vector<Outcome> kAll = {Outcome::Unchecked, Outcome::Ok,     Outcome::Missing,
                                   Outcome::Gated,     Outcome::Broken, Outcome::Unreachable};

}  // namespace

TEST_CASE("net/model-missing: a missing model, nothing else", "[rules][net]") {
  auto f = run("net/model-missing", {make(LookupKind::Model, Outcome::Missing)});
  REQUIRE(f.size() == 1);
  CHECK(f[0].severity == Severity::Error);
  CHECK(f[0].loc.cell == 7);
  CHECK(f[0].message.find("https://example.org/x.pth") != std::string::npos);
  for (Outcome o : kAll)
    if (o != Outcome::Missing) CHECK(run("net/model-missing", {make(LookupKind::Model, o)}).empty());
  CHECK(run("net/model-missing", {make(LookupKind::Dataset, Outcome::Missing)}).empty());
  CHECK(run("net/model-missing", {make(LookupKind::Model, Outcome::Missing)}, false).empty());
}

TEST_CASE("net/dataset-missing: a missing dataset (data.source or URL)", "[rules][net]") {
  auto f = run("net/dataset-missing", {make(LookupKind::Dataset, Outcome::Missing, "owner/none")});
  REQUIRE(f.size() == 1);
  CHECK(f[0].severity == Severity::Error);
  CHECK(f[0].message.find("owner/none") != std::string::npos);
  for (Outcome o : kAll)
    if (o != Outcome::Missing) CHECK(run("net/dataset-missing", {make(LookupKind::Dataset, o)}).empty());
  CHECK(run("net/dataset-missing", {make(LookupKind::Other, Outcome::Missing)}).empty());
}

TEST_CASE("net/url-broken: other downloads answering 4xx/5xx, and broken answers of any kind", "[rules][net]") {
  CHECK(run("net/url-broken", {make(LookupKind::Other, Outcome::Missing)}).size() == 1);
  CHECK(run("net/url-broken", {make(LookupKind::Other, Outcome::Broken)}).size() == 1);
  CHECK(run("net/url-broken", {make(LookupKind::Model, Outcome::Broken)}).size() == 1);
  CHECK(run("net/url-broken", {make(LookupKind::Model, Outcome::Missing)}).empty());  // model-missing says it
  for (Outcome o : {Outcome::Ok, Outcome::Gated, Outcome::Unreachable, Outcome::Unchecked})
    CHECK(run("net/url-broken", {make(LookupKind::Other, o)}).empty());
}

TEST_CASE("net/gated: a gated or private repository is a warning", "[rules][net]") {
  auto f = run("net/gated", {make(LookupKind::Model, Outcome::Gated, "gated-org/model")});
  REQUIRE(f.size() == 1);
  CHECK(f[0].severity == Severity::Warning);
  for (Outcome o : kAll)
    if (o != Outcome::Gated) CHECK(run("net/gated", {make(LookupKind::Model, o)}).empty());
}

TEST_CASE("net/unreachable: no answer is a warning, never an error", "[rules][net]") {
  auto f = run("net/unreachable", {make(LookupKind::Dataset, Outcome::Unreachable)});
  REQUIRE(f.size() == 1);
  CHECK(f[0].severity == Severity::Warning);
  for (Outcome o : kAll)
    if (o != Outcome::Unreachable) CHECK(run("net/unreachable", {make(LookupKind::Dataset, o)}).empty());
}
