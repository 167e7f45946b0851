#pragma once
// The programme's runner is GitHub Actions (DESIGN §10). This is the small GitHub REST client
// `rwkvq queue dispatch / sync / import` use, over the same libcurl layer as --online
// (net/http.h: timeouts, retries, lazy loading), and the pure logic around it: the Link header,
// the matching of dispatched parts to workflow runs. GITHUB_TOKEN is sent only to the origin of
// GITHUB_API_URL (redirects elsewhere drop it) and is never printed or logged.
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rwkvq/net/http.h"
#include "rwkvq/queue/document.h"

namespace rwkvq::runner {

using queue::Time;

// An answer GitHub gave that is not the one wanted (status 4xx: refused; the message is the
// API's own), or no usable answer (status 0 or 5xx after the retries, or a body that is not
// the JSON expected).
struct ApiError : std::runtime_error {
  ApiError(long status, const std::string& what) : std::runtime_error(what), status(status) {}
  long status;
  bool refused() const { return status >= 400 && status < 500; }
};

struct GitHubConfig {
  std::string api_url = "https://api.github.com";  // GITHUB_API_URL, no trailing '/'
  std::string token;                                // GITHUB_TOKEN; "" = none
  net::HttpOptions http;                            // timeouts, retries (token fields are set here)
};
// GITHUB_API_URL (default https://api.github.com) and GITHUB_TOKEN from the environment; the
// User-Agent names rwkvq and its version. Throws UsageError when GITHUB_API_URL is not an
// absolute http(s) URL.
GitHubConfig github_from_env();

class GitHub {
 public:
  explicit GitHub(GitHubConfig cfg);
  const GitHubConfig& config() const { return cfg_; }
  // {api}/repos/{repo}/{path}
  std::string repo_url(std::string_view repo, std::string_view path) const;
  // The request of a workflow_dispatch: POST …/actions/workflows/{workflow}/dispatches with
  // {"ref": ref, "inputs": {…}} and the headers of DESIGN §10 (the token is added by send()).
  net::HttpRequest dispatch_request(std::string_view repo, std::string_view workflow, std::string_view ref,
                                    const std::vector<std::pair<std::string, std::string>>& inputs) const;
  // The request's method, URL, headers (Authorization with the token masked, as it would be
  // sent) and body, for --dry-run.
  std::string describe(const net::HttpRequest& r) const;
  // Sends one request (the token only to GITHUB_API_URL's origin). Never throws on HTTP.
  net::HttpResponse send(const net::HttpRequest& r) const;
  // GET url and every following page by the Link header (at most max_pages); each page's JSON.
  // Throws ApiError on any answer but 200, or a body that is not JSON.
  std::vector<nlohmann::json> get_pages(const std::string& url, int max_pages = 20) const;
  // One GET, its JSON. Throws ApiError.
  nlohmann::json get_json(const std::string& url) const;

 private:
  net::HttpRequest get_request(const std::string& url) const;
  GitHubConfig cfg_;
};

// The URL of rel="next" in a Link header, if any.
std::optional<std::string> link_next(std::string_view link);
// What to say about an answer that is not the one wanted: "422 Unprocessable Entity: <the API's
// message>", or the transport error. Terminal-safe.
std::string describe_failure(const net::HttpResponse& r);

// ---------------------------------------------------------------- workflow runs

struct WorkflowRun {
  long long id = 0;
  std::string url;           // html_url
  std::string status;        // queued, in_progress, completed …
  std::string conclusion;    // "" until completed
  std::string head_branch;
  std::string event;
  Time created = 0;
  std::optional<Time> started;   // run_started_at
  std::optional<Time> updated;   // updated_at: the end, once completed
};
// The runs of one page of GET …/actions/workflows/{workflow}/runs. Throws ApiError (status 0)
// on a shape that is not that of the API.
std::vector<WorkflowRun> parse_runs(const nlohmann::json& page);
// Job names of GET …/actions/runs/{id}/jobs.
std::vector<std::string> parse_job_names(const nlohmann::json& page);

// A part waiting for its run: dispatched at `at` with input notebookFile.
struct PendingPart {
  std::string key;  // "r3/part1"
  Time at = 0;
  std::string notebook_file;
};
struct RunMatch {
  std::string key;
  const WorkflowRun* run = nullptr;  // nullptr: no run matched (yet)
  std::string how;                   // "the only run created after the dispatch", "job name", "earliest"
};
inline constexpr Time kClockSkew = 60;
// Matches each pending part to a run (DESIGN §10), parts in dispatch order: candidates are the
// runs created at or after the dispatch (kClockSkew allowed), not in `claimed` and not matched
// to an earlier part; among several, the one whose job name holds the part's notebookFile
// (job_names is asked only then), else the earliest. Runs are only ever given to one part.
std::vector<RunMatch> match_runs(const std::vector<PendingPart>& parts, const std::vector<WorkflowRun>& runs,
                                 const std::set<long long>& claimed,
                                 const std::function<std::vector<std::string>(long long)>& job_names);

// ---------------------------------------------------------------- pull requests

struct PullRequest {
  long long number = 0;
  std::string title, author, url, head_sha;
  std::vector<std::string> files;    // changed paths (GET …/pulls/{n}/files)
  std::vector<std::string> folders;  // the request folders they touch
};
// The pull requests of one page of GET …/pulls whose title starts with "[training request]"
// (any case). Throws ApiError (status 0) on a shape that is not the API's.
std::vector<PullRequest> parse_training_pulls(const nlohmann::json& page);
bool is_training_request_title(std::string_view title);
// The file names of one page of GET …/pulls/{n}/files.
std::vector<std::string> parse_pull_files(const nlohmann::json& page);

// "2024-05-01T12:00:00Z" → Time; nullopt for null / malformed.
std::optional<Time> api_time(const nlohmann::json& v);

}  // namespace rwkvq::runner
