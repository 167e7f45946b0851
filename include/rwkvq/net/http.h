#pragma once
// A small HTTP client for the online checks (DESIGN §9): requests in, responses out. All requests
// of one call run in parallel (libcurl multi, loaded on first use); each has a connect timeout and
// one budget covering its tries (up to max_tries on 5xx, 429 and timeouts, with backoff that
// honours Retry-After within the budget) and its redirects (followed here, at most
// max_redirects, so the token can be dropped on a redirect to another origin). A body is read up
// to max_body bytes, never whole. The token is sent only to token_origins and is never logged.
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rwkvq::net {

using Headers = std::map<std::string, std::string>;  // lower-case names

struct HttpRequest {
  HttpRequest(std::string m = "GET", std::string u = "") : method(std::move(m)), url(std::move(u)) {}
  std::string method;  // GET, HEAD or POST
  std::string url;
  std::string body;                  // POST: sent as is
  std::vector<std::string> headers;  // extra "Name: value" lines (an Accept here replaces the default)
};

struct HttpResponse {
  long status = 0;            // final HTTP status; 0 = no answer (see error)
  std::string error;          // transport error ("timed out", "could not resolve host"); "" if answered
  bool timed_out = false;
  Headers headers;            // of the final answer
  std::vector<Headers> hops;  // of every answer, redirects first, the final one last
  std::string body;           // GET: at most max_body bytes
  bool body_too_large = false;  // the body went beyond max_body: reading stopped there
  std::string final_url;
  int tries = 0;              // attempts of the final URL (1 = no retry)
  int redirects = 0;
  bool token_sent = false;    // the final answer's request carried the token
  bool from_cache = false;
  bool answered() const { return status > 0; }
};

struct HttpOptions {
  std::string token;                       // HF_TOKEN; "" = none
  std::vector<std::string> token_origins;  // "https://huggingface.co:443" (origin_of)
  std::string user_agent;
  long connect_timeout_ms = 5000;
  long budget_ms = 20000;      // one request, tries and redirects included
  int max_tries = 3;
  int max_redirects = 5;
  long backoff_ms = 500;       // before the 2nd try; doubled for the 3rd
  std::size_t max_body = 4u << 20;
};

// "scheme://host:port", lower-case, the port made explicit (80/443 by default); "" when `url` is
// not an absolute http(s) URL.
std::string origin_of(std::string_view url);

// Runs every request in parallel and returns the responses in the same order. Throws UsageError
// only when libcurl cannot be loaded; every network failure is a response with `error`.
std::vector<HttpResponse> fetch_all(const std::vector<HttpRequest>& requests, const HttpOptions& opt);

}  // namespace rwkvq::net
