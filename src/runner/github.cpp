// GitHub REST client for the runner commands (runner/github.h).
#include "rwkvq/runner/github.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "rwkvq/core/error.h"
#include "rwkvq/report/report.h"
#include "rwkvq/util/strings.h"

namespace rwkvq::runner {

using json = nlohmann::json;

GitHubConfig github_from_env() {
  GitHubConfig c;
  if (const char* u = std::getenv("GITHUB_API_URL"); u && *u) c.api_url = u;
  while (!c.api_url.empty() && c.api_url.back() == '/') c.api_url.pop_back();
  if (net::origin_of(c.api_url).empty())
    throw UsageError("GITHUB_API_URL '" + sanitize_for_terminal(c.api_url) + "' is not an http(s) URL");
  if (const char* t = std::getenv("GITHUB_TOKEN"); t && *t) c.token = trim(t);
  c.http.user_agent = std::string("rwkvq/") + RWKVQ_VERSION + " (training-request queue; libcurl)";
  c.http.budget_ms = 30000;
  return c;
}

GitHub::GitHub(GitHubConfig cfg) : cfg_(std::move(cfg)) {
  cfg_.http.token = cfg_.token;
  cfg_.http.token_origins = {net::origin_of(cfg_.api_url)};  // only ever GITHUB_API_URL
}

std::string GitHub::repo_url(std::string_view repo, std::string_view path) const {
  return cfg_.api_url + "/repos/" + std::string(repo) + "/" + std::string(path);
}

namespace {
const std::vector<std::string> kApiHeaders = {"Accept: application/vnd.github+json",
                                              "X-GitHub-Api-Version: 2022-11-28"};
}

net::HttpRequest GitHub::get_request(const std::string& url) const {
  net::HttpRequest r;
  r.url = url;
  r.headers = kApiHeaders;
  return r;
}

net::HttpRequest GitHub::dispatch_request(std::string_view repo, std::string_view workflow, std::string_view ref,
                                          const std::vector<std::pair<std::string, std::string>>& inputs) const {
  nlohmann::ordered_json body{{"ref", std::string(ref)}, {"inputs", nlohmann::ordered_json::object()}};
  for (const auto& [k, v] : inputs) body["inputs"][k] = v;
  net::HttpRequest r;
  r.method = "POST";
  r.url = repo_url(repo, "actions/workflows/" + std::string(workflow) + "/dispatches");
  r.headers = kApiHeaders;
  r.headers.push_back("Content-Type: application/json");
  r.body = body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  return r;
}

std::string GitHub::describe(const net::HttpRequest& r) const {
  // Line by line: each line is made terminal-safe, the line breaks stay.
  std::vector<std::string> lines{r.method + " " + r.url, "User-Agent: " + cfg_.http.user_agent};
  lines.insert(lines.end(), r.headers.begin(), r.headers.end());
  const bool token = !cfg_.token.empty() && net::origin_of(r.url) == net::origin_of(cfg_.api_url);
  lines.push_back(token ? "Authorization: Bearer ****" : "Authorization: (none: GITHUB_TOKEN is not set)");
  if (!r.body.empty()) {
    lines.push_back("");
    lines.push_back(r.body);
  }
  std::string out;
  for (const auto& l : lines) out += sanitize_for_terminal(l) + "\n";
  return out;
}

net::HttpResponse GitHub::send(const net::HttpRequest& r) const {
  spdlog::debug("github: {} {}", r.method, r.url);  // never the token: http.cpp logs only whether it went
  return net::fetch_all({r}, cfg_.http).front();
}

std::string describe_failure(const net::HttpResponse& r) {
  if (!r.answered()) return sanitize_for_terminal(r.error.empty() ? "no answer" : r.error);
  std::string msg = std::to_string(r.status);
  const json j = json::parse(r.body, nullptr, false);
  if (!j.is_discarded() && j.is_object() && j.contains("message") && j["message"].is_string()) {
    msg += ": " + j["message"].get<std::string>();
    if (j.contains("errors") && j["errors"].is_array())
      for (const auto& e : j["errors"])
        if (e.is_object() && e.contains("message") && e["message"].is_string())
          msg += "; " + e["message"].get<std::string>();
  } else if (!trim(r.body).empty()) {
    msg += ": " + std::string(trim(r.body.substr(0, 300)));
  }
  return sanitize_for_terminal(msg);
}

json GitHub::get_json(const std::string& url) const {
  const auto r = send(get_request(url));
  if (r.status != 200) throw ApiError(r.status, "GET " + url + ": " + describe_failure(r));
  json j = json::parse(r.body, nullptr, false);
  if (j.is_discarded() || r.body_too_large) throw ApiError(0, "GET " + url + ": the answer is not JSON");
  return j;
}

std::vector<json> GitHub::get_pages(const std::string& url, int max_pages) const {
  std::vector<json> pages;
  std::string next = url;
  while (!next.empty()) {
    if (static_cast<int>(pages.size()) >= max_pages) {
      spdlog::warn("github: stopped after {} pages of {}", max_pages, url);
      break;
    }
    const auto r = send(get_request(next));
    if (r.status != 200) throw ApiError(r.status, "GET " + next + ": " + describe_failure(r));
    json j = json::parse(r.body, nullptr, false);
    if (j.is_discarded() || r.body_too_large) throw ApiError(0, "GET " + next + ": the answer is not JSON");
    pages.push_back(std::move(j));
    next.clear();
    if (auto it = r.headers.find("link"); it != r.headers.end())
      if (auto n = link_next(it->second)) {
        // Follow only pages of the same API: a Link elsewhere would take the listing off-site.
        if (net::origin_of(*n) == net::origin_of(cfg_.api_url)) next = *n;
        else spdlog::warn("github: ignored a next page on another origin: {}", sanitize_for_terminal(*n));
      }
  }
  return pages;
}

std::optional<std::string> link_next(std::string_view link) {
  // <https://…?page=2>; rel="next", <https://…?page=5>; rel="last"
  std::size_t i = 0;
  while (i < link.size()) {
    const auto lt = link.find('<', i);
    if (lt == std::string_view::npos) break;
    const auto gt = link.find('>', lt);
    if (gt == std::string_view::npos) break;
    const std::string_view url = link.substr(lt + 1, gt - lt - 1);
    auto end = link.find('<', gt);
    const std::string_view params = link.substr(gt + 1, end == std::string_view::npos ? std::string_view::npos : end - gt - 1);
    // rel="next" or rel=next, possibly among several rel values ("next last").
    for (std::size_t p = params.find("rel="); p != std::string_view::npos; p = params.find("rel=", p + 4)) {
      std::string_view v = params.substr(p + 4);
      if (!v.empty() && v[0] == '"') {
        v.remove_prefix(1);
        v = v.substr(0, v.find('"'));
      } else {
        v = v.substr(0, v.find_first_of(";, "));
      }
      std::size_t k = 0;
      while (k < v.size()) {
        const auto sp = v.find(' ', k);
        const auto word = v.substr(k, sp == std::string_view::npos ? std::string_view::npos : sp - k);
        if (to_lower(word) == "next" && !url.empty()) return std::string(url);
        if (sp == std::string_view::npos) break;
        k = sp + 1;
      }
    }
    if (end == std::string_view::npos) break;
    i = end;
  }
  return std::nullopt;
}

std::optional<Time> api_time(const json& v) {
  if (!v.is_string()) return std::nullopt;
  return queue::parse_time(v.get<std::string>());
}

namespace {
std::string str_of(const json& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}
}  // namespace

std::vector<WorkflowRun> parse_runs(const json& page) {
  if (!page.is_object() || !page.contains("workflow_runs") || !page["workflow_runs"].is_array())
    throw ApiError(0, "the list of workflow runs has no \"workflow_runs\" array");
  std::vector<WorkflowRun> out;
  for (const auto& r : page["workflow_runs"]) {
    if (!r.is_object() || !r.contains("id") || !r["id"].is_number_integer()) continue;
    WorkflowRun w;
    w.id = r["id"].get<long long>();
    w.url = str_of(r, "html_url");
    w.status = str_of(r, "status");
    w.conclusion = str_of(r, "conclusion");
    w.head_branch = str_of(r, "head_branch");
    w.event = str_of(r, "event");
    const auto created = r.contains("created_at") ? api_time(r["created_at"]) : std::nullopt;
    if (!created) continue;  // a run without a creation time cannot be matched
    w.created = *created;
    if (r.contains("run_started_at")) w.started = api_time(r["run_started_at"]);
    if (r.contains("updated_at")) w.updated = api_time(r["updated_at"]);
    out.push_back(std::move(w));
  }
  return out;
}

std::vector<std::string> parse_job_names(const json& page) {
  std::vector<std::string> out;
  if (!page.is_object() || !page.contains("jobs") || !page["jobs"].is_array()) return out;
  for (const auto& j : page["jobs"])
    if (j.is_object()) out.push_back(str_of(j, "name"));
  return out;
}

std::vector<RunMatch> match_runs(const std::vector<PendingPart>& parts, const std::vector<WorkflowRun>& runs,
                                 const std::set<long long>& claimed,
                                 const std::function<std::vector<std::string>(long long)>& job_names) {
  std::vector<const PendingPart*> order;
  for (const auto& p : parts) order.push_back(&p);
  std::stable_sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->at < b->at; });
  std::set<long long> taken = claimed;
  std::vector<RunMatch> out;
  for (const PendingPart* p : order) {
    std::vector<const WorkflowRun*> cands;
    for (const auto& r : runs)
      if (r.created + kClockSkew >= p->at && !taken.count(r.id)) cands.push_back(&r);
    std::stable_sort(cands.begin(), cands.end(), [](auto* a, auto* b) {
      return a->created != b->created ? a->created < b->created : a->id < b->id;
    });
    RunMatch m{p->key, nullptr, ""};
    if (cands.size() == 1) {
      m.run = cands[0];
      m.how = "the only unclaimed run created after the dispatch";
    } else if (cands.size() > 1) {
      for (const WorkflowRun* c : cands) {
        if (p->notebook_file.empty() || !job_names) break;
        const auto names = job_names(c->id);
        if (std::any_of(names.begin(), names.end(),
                        [&](const std::string& n) { return n.find(p->notebook_file) != std::string::npos; })) {
          m.run = c;
          m.how = "its job name holds " + p->notebook_file;
          break;
        }
      }
      if (!m.run) {
        m.run = cands[0];
        m.how = "the earliest of " + std::to_string(cands.size()) + " unclaimed runs created after the dispatch";
      }
    }
    if (m.run) taken.insert(m.run->id);
    out.push_back(std::move(m));
  }
  return out;
}

