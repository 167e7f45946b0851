// net/lookup.h: what is asked for a request (pure), what answers mean, and the look-ups against
// the Hub look-alike (tests/net/hub_server.py) with the cache.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "net/hub_server.h"
#include "rules/rule_fixture.h"
#include "rwkvq/net/lookup.h"

using namespace rwkvq;
using namespace rwkvq::net;
using rwkvq::test::RequestFixture;

namespace {

const Lookup* by_subject(const std::vector<Lookup>& v, const std::string& s) {
  for (const auto& l : v)
    if (l.subject == s) return &l;
  return nullptr;
}

NetOptions options_for(const test::HubServer& hub, const std::filesystem::path& cache) {
  NetOptions o;
  o.hf_endpoint = hub.url();
  o.datasets_server = hub.url();
  o.cache_dir = cache;
  o.http.budget_ms = 3000;
  o.http.backoff_ms = 50;
  o.http.user_agent = "rwkvq/test";
  return o;
}

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string t = (std::filesystem::temp_directory_path() / "rwkvq-net-XXXXXX").string();
    path = ::mkdtemp(t.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

const std::string kModelUrl =
    "https://huggingface.co/BlinkDL/rwkv-5-world/resolve/main/RWKV-5-World-0.1B-v1-20230803-ctx4096.pth";

}  // namespace

TEST_CASE("plan_lookups: the template's model download and data.source, kinds from their use", "[net]") {
  RequestFixture fx(test::clean_files());
  auto plan = plan_lookups(fx.load());
  REQUIRE(plan.size() == 2);
  const Lookup* m = by_subject(plan, kModelUrl);
  REQUIRE(m);
  CHECK(m->kind == LookupKind::Model);
  CHECK_FALSE(m->hub_repo);
  CHECK(m->loc.cell > 0);
  const Lookup* d = by_subject(plan, "karpathy/tiny_shakespeare");
  REQUIRE(d);
  CHECK(d->kind == LookupKind::Dataset);
  CHECK(d->hub_repo);
  CHECK(d->what == "data.source");
  CHECK(d->loc.line > 0);
}

TEST_CASE("plan_lookups: a download elsewhere is other; a local data.source is not asked", "[net]") {
  auto cells = test::edit_cells(test::clean_cells(), "wget -nc https://huggingface.co/BlinkDL",
                                "wget -nc https://example.org/tools/x.sh && wget -nc https://huggingface.co/BlinkDL");
  auto files = test::clean_files();
  files["training-notebook.ipynb"] = test::notebook_json(cells);
  files["training-config.yaml"] = test::replace_all(test::clean_config(), "\"karpathy/tiny_shakespeare\"", "./local");
  RequestFixture fx(files);
  auto plan = plan_lookups(fx.load());
  CHECK_FALSE(by_subject(plan, "./local"));
  CHECK(by_subject(plan, kModelUrl));
  // x.sh goes to model/ too (same cd): a model by its folder
  const Lookup* x = by_subject(plan, "https://example.org/tools/x.sh");
  REQUIRE(x);
  CHECK(x->kind == LookupKind::Model);
}

TEST_CASE("lookup_url: Hub hosts are asked at HF_ENDPOINT; ids at the API", "[net]") {
  NetOptions o;
  o.hf_endpoint = "http://127.0.0.1:9";
  Lookup l;
  l.subject = kModelUrl;
  CHECK(lookup_url(l, o) ==
        "http://127.0.0.1:9/BlinkDL/rwkv-5-world/resolve/main/RWKV-5-World-0.1B-v1-20230803-ctx4096.pth");
  l.subject = "https://hf.co/x/y/resolve/main/z.bin";
  CHECK(lookup_url(l, o) == "http://127.0.0.1:9/x/y/resolve/main/z.bin");
  l.subject = "https://example.org/a";
  CHECK(lookup_url(l, o) == "https://example.org/a");
  l.subject = "owner/data";
  l.kind = LookupKind::Dataset;
  CHECK(lookup_url(l, o) == "http://127.0.0.1:9/api/datasets/owner/data");
  l.kind = LookupKind::Model;
  CHECK(lookup_url(l, o) == "http://127.0.0.1:9/api/models/owner/data");
  l.subject = "owner/name/sub/file.pth";
  CHECK(lookup_url(l, o) == "http://127.0.0.1:9/owner/name/resolve/main/sub/file.pth");
}

TEST_CASE("judge: what an answer means", "[net]") {
  std::string d;
  HttpResponse r;
  CHECK(judge(r, false, d) == Outcome::Unreachable);
  r.status = 200;
  CHECK(judge(r, false, d) == Outcome::Ok);
  r.body = R"({"gated": false})";
  CHECK(judge(r, true, d) == Outcome::Ok);
  r.body = R"({"gated": "auto"})";
  CHECK(judge(r, true, d) == Outcome::Gated);
  CHECK(d == "gated: auto");
  r.body = R"({"private": true, "gated": false})";
  CHECK(judge(r, true, d) == Outcome::Gated);
  r.body.clear();
  r.status = 401;
  CHECK(judge(r, true, d) == Outcome::Gated);
  r.headers["x-error-code"] = "RepoNotFound";
  CHECK(judge(r, true, d) == Outcome::Missing);
  r.headers["x-error-code"] = "GatedRepo";
  CHECK(judge(r, false, d) == Outcome::Gated);
  r.headers.clear();
  r.status = 404;
  CHECK(judge(r, false, d) == Outcome::Missing);
  r.status = 403;
  CHECK(judge(r, false, d) == Outcome::Gated);
  r.status = 500;
  CHECK(judge(r, false, d) == Outcome::Broken);
  r.status = 418;
  CHECK(judge(r, false, d) == Outcome::Broken);
}

TEST_CASE("run_lookups: outcomes, lengths and sizes from the Hub look-alike", "[net]") {
  test::HubServer hub;
  TempDir tmp;
  NetOptions o = options_for(hub, tmp.path);
  o.http.budget_ms = 1500;
  auto mk = [](std::string subject, LookupKind k, bool repo) {
    Lookup l;
    l.subject = std::move(subject);
    l.kind = k;
    l.hub_repo = repo;
    return l;
  };
  std::vector<Lookup> v = {
      mk("https://huggingface.co/BlinkDL/rwkv-5-world/resolve/main/mystery-model.pth", LookupKind::Model, false),
      mk("https://huggingface.co/BlinkDL/rwkv-5-world/resolve/main/nope.pth", LookupKind::Model, false),
      mk("BlinkDL/no-such-model", LookupKind::Model, true),
      mk("gated-org/model", LookupKind::Model, true),
      mk("owner/data", LookupKind::Dataset, true),
      mk("owner/gated-data", LookupKind::Dataset, true),
      mk("owner/missing-data", LookupKind::Dataset, true),
      mk(hub.url("/files/teapot"), LookupKind::Other, false),
      mk(hub.url("/slow/4"), LookupKind::Other, false),
      mk(hub.url("/files/missing"), LookupKind::Other, false),
  };
  auto f = run_lookups(v, o);
  auto& L = f.lookups;
  CHECK(L[0].outcome == Outcome::Ok);
  CHECK(L[0].length == 3030000000LL);
  CHECK(L[1].outcome == Outcome::Missing);
  CHECK(L[1].detail.find("EntryNotFound") != std::string::npos);
  CHECK(L[2].outcome == Outcome::Missing);  // 401 RepoNotFound without a token
  CHECK(L[3].outcome == Outcome::Gated);
  CHECK(L[4].outcome == Outcome::Ok);
  CHECK(L[4].dataset_bytes == 4000000000LL);
  CHECK(L[4].size_source == "num_bytes_original_files");
  CHECK(L[4].dataset_rows == 1000000);
  CHECK(L[5].outcome == Outcome::Gated);
  CHECK(L[6].outcome == Outcome::Missing);
  CHECK(L[7].outcome == Outcome::Broken);
  CHECK(L[8].outcome == Outcome::Unreachable);
  CHECK(L[9].outcome == Outcome::Missing);
}

TEST_CASE("run_lookups: answers that succeeded are cached a day, --refresh asks again, failures are not", "[net]") {
  test::HubServer hub;
  TempDir tmp;
  NetOptions o = options_for(hub, tmp.path);
  o.http.token = "hf_cache_secret";
  o.http.token_origins = {origin_of(hub.url())};
  Lookup ok, missing;
  ok.subject = "owner/data";
  ok.kind = LookupKind::Dataset;
  ok.hub_repo = true;
  missing.subject = hub.url("/files/missing");
  auto count = [&] {
    auto log = nlohmann::json::parse(hub.log());
    int n = 0;
    for (const auto& e : log) n += e["method"] != "SENT" ? 1 : 0;
    return n;
  };
  auto f1 = run_lookups({ok, missing}, o);
  CHECK(count() == 3);  // repository, size, file
  CHECK_FALSE(f1.lookups[0].from_cache);
  hub.reset();
  auto f2 = run_lookups({ok, missing}, o);
  CHECK(count() == 1);  // only the failure is asked again
  CHECK(f2.lookups[0].from_cache);
  CHECK(f2.lookups[0].outcome == Outcome::Ok);
  CHECK(f2.lookups[0].dataset_bytes == 4000000000LL);
  hub.reset();
  o.refresh = true;
  auto f3 = run_lookups({ok, missing}, o);
  CHECK(count() == 3);
  CHECK_FALSE(f3.lookups[0].from_cache);
  // The token is never written to the cache.
  for (const auto& e : std::filesystem::recursive_directory_iterator(tmp.path)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path());
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(text.find("hf_cache_secret") == std::string::npos);
  }
}
