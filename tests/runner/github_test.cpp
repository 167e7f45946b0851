#include <catch2/catch.hpp>

#include <map>

#include "rwkvq/queue/document.h"
#include "rwkvq/runner/github.h"

using namespace rwkvq;
using namespace rwkvq::runner;

namespace {

WorkflowRun run(long long id, queue::Time created) {
  WorkflowRun r;
  r.id = id;
  r.created = created;
  r.status = "queued";
  return r;
}

}  // namespace

TEST_CASE("link_next finds rel=next among the Link header's links", "[runner]") {
  CHECK(link_next(R"(<https://api.github.com/repos/o/n/pulls?page=2>; rel="next", <https://api.github.com/repos/o/n/pulls?page=5>; rel="last")") ==
        "https://api.github.com/repos/o/n/pulls?page=2");
  // next after others, unquoted rel, several rel values
  CHECK(link_next(R"(<http://h/a?page=1>; rel="first", <http://h/a?page=3>; rel=next)") == "http://h/a?page=3");
  CHECK(link_next(R"(<http://h/a?page=4>; rel="next last")") == "http://h/a?page=4");
  // the last page: no next
  CHECK_FALSE(link_next(R"(<http://h/a?page=1>; rel="first", <http://h/a?page=1>; rel="prev")"));
  CHECK_FALSE(link_next(""));
  CHECK_FALSE(link_next("garbage <unterminated"));
  CHECK_FALSE(link_next(R"(<http://h/a?page=2>; rel="nextish")"));
}

TEST_CASE("match_runs: a run created after the dispatch, allowing 60 s of clock skew", "[runner]") {
  const std::vector<WorkflowRun> runs = {run(1, 1000 - 61), run(2, 1000 - 60)};
  const auto m = match_runs({{"r1/part1", 1000, "community/a/nb.ipynb"}}, runs, {}, nullptr);
  REQUIRE(m.size() == 1);
  REQUIRE(m[0].run);
  CHECK(m[0].run->id == 2);  // run 1 is older than the dispatch by more than the skew
}

TEST_CASE("match_runs: nothing created after the dispatch is no match, not a guess", "[runner]") {
  const auto m = match_runs({{"r1/part1", 5000, "x"}}, {run(1, 1000), run(2, 4000)}, {}, nullptr);
  REQUIRE(m.size() == 1);
  CHECK(m[0].run == nullptr);
}

TEST_CASE("match_runs: a run claimed by another part is never taken again", "[runner]") {
  const std::vector<WorkflowRun> runs = {run(1, 1010), run(2, 1020)};
  auto m = match_runs({{"r1/part1", 1000, "a"}}, runs, {1}, nullptr);
  REQUIRE(m[0].run);
  CHECK(m[0].run->id == 2);
  m = match_runs({{"r1/part1", 1000, "a"}}, runs, {1, 2}, nullptr);
  CHECK(m[0].run == nullptr);
}

TEST_CASE("match_runs: among several, the job name holding the notebookFile wins", "[runner]") {
  const std::vector<WorkflowRun> runs = {run(1, 1010), run(2, 1020), run(3, 1030)};
  std::map<long long, std::vector<std::string>> jobs = {
      {1, {"notebook-run (community/other/nb.ipynb)"}},
      {2, {"notebook-run (community/mine/nb.ipynb)"}},
      {3, {"notebook-run (community/third/nb.ipynb)"}}};
  int asked = 0;
  auto names = [&](long long id) {
    ++asked;
    return jobs[id];
  };
  // Two parts dispatched at the same time, in the opposite order of their runs.
  const auto m = match_runs({{"r1/part1", 1000, "community/mine/nb.ipynb"}, {"r2/part1", 1001, "community/other/nb.ipynb"}},
                            runs, {}, names);
  REQUIRE(m.size() == 2);
  REQUIRE(m[0].run);
  REQUIRE(m[1].run);
  CHECK(m[0].key == "r1/part1");
  CHECK(m[0].run->id == 2);
  CHECK(m[0].how.find("job name") != std::string::npos);
  CHECK(m[1].run->id == 1);
  CHECK(asked > 0);
}

