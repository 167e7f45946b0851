// The multi loop of net/http.h. One Job per request; an attempt is one easy handle. When an
// attempt ends: a redirect (3xx with a Location libcurl resolved) starts a new attempt at the new
// URL (the token only if that origin is allowed); a 5xx/429 answer or a timeout is tried again
// after a backoff (Retry-After when the server gives one) if the job's budget still allows;
// anything else is the job's answer.
#include "rwkvq/net/http.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <thread>

#include "net/curl_api.h"
#include "rwkvq/util/strings.h"

namespace rwkvq::net {

using Clock = std::chrono::steady_clock;

std::string origin_of(std::string_view url) {
  const auto sep = url.find("://");
  if (sep == std::string_view::npos) return "";
  std::string scheme = to_lower(url.substr(0, sep));
  if (scheme != "http" && scheme != "https") return "";
  std::string_view rest = url.substr(sep + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) rest = rest.substr(at + 1);
  std::string host(rest), port;
  if (!host.empty() && host[0] == '[') {  // [v6]:port
    const auto close = host.find(']');
    if (close == std::string::npos) return "";
    if (close + 1 < host.size() && host[close + 1] == ':') port = host.substr(close + 2);
    host = host.substr(0, close + 1);
  } else if (const auto colon = host.rfind(':'); colon != std::string::npos) {
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
  }
  if (host.empty()) return "";
  if (port.empty()) port = scheme == "https" ? "443" : "80";
  return scheme + "://" + to_lower(host) + ":" + port;
}

namespace {

struct Job {
  std::size_t index = 0;
  std::string method, url, request_body;
  std::vector<std::string> extra_headers;
  Clock::time_point deadline, start_at;
  int tries = 0, redirects = 0;
  bool running = false, done = false;
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  // the attempt in flight
  Headers cur_headers;
  std::string body;
  bool too_large = false;
  std::size_t max_body = 0;
  char errbuf[CURL_ERROR_SIZE] = {};
};

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
  Job* j = static_cast<Job*>(user);
  std::string_view line(data, size * n);
  if (starts_with(line, "HTTP/")) {
    j->cur_headers.clear();  // a new answer (after 100 Continue, a proxy's CONNECT …)
  } else if (const auto colon = line.find(':'); colon != std::string_view::npos) {
    std::string name = to_lower(trim(line.substr(0, colon)));
    j->cur_headers[name] = std::string(trim(line.substr(colon + 1)));
  }
  return size * n;
}

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  Job* j = static_cast<Job*>(user);
  const std::size_t len = size * n;
  if (j->body.size() + len > j->max_body) {
    j->body.append(data, j->max_body - j->body.size());
    j->too_large = true;
    return 0;  // stops the transfer (CURLE_WRITE_ERROR): a huge body is never read whole
  }
  j->body.append(data, len);
  return len;
}

long ms_left(const Job& j, Clock::time_point now) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(j.deadline - now).count());
}

// Retry-After: seconds, or an HTTP date (not parsed: the default backoff then).
std::optional<long> retry_after_ms(const Headers& h) {
  auto it = h.find("retry-after");
  if (it == h.end()) return std::nullopt;
  const std::string& v = it->second;
  if (v.empty() || v.size() > 6 || !std::all_of(v.begin(), v.end(), [](unsigned char c) { return std::isdigit(c); }))
    return std::nullopt;
  return std::stol(v) * 1000;
}

}  // namespace

