#include <catch2/catch.hpp>
#include <sstream>

#include "rwkvq/report/report.h"

using namespace rwkvq;

namespace {

Finding finding(std::string rule, Severity sev, Location loc, std::string msg, std::string hint) {
  return Finding{std::move(rule), sev, std::move(loc), std::move(msg), std::move(hint)};
}

RequestReport sample() {
  RequestReport r;
  r.path = "examples/requests/x";
  r.notebooks.push_back({"training-notebook.ipynb", 0, true, true, 9});
  r.findings.push_back(finding("notebook/discord-handle", Severity::Error,
                               {"training-notebook.ipynb", 12, 5, 1, 7},
                               "the Discord handle is still the template's @your-discord-handle",
                               "write your own handle: \"Your Discord handle: @you\""));
  r.findings.push_back(finding("config/precision", Severity::Warning,
                               {"training-config.yaml", 8, 3, 0, 0}, "precision is 32, not bf16",
                               "set trainer.precision: bf16"));
  r.findings.push_back(finding("layout/folder-location", Severity::Error, {}, "folder elsewhere", ""));
  return r;
}

std::string text_of(const std::vector<RequestReport>& rs, bool color = false) {
  std::ostringstream out;
  write_text(out, rs, TextOptions{color});
  return out.str();
}

}  // namespace

TEST_CASE("locations are path:line:col with unknown parts left out", "[report]") {
  CHECK(location_prefix("a/b", {"n.ipynb", 3, 4, 0, 0}) == "a/b/n.ipynb:3:4");
  CHECK(location_prefix("a/b/", {"n.ipynb", 3, 0, 0, 0}) == "a/b/n.ipynb:3");
  CHECK(location_prefix("a/b//", {"n.ipynb", 0, 7, 0, 0}) == "a/b/n.ipynb");
  CHECK(location_prefix("a/b/", {}) == "a/b");
  CHECK(finding_path(".", {"n.ipynb", 1, 1, 0, 0}) == "n.ipynb");
  CHECK(finding_path("/", {"n.ipynb", 1, 1, 0, 0}) == "/n.ipynb");
  CHECK(finding_path("", {}) == ".");
}

TEST_CASE("colour only on a terminal and never with NO_COLOR", "[report]") {
  CHECK(want_color(true, nullptr));
  CHECK(want_color(true, ""));  // NO_COLOR set but empty: ignored (no-color.org)
  CHECK_FALSE(want_color(true, "1"));
  CHECK_FALSE(want_color(false, nullptr));
  CHECK_FALSE(want_color(false, "1"));
}