TEST_CASE("match_runs: among several without a telling job name, the earliest; each run once", "[runner]") {
  const std::vector<WorkflowRun> runs = {run(3, 1030), run(1, 1010), run(2, 1020)};
  const auto m = match_runs({{"r2/part1", 1005, "b"}, {"r1/part1", 1000, "a"}}, runs, {},
                            [](long long) { return std::vector<std::string>{"build"}; });
  REQUIRE(m.size() == 2);
  CHECK(m[0].key == "r1/part1");  // in dispatch order
  CHECK(m[0].run->id == 1);
  CHECK(m[0].how.find("earliest") != std::string::npos);
  CHECK(m[1].key == "r2/part1");
  CHECK(m[1].run->id == 2);
}

TEST_CASE("parse_runs and parse_training_pulls read the API's shapes and refuse others", "[runner]") {
  const auto runs = parse_runs(nlohmann::json::parse(R"({"total_count": 2, "workflow_runs": [
    {"id": 5, "html_url": "https://github.com/o/n/actions/runs/5", "status": "completed", "conclusion": "success",
     "created_at": "2024-05-01T12:00:00Z", "run_started_at": "2024-05-01T12:00:30Z", "updated_at": "2024-05-01T14:00:30Z"},
    {"id": 6, "status": "queued", "conclusion": null, "created_at": "not a time"}]})"));
  REQUIRE(runs.size() == 1);  // a run without a creation time cannot be matched: left out
  CHECK(runs[0].id == 5);
  CHECK(runs[0].conclusion == "success");
  CHECK(*runs[0].updated - *runs[0].started == 7200);
  CHECK_THROWS_AS(parse_runs(nlohmann::json::parse(R"({"message": "Not Found"})")), ApiError);

  const auto pulls = parse_training_pulls(nlohmann::json::parse(R"([
    {"number": 1, "title": "[training request] a", "user": {"login": "alice"}},
    {"number": 2, "title": "fix typo", "user": {"login": "bob"}},
    {"number": 3, "title": "  [TRAINING REQUEST] b", "user": {"login": "carol"}},
    {"number": 4, "title": "[training request]", "user": 7}])"));
  REQUIRE(pulls.size() == 3);
  CHECK(pulls[0].author == "alice");
  CHECK(pulls[1].number == 3);
  CHECK(pulls[2].author.empty());
  CHECK_THROWS_AS(parse_training_pulls(nlohmann::json::parse(R"({"message": "Bad credentials"})")), ApiError);
  CHECK(parse_pull_files(nlohmann::json::parse(R"([{"filename": "a/b"}, {"filename": "c", "previous_filename": "d"}])")) ==
        std::vector<std::string>{"a/b", "c", "d"});
}

TEST_CASE("the dispatch request carries the five inputs, the API headers, and no token in its description", "[runner]") {
  GitHubConfig cfg;
  cfg.api_url = "http://127.0.0.1:9";
  cfg.token = "ghp_secret_do_not_print";
  cfg.http.user_agent = "rwkvq/test";
  GitHub gh(cfg);
  const auto r = gh.dispatch_request("RWKV/RWKV-infctx-trainer", "notebook-run.yml", "rwkv-community-training",
                                     {{"notebookFile", "community/a/nb.ipynb"}, {"gpuTarget", "1x24vgb"}});
  CHECK(r.method == "POST");
  CHECK(r.url == "http://127.0.0.1:9/repos/RWKV/RWKV-infctx-trainer/actions/workflows/notebook-run.yml/dispatches");
  CHECK(r.body == R"({"ref":"rwkv-community-training","inputs":{"notebookFile":"community/a/nb.ipynb","gpuTarget":"1x24vgb"}})");
  const std::string d = gh.describe(r);
  CHECK(d.find("ghp_secret") == std::string::npos);
  CHECK(d.find("Authorization: Bearer ****") != std::string::npos);
  CHECK(d.find("X-GitHub-Api-Version: 2022-11-28") != std::string::npos);
  CHECK(d.find("Accept: application/vnd.github+json") != std::string::npos);
  CHECK(gh.config().http.token_origins == std::vector<std::string>{"http://127.0.0.1:9"});
}