bool is_training_request_title(std::string_view title) {
  const std::string t = to_lower(trim(title));
  return starts_with(t, "[training request]");
}

std::vector<PullRequest> parse_training_pulls(const json& page) {
  if (!page.is_array()) throw ApiError(0, "the list of pull requests is not an array");
  std::vector<PullRequest> out;
  for (const auto& p : page) {
    if (!p.is_object() || !p.contains("number") || !p["number"].is_number_integer()) continue;
    PullRequest pr;
    pr.number = p["number"].get<long long>();
    pr.title = str_of(p, "title");
    if (!is_training_request_title(pr.title)) continue;
    pr.url = str_of(p, "html_url");
    if (p.contains("user") && p["user"].is_object()) pr.author = str_of(p["user"], "login");
    if (p.contains("head") && p["head"].is_object()) pr.head_sha = str_of(p["head"], "sha");
    out.push_back(std::move(pr));
  }
  return out;
}

std::vector<std::string> parse_pull_files(const json& page) {
  if (!page.is_array()) throw ApiError(0, "the list of a pull request's files is not an array");
  std::vector<std::string> out;
  for (const auto& f : page)
    if (f.is_object()) {
      std::string name = str_of(f, "filename");
      if (!name.empty()) out.push_back(std::move(name));
      // A rename moves a file out of a folder too: that folder is changed.
      std::string prev = str_of(f, "previous_filename");
      if (!prev.empty()) out.push_back(std::move(prev));
    }
  return out;
}

}  // namespace rwkvq::runner