TEST_CASE("request text cannot smuggle terminal escapes or invalid UTF-8", "[report]") {
  CHECK(sanitize_for_terminal("plain\ttab é ✓") == "plain\ttab é ✓");
  CHECK(sanitize_for_terminal("a\x1b[2Jb") == "a\\x1b[2Jb");
  CHECK(sanitize_for_terminal("x\ny\r") == "x\\x0ay\\x0d");
  CHECK(sanitize_for_terminal("del\x7f") == "del\\x7f");
  CHECK(sanitize_for_terminal("\xc2\x9b" "31m") == "\\u009b31m");       // C1 CSI
  CHECK(sanitize_for_terminal("bad\xff\xfe!") == "bad\xEF\xBF\xBD\xEF\xBF\xBD!");
  CHECK(sanitize_for_terminal("\xed\xa0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  CHECK(sanitize_for_terminal("\xc0\xaf") == "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong
  CHECK(sanitize_for_terminal("cut\xe2\x9c") == "cut\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST_CASE("text report reads like a compiler's", "[report]") {
  std::string out = text_of({sample()});
  CHECK(out ==
        "examples/requests/x/training-notebook.ipynb:12:5: error: the Discord handle is still the "
        "template's @your-discord-handle [notebook/discord-handle]\n"
        "  hint: write your own handle: \"Your Discord handle: @you\"\n"
        "  in cell 1, line 7\n"
        "examples/requests/x/training-config.yaml:8:3: warning: precision is 32, not bf16 "
        "[config/precision]\n"
        "  hint: set trainer.precision: bf16\n"
        "examples/requests/x: error: folder elsewhere [layout/folder-location]\n"
        "examples/requests/x: 2 errors, 1 warning\n");
  CHECK(out.find('\x1b') == std::string::npos);
}

TEST_CASE("text report colours severities only when asked", "[report]") {
  std::string out = text_of({sample()}, true);
  CHECK(out.find("\x1b[1;31merror:\x1b[0m") != std::string::npos);
  CHECK(out.find("\x1b[1;35mwarning:\x1b[0m") != std::string::npos);
}

TEST_CASE("multi-line messages and hints are indented, never raw", "[report]") {
  RequestReport r;
  r.path = "p";
  r.findings.push_back(finding("a/b", Severity::Info, {"f", 1, 0, 2, 0}, "first\nsecond\x1b", "h1\r\nh2"));
  std::string out = text_of({r});
  CHECK(out ==
        "p/f:1: info: first [a/b]\n"
        "  second\\x1b\n"
        "  hint: h1\n"
        "        h2\n"
        "  in cell 2\n"
        "p: ok (1 note)\n");
}

TEST_CASE("summary lines", "[report]") {
  RequestReport r;
  r.path = "req/";
  CHECK(summary_line(r) == "req: ok");
  r.findings.push_back(finding("x/y", Severity::Warning, {}, "m", "h"));
  CHECK(summary_line(r) == "req: 1 warning");
  r.findings.push_back(finding("x/y", Severity::Error, {}, "m", "h"));
  r.findings.push_back(finding("x/y", Severity::Error, {}, "m", "h"));
  CHECK(summary_line(r) == "req: 2 errors, 1 warning");
  r.findings.push_back(finding("x/y", Severity::Info, {}, "m", "h"));
  CHECK(summary_line(r) == "req: 2 errors, 1 warning, 1 note");
  CHECK(r.errors() == 2);
  CHECK(r.warnings() == 1);
  CHECK(r.infos() == 1);
}

TEST_CASE("several requests end with a total line", "[report]") {
  RequestReport ok;
  ok.path = "good";
  std::string out = text_of({sample(), ok});
  CHECK(out.find("good: ok\n") != std::string::npos);
  CHECK(out.substr(out.rfind('\n', out.size() - 2) + 1) ==
        "2 requests: 1 rejected, 1 ok (2 errors, 1 warning)\n");
  CHECK(text_of({ok, ok}).find("2 requests: all ok (0 errors, 0 warnings)\n") != std::string::npos);
  CHECK(text_of({ok}) == "good: ok\n");
}

TEST_CASE("JSON report has the documented shape", "[report]") {
  auto doc = report_json({sample()});
  CHECK(doc["version"] == 1);
  CHECK(doc["errors"] == 2);
  CHECK(doc["warnings"] == 1);
  CHECK(doc["infos"] == 0);
  REQUIRE(doc["requests"].size() == 1);
  const auto& req = doc["requests"][0];
  CHECK(req["path"] == "examples/requests/x");
  CHECK(req["target"].is_null());
  CHECK(req["notebooks"][0]["file"] == "training-notebook.ipynb");
  CHECK(req["notebooks"][0]["cells"] == 9);
  REQUIRE(req["findings"].size() == 3);
  const auto& f = req["findings"][0];
  CHECK(f["rule"] == "notebook/discord-handle");
  CHECK(f["severity"] == "error");
  CHECK(f["file"] == "examples/requests/x/training-notebook.ipynb");
  CHECK(f["line"] == 12);
  CHECK(f["column"] == 5);
  CHECK(f["cell"] == 1);
  CHECK(f["cell_line"] == 7);
  CHECK(req["findings"][1]["cell"].is_null());
  CHECK(req["findings"][2]["line"].is_null());
  CHECK(req["findings"][2]["file"] == "examples/requests/x");
  CHECK(req["errors"] == 2);
  CHECK(report_json({})["requests"].empty());
}

TEST_CASE("JSON report survives invalid UTF-8 from the request", "[report]") {
  RequestReport r;
  r.path = "dir\xff";
  r.findings.push_back(finding("a/b", Severity::Error, {"n\xfe.ipynb", 1, 1, 0, 0}, "m\xc3", "h"));
  std::ostringstream out;
  REQUIRE_NOTHROW(write_json(out, {r}));
  auto back = nlohmann::json::parse(out.str());
  CHECK(back["requests"][0]["path"] == "dir\xEF\xBF\xBD");
}

TEST_CASE("GitHub annotations escape data and properties", "[report]") {
  CHECK(github_escape_data("50% done\r\nnext: a,b") == "50%25 done%0D%0Anext: a,b");
  CHECK(github_escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A");
  CHECK(github_escape_data("esc\x1b") == "esc\\x1b");
  std::ostringstream out;
  RequestReport r = sample();
  r.findings.push_back(finding("x/y", Severity::Info, {"we,ird:name.ipynb", 0, 3, 0, 0}, "m", ""));
  write_github(out, {r});
  CHECK(out.str() ==
        "::error file=examples/requests/x/training-notebook.ipynb,line=12,col=5,"
        "title=notebook/discord-handle::the Discord handle is still the template's "
        "@your-discord-handle (cell 1, line 7)%0Ahint: write your own handle: \"Your Discord "
        "handle: @you\"\n"
        "::warning file=examples/requests/x/training-config.yaml,line=8,col=3,"
        "title=config/precision::precision is 32, not bf16%0Ahint: set trainer.precision: bf16\n"
        "::error file=examples/requests/x,title=layout/folder-location::folder elsewhere\n"
        "::notice file=examples/requests/x/we%2Cird%3Aname.ipynb,title=x/y::m\n");
}

TEST_CASE("report formats by name", "[report]") {
  CHECK(parse_report_format("text") == ReportFormat::Text);
  CHECK(parse_report_format("json") == ReportFormat::Json);
  CHECK(parse_report_format("github") == ReportFormat::Github);
  CHECK_FALSE(parse_report_format("xml"));
  CHECK_FALSE(parse_report_format("JSON "));
}

TEST_CASE("validate --pr: the pull request's part in text, JSON and GitHub output", "[report][git]") {
  PullRequestReport pr;
  pr.base = "rwkv-community-training";
  pr.merge_base = std::string(40, 'a');
  pr.head = std::string(40, 'b');
  pr.head_name = "my-request";
  pr.commits = 3;
  pr.changed_files = {".github/workflows/ci.yml", "notebook/community/x/training-notebook.ipynb"};
  pr.folders = {"notebook/community/x"};
  pr.findings.push_back(finding("git/pr-title", Severity::Error, {}, "bad title", "fix the title"));
  pr.findings.push_back(finding("git/changes-outside", Severity::Error, {".github/workflows/ci.yml", 0, 0, 0, 0},
                                "the branch changes .github/workflows/ci.yml", "restore it"));
  std::vector<RequestReport> rs = {sample()};

  std::ostringstream text;
  write_text(text, rs, TextOptions{false}, &pr);
  std::string t = text.str();
  CHECK(t.find("pull request: error: bad title [git/pr-title]\n") != std::string::npos);
  CHECK(t.find(".github/workflows/ci.yml: error: the branch changes") != std::string::npos);
  CHECK(t.find("pull request (my-request: 3 commits on rwkv-community-training since aaaaaaa, 2 files changed): "
               "2 errors\n") != std::string::npos);
  CHECK(t.find("pull request (") < t.find("examples/requests/x:"));
  CHECK(pr_summary_line(pr) ==
        "pull request (my-request: 3 commits on rwkv-community-training since aaaaaaa, 2 files changed): 2 errors");

  auto doc = report_json(rs, &pr);
  REQUIRE(doc.contains("pr"));
  CHECK(doc["pr"]["base"] == "rwkv-community-training");
  CHECK(doc["pr"]["commits"] == 3);
  CHECK(doc["pr"]["folders"] == nlohmann::ordered_json::array({"notebook/community/x"}));
  REQUIRE(doc["pr"]["findings"].size() == 2);
  CHECK(doc["pr"]["findings"][0]["file"] == ".");
  CHECK(doc["pr"]["findings"][1]["file"] == ".github/workflows/ci.yml");
  CHECK(doc["pr"]["findings"][1]["line"].is_null());
  CHECK(doc["pr"]["errors"] == 2);
  CHECK(doc["errors"] == 4);  // 2 of the request + 2 of the pull request
  CHECK_FALSE(report_json(rs).contains("pr"));

  std::ostringstream gh;
  write_github(gh, rs, &pr);
  std::string g = gh.str();
  CHECK(g.rfind("::error title=git/pr-title::bad title%0Ahint: fix the title\n", 0) == 0);
  CHECK(g.find("::error file=.github/workflows/ci.yml,title=git/changes-outside::") != std::string::npos);
}

TEST_CASE("SARIF: one run, every rule, results with level, uri and region", "[report][sarif]") {
  SarifOptions so;
  so.tool_version = "9.8.7";
  so.rules = {{"config/precision", Severity::Warning, "precision not bf16"},
              {"layout/folder-location", Severity::Warning, "folder elsewhere"},
              {"notebook/discord-handle", Severity::Error, "no handle"},
              {"notebook/schema", Severity::Info, "schema"}};
  so.source_root = "/repo";
  so.current_dir = "/repo/sub";
  auto rs = std::vector<RequestReport>{sample()};
  rs[0].path = "req";
  auto doc = report_sarif(rs, so);
  CHECK(doc["version"] == "2.1.0");
  REQUIRE(doc["runs"].size() == 1);
  const auto& run = doc["runs"][0];
  const auto& drv = run["tool"]["driver"];
  CHECK(drv["name"] == "rwkvq");
  CHECK(drv["version"] == "9.8.7");
  REQUIRE(drv["rules"].size() == 4);
  CHECK(drv["rules"][2]["id"] == "notebook/discord-handle");
  CHECK(drv["rules"][2]["defaultConfiguration"]["level"] == "error");
  CHECK(drv["rules"][0]["defaultConfiguration"]["level"] == "warning");
  CHECK(drv["rules"][3]["defaultConfiguration"]["level"] == "note");
  CHECK(drv["rules"][2]["shortDescription"]["text"] == "no handle");
  const auto& res = run["results"];
  REQUIRE(res.size() == 3);
  // The finding's own severity (after overrides), not the rule's default.
  CHECK(res[0]["ruleId"] == "notebook/discord-handle");
  CHECK(res[0]["ruleIndex"] == 2);
  CHECK(res[0]["level"] == "error");
  CHECK(res[0]["message"]["text"] ==
        "the Discord handle is still the template's @your-discord-handle\nhint: write your own handle: "
        "\"Your Discord handle: @you\"");
  const auto& pl = res[0]["locations"][0]["physicalLocation"];
  CHECK(pl["artifactLocation"]["uri"] == "sub/req/training-notebook.ipynb");
  CHECK(pl["artifactLocation"]["uriBaseId"] == "%SRCROOT%");
  CHECK(pl["region"]["startLine"] == 12);
  CHECK(pl["region"]["startColumn"] == 5);
  CHECK(res[0]["properties"]["cell"] == 1);
  CHECK(res[0]["properties"]["cellLine"] == 7);
  CHECK(res[1]["ruleIndex"] == 0);
  CHECK_FALSE(res[1].contains("properties"));
  // A finding about the folder itself: anchored at its first notebook (GitHub needs a file), no
  // region, scope "folder"; the error severity kept.
  CHECK(res[2]["level"] == "error");
  CHECK(res[2]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "sub/req/training-notebook.ipynb");
  CHECK_FALSE(res[2]["locations"][0]["physicalLocation"].contains("region"));
  CHECK(res[2]["properties"]["scope"] == "folder");
  // A folder without any notebook: the folder itself.
  rs[0].notebooks.clear();
  auto doc2 = report_sarif(rs, so);
  CHECK(doc2["runs"][0]["results"][2]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "sub/req/");
  CHECK_FALSE(doc2["runs"][0]["results"][2].contains("properties"));
  CHECK(res[2]["message"]["text"] == "folder elsewhere");  // no hint: no "hint:" line
}

TEST_CASE("SARIF: URIs escaped, outside the root absolute, unknown rules without an index", "[report][sarif]") {
  CHECK(sarif_uri_encode("a b/c#1%.ipynb") == "a%20b/c%231%25.ipynb");
  CHECK(sarif_uri_encode("x:y") == "x%3Ay");  // a colon would read as a scheme
  CHECK(sarif_uri_encode("\xC3\xA9\xFF") == "%C3%A9%FF");
  SarifOptions so;
  so.source_root = "/repo";
  so.current_dir = "/elsewhere";
  RequestReport r;
  r.path = "../other dir/x";
  r.findings.push_back(Finding{"no/such-rule", Severity::Info, {"f.yaml", 2, 0, 0, 0}, "m", ""});
  auto doc = report_sarif({r}, so);
  const auto& res = doc["runs"][0]["results"][0];
  CHECK(res["level"] == "note");
  CHECK_FALSE(res.contains("ruleIndex"));
  const auto& al = res["locations"][0]["physicalLocation"]["artifactLocation"];
  CHECK(al["uri"] == "file:///other%20dir/x/f.yaml");
  CHECK_FALSE(al.contains("uriBaseId"));
  CHECK(res["locations"][0]["physicalLocation"]["region"]["startLine"] == 2);
  CHECK_FALSE(res["locations"][0]["physicalLocation"]["region"].contains("startColumn"));
}

TEST_CASE("SARIF: the pull request's findings first, relative to the root; its title anchored",
          "[report][sarif]") {
  SarifOptions so;
  so.source_root = "/repo";
  so.current_dir = "/repo/notebook";
  PullRequestReport pr;
  pr.findings.push_back(Finding{"git/pr-title", Severity::Error, {}, "bad title", "fix the title"});
  pr.findings.push_back(Finding{"git/changes-outside", Severity::Error, {".github/x.yml", 0, 0, 0, 0}, "m", "h"});
  auto doc = report_sarif({sample()}, so, &pr);
  const auto& res = doc["runs"][0]["results"];
  REQUIRE(res.size() == 5);
  CHECK(res[0]["ruleId"] == "git/pr-title");
  CHECK(res[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] ==
        "notebook/examples/requests/x/training-notebook.ipynb");
  CHECK(res[0]["properties"]["scope"] == "pull request");
  CHECK(res[1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == ".github/x.yml");
  CHECK(res[2]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] ==
        "notebook/examples/requests/x/training-notebook.ipynb");
  std::ostringstream out;
  write_sarif(out, {sample()}, so, &pr);
  CHECK(nlohmann::json::parse(out.str())["runs"][0]["results"].size() == 5);
  // No request: the first changed file; nothing at all: no location.
  pr.changed_files = {"README.md"};
  auto only = report_sarif({}, so, &pr);
  CHECK(only["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "README.md");
  pr.changed_files.clear();
  CHECK_FALSE(report_sarif({}, so, &pr)["runs"][0]["results"][0].contains("locations"));
}

TEST_CASE("sarif is a report format", "[report][sarif]") {
  CHECK(parse_report_format("sarif") == ReportFormat::Sarif);
  CHECK_FALSE(parse_report_format("SARIF").has_value());
}
