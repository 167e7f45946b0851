// net/http.h against a real HTTP server on 127.0.0.1 (tests/net/hub_server.py).
#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>

#include "net/hub_server.h"
#include "rwkvq/net/http.h"

using namespace rwkvq;
using namespace rwkvq::net;
using Clock = std::chrono::steady_clock;

namespace {
HttpOptions fast() {
  HttpOptions o;
  o.budget_ms = 4000;
  o.connect_timeout_ms = 2000;
  o.backoff_ms = 50;
  o.user_agent = "rwkvq/test";
  return o;
}
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }
}  // namespace

TEST_CASE("origin_of: scheme, host and port exactly", "[net]") {
  CHECK(origin_of("https://huggingface.co/api/models/x") == "https://huggingface.co:443");
  CHECK(origin_of("HTTPS://HuggingFace.co:443") == "https://huggingface.co:443");
  CHECK(origin_of("http://127.0.0.1:8080/x?y") == "http://127.0.0.1:8080");
  CHECK(origin_of("http://user:pw@host/x") == "http://host:80");
  CHECK(origin_of("https://huggingface.co.evil.com/") == "https://huggingface.co.evil.com:443");
  CHECK(origin_of("ftp://x/y").empty());
  CHECK(origin_of("owner/name").empty());
}

TEST_CASE("fetch_all: statuses, redirects and lengths", "[net]") {
  test::HubServer hub;
  auto r = fetch_all({{"HEAD", hub.url("/files/ok.bin")},
                      {"HEAD", hub.url("/files/missing")},
                      {"HEAD", hub.url("/redirect/3")},
                      {"HEAD", hub.url("/loop")},
                      {"GET", hub.url("/api/models/BlinkDL/rwkv-5-world")}},
                     fast());
  REQUIRE(r.size() == 5);
  CHECK(r[0].status == 200);
  CHECK(r[0].headers.at("content-length") == "1000");
  CHECK(r[1].status == 404);
  CHECK(r[2].status == 200);
  CHECK(r[2].redirects == 3);
  CHECK(r[2].headers.at("content-length") == "42");
  CHECK_FALSE(r[3].answered());
  CHECK(r[3].error == "too many redirects");
  CHECK(r[4].status == 200);
  CHECK(nlohmann::json::parse(r[4].body)["id"] == "BlinkDL/rwkv-5-world");
}

TEST_CASE("fetch_all: 500 then 200 is retried, honouring Retry-After; 500 thrice is the answer", "[net]") {
  test::HubServer hub;
  auto t0 = Clock::now();
  auto r = fetch_all({{"GET", hub.url("/flaky/a")}, {"GET", hub.url("/always500")}}, fast());
  CHECK(r[0].status == 200);
  CHECK(r[0].tries == 2);
  CHECK(since(t0) >= 0.9);  // Retry-After: 1
  CHECK(r[1].status == 500);
  CHECK(r[1].tries == 3);
  auto log = nlohmann::json::parse(hub.log());
  int asked500 = 0;
  for (const auto& e : log)
    if (e["path"] == "/always500") ++asked500;
  CHECK(asked500 == 3);
}

TEST_CASE("fetch_all: a slow answer ends at the budget, retries included", "[net]") {
  test::HubServer hub;
  HttpOptions o = fast();
  o.budget_ms = 1000;
  auto t0 = Clock::now();
  auto r = fetch_all({{"GET", hub.url("/slow/5")}, {"GET", hub.url("/files/ok.bin")}}, o);
  const double took = since(t0);
  CHECK_FALSE(r[0].answered());
  CHECK(r[0].timed_out);
  CHECK(took < 2.0);
  CHECK(took >= 0.9);
  CHECK(r[1].status == 200);  // the other look-up is not held up
}

TEST_CASE("fetch_all: a truncated body is no answer; a huge body is not read whole", "[net]") {
  test::HubServer hub;
  HttpOptions o = fast();
  o.max_body = 64 * 1024;
  auto t0 = Clock::now();
  auto r = fetch_all({{"GET", hub.url("/truncated")}, {"GET", hub.url("/huge")}, {"HEAD", hub.url("/huge")}}, o);
  CHECK_FALSE(r[0].answered());
  CHECK_FALSE(r[0].error.empty());
  CHECK(r[1].status == 200);
  CHECK(r[1].body_too_large);
  CHECK(r[1].body.size() == o.max_body);
  CHECK(r[2].headers.at("content-length") == std::to_string(100 * 1024 * 1024));
  CHECK(since(t0) < 3.5);
}

TEST_CASE("fetch_all: the token goes only to the allowed origin, never across a redirect", "[net]") {
  test::HubServer hub;
  HttpOptions o = fast();
  o.token = "hf_secret_test_token";
  o.token_origins = {origin_of(hub.url())};
  auto r = fetch_all({{"HEAD", hub.url("/BlinkDL/rwkv-5-world/resolve/main/mystery-model.pth")},
                      {"HEAD", "http://localhost:" + std::to_string(hub.port()) + "/files/ok.bin"}},
                     o);
  CHECK(r[0].status == 200);
  CHECK(r[0].redirects == 1);
  CHECK(r[0].hops.front().at("x-linked-size") == "3030000000");
  CHECK_FALSE(r[0].token_sent);
  auto log = nlohmann::json::parse(hub.log());
  int with = 0, without = 0;
  for (const auto& e : log) {
    const std::string host = e["host"];
    if (host.rfind("127.0.0.1", 0) == 0) {
      CHECK(e["authorization"] == "Bearer hf_secret_test_token");
      ++with;
    } else {
      CHECK(e["authorization"].is_null());  // localhost: another origin
      ++without;
    }
    CHECK(std::string(e["user_agent"]) == "rwkvq/test");
  }
  CHECK(with == 1);
  CHECK(without == 2);
}

TEST_CASE("fetch_all: an unused port is unreachable, not an answer", "[net]") {
  HttpOptions o = fast();
  auto r = fetch_all({{"HEAD", "http://127.0.0.1:1/x"}}, o);
  CHECK_FALSE(r[0].answered());
  CHECK_FALSE(r[0].error.empty());
}