std::vector<HttpResponse> fetch_all(const std::vector<HttpRequest>& requests, const HttpOptions& opt) {
  std::vector<HttpResponse> out(requests.size());
  if (requests.empty()) return out;
  const CurlApi& c = curl_api();
  CURLM* multi = c.curl_multi_init();
  if (!multi) {
    for (auto& r : out) r.error = "libcurl could not start";
    return out;
  }
  const Clock::time_point t0 = Clock::now();
  std::vector<std::unique_ptr<Job>> jobs;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    auto j = std::make_unique<Job>();
    j->index = i;
    j->method = requests[i].method;
    j->url = requests[i].url;
    j->request_body = requests[i].body;
    j->extra_headers = requests[i].headers;
    j->deadline = t0 + std::chrono::milliseconds(opt.budget_ms);
    j->start_at = t0;
    j->max_body = opt.max_body;
    out[i].final_url = j->url;
    jobs.push_back(std::move(j));
  }

  auto finish_attempt = [&](Job& j) {
    if (j.easy) {
      c.curl_multi_remove_handle(multi, j.easy);
      c.curl_easy_cleanup(j.easy);
      j.easy = nullptr;
    }
    if (j.headers) {
      c.curl_slist_free_all(j.headers);
      j.headers = nullptr;
    }
    j.running = false;
  };

  auto start = [&](Job& j, Clock::time_point now) {
    HttpResponse& r = out[j.index];
    const long left = ms_left(j, now);
    if (left <= 0) {
      j.done = true;
      if (!r.answered() && r.error.empty()) {
        r.error = "no answer within " + std::to_string(opt.budget_ms / 1000.0).substr(0, 4) + " s";
        r.timed_out = true;
      }
      return;
    }
    j.easy = c.curl_easy_init();
    if (!j.easy) {
      j.done = true;
      r.error = "libcurl could not start a transfer";
      return;
    }
    ++j.tries;
    j.cur_headers.clear();
    j.body.clear();
    j.too_large = false;
    j.errbuf[0] = 0;
    CURL* e = j.easy;
    c.curl_easy_setopt(e, CURLOPT_URL, j.url.c_str());
    c.curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    c.curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);  // followed here, to control the token
    c.curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, std::min(opt.connect_timeout_ms, left));
    c.curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, left);
    c.curl_easy_setopt(e, CURLOPT_USERAGENT, opt.user_agent.c_str());
    c.curl_easy_setopt(e, CURLOPT_ERRORBUFFER, j.errbuf);
    c.curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &on_header);
    c.curl_easy_setopt(e, CURLOPT_HEADERDATA, &j);
    c.curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &on_body);
    c.curl_easy_setopt(e, CURLOPT_WRITEDATA, &j);
    c.curl_easy_setopt(e, CURLOPT_MAXREDIRS, 0L);
    if (j.method == "HEAD") c.curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    if (j.method == "POST") {
      c.curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, static_cast<long>(j.request_body.size()));
      c.curl_easy_setopt(e, CURLOPT_POSTFIELDS, j.request_body.c_str());  // j outlives the attempt
    }
    const bool token = !opt.token.empty() &&
                       std::find(opt.token_origins.begin(), opt.token_origins.end(), origin_of(j.url)) !=
                           opt.token_origins.end();
    const bool own_accept = std::any_of(j.extra_headers.begin(), j.extra_headers.end(),
                                        [](const std::string& h) { return starts_with(to_lower(h), "accept:"); });
    j.headers = own_accept ? nullptr : c.curl_slist_append(nullptr, "Accept: application/json, */*");
    for (const auto& h : j.extra_headers) j.headers = c.curl_slist_append(j.headers, h.c_str());
    if (token) {
      const std::string auth = "Authorization: Bearer " + opt.token;
      j.headers = c.curl_slist_append(j.headers, auth.c_str());
    }
    c.curl_easy_setopt(e, CURLOPT_HTTPHEADER, j.headers);
    r.token_sent = token;
    spdlog::debug("online: {} {} (try {}{})", j.method, j.url, j.tries, token ? ", with the token" : "");
    j.running = true;
    c.curl_multi_add_handle(multi, e);
  };

  // What an ended attempt means for its job.
  auto ended = [&](Job& j, CURLcode code) {
    HttpResponse& r = out[j.index];
    long status = 0;
    c.curl_easy_getinfo(j.easy, CURLINFO_RESPONSE_CODE, &status);
    char* location = nullptr;
    c.curl_easy_getinfo(j.easy, CURLINFO_REDIRECT_URL, &location);
    const std::string next = location ? location : "";
    const std::string err = j.errbuf[0] ? std::string(j.errbuf) : std::string(c.curl_easy_strerror(code));
    finish_attempt(j);
    const Clock::time_point now = Clock::now();
    const bool answered = status > 0 && (code == CURLE_OK || (code == CURLE_WRITE_ERROR && j.too_large));
    if (answered) {
      r.status = status;
      r.error.clear();
      r.timed_out = false;
      r.headers = j.cur_headers;
      r.hops.push_back(j.cur_headers);
      r.body = std::move(j.body);
      r.body_too_large = j.too_large;
      r.final_url = j.url;
      r.tries = j.tries;
      r.redirects = j.redirects;
      if (status >= 300 && status < 400 && !next.empty()) {
        if (j.redirects >= opt.max_redirects || origin_of(next).empty()) {
          r.error = j.redirects >= opt.max_redirects ? "too many redirects" : "redirect to an unsupported URL";
          r.status = 0;
          j.done = true;
          return;
        }
        ++j.redirects;
        j.url = next;
        j.tries = 0;
        j.start_at = now;
        return;
      }
      if ((status >= 500 || status == 429) && j.tries < opt.max_tries) {
        long wait = retry_after_ms(j.cur_headers).value_or(opt.backoff_ms << (j.tries - 1));
        if (ms_left(j, now) > wait) {
          r.hops.pop_back();
          j.start_at = now + std::chrono::milliseconds(wait);
          return;
        }
      }
      j.done = true;
      return;
    }
    // No answer.
    const bool timeout = code == CURLE_OPERATION_TIMEDOUT;
    const bool transient = timeout || code == CURLE_PARTIAL_FILE || code == CURLE_GOT_NOTHING ||
                           code == CURLE_RECV_ERROR || code == CURLE_SEND_ERROR;
    r.status = 0;
    r.timed_out = timeout;
    r.error = timeout ? "timed out" : err;
    r.tries = j.tries;
    r.final_url = j.url;
    const long wait = opt.backoff_ms << (j.tries - 1);
    if (transient && j.tries < opt.max_tries && ms_left(j, now) > wait + 50) {
      j.start_at = now + std::chrono::milliseconds(wait);
      return;
    }
    j.done = true;
  };

  for (;;) {
    const Clock::time_point now = Clock::now();
    bool pending = false;
    long sleep_ms = 1000;
    for (auto& j : jobs) {
      if (j->done) continue;
      pending = true;
      if (!j->running) {
        if (j->start_at <= now) start(*j, now);
        else sleep_ms = std::min<long>(sleep_ms, static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                                       j->start_at - now).count()) + 1);
      }
    }
    if (!pending) break;
    int still = 0;
    c.curl_multi_perform(multi, &still);
    int left = 0;
    while (CURLMsg* m = c.curl_multi_info_read(multi, &left)) {
      if (m->msg != CURLMSG_DONE) continue;
      for (auto& j : jobs)
        if (j->easy == m->easy_handle) {
          ended(*j, m->data.result);
          break;
        }
    }
    bool any_running = false;
    for (auto& j : jobs) any_running = any_running || j->running;
    if (any_running) {
      int fds = 0;
      c.curl_multi_poll(multi, nullptr, 0, static_cast<int>(std::min<long>(sleep_ms, 200)), &fds);
    } else {
      bool any_waiting = false;
      for (auto& j : jobs) any_waiting = any_waiting || (!j->done && !j->running);
      if (any_waiting) std::this_thread::sleep_for(std::chrono::milliseconds(std::min<long>(sleep_ms, 200)));
    }
  }
  for (auto& j : jobs) finish_attempt(*j);
  c.curl_multi_cleanup(multi);
  for (const auto& r : out)
    spdlog::debug("online: {} -> {}{}", r.final_url, r.status, r.error.empty() ? "" : " (" + r.error + ")");
  return out;
}

}  // namespace rwkvq::net
