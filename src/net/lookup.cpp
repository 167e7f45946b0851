// Online look-ups (DESIGN §9): what to ask for each download and Hub id, what an answer means,
// and the one-day cache of answers that succeeded. The HTTP client is net/http.cpp; the rules
// that judge the outcomes are rules/net_rules.cpp.
#include "rwkvq/net/lookup.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <set>

#include "rwkvq/request/vpath.h"
#include "rwkvq/util/atomic_file.h"
#include "rwkvq/util/strings.h"

namespace rwkvq::net {

std::string_view to_string(LookupKind k) {
  switch (k) {
    case LookupKind::Model: return "model";
    case LookupKind::Dataset: return "dataset";
    case LookupKind::Other: return "other";
  }
  return "other";
}

std::string_view to_string(Outcome o) {
  switch (o) {
    case Outcome::Unchecked: return "unchecked";
    case Outcome::Ok: return "ok";
    case Outcome::Missing: return "missing";
    case Outcome::Gated: return "gated";
    case Outcome::Broken: return "broken";
    case Outcome::Unreachable: return "unreachable";
  }
  return "unchecked";
}

const Lookup* NetFacts::find(std::string_view subject) const {
  for (const auto& l : lookups)
    if (l.subject == subject) return &l;
  return nullptr;
}

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

std::string strip_slash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

bool id_part(std::string_view s) {
  if (s.empty() || s.size() > 96 || s == "." || s == "..") return false;
  for (unsigned char c : s)
    if (!(std::isalnum(c) || c == '-' || c == '_' || c == '.')) return false;
  return true;
}

// "owner/name" (a Hub repository id) or "owner/name/path/in/repo": the id and the file ("" none).
std::optional<std::pair<std::string, std::string>> hub_spec(std::string_view s) {
  if (s.find("://") != std::string_view::npos || s.empty() || s[0] == '/' || s[0] == '.') return std::nullopt;
  const auto a = s.find('/');
  if (a == std::string_view::npos) return std::nullopt;
  const auto b = s.find('/', a + 1);
  std::string_view owner = s.substr(0, a), name = s.substr(a + 1, b == std::string_view::npos ? s.npos : b - a - 1);
  if (!id_part(owner) || !id_part(name)) return std::nullopt;
  std::string file = b == std::string_view::npos ? "" : std::string(s.substr(b + 1));
  return std::make_pair(std::string(owner) + "/" + std::string(name), file);
}

bool http_url(std::string_view s) {
  const std::string l = to_lower(s.substr(0, 8));
  return starts_with(l, "http://") || starts_with(l, "https://");
}

bool has_segment(const std::string& path, std::string_view seg) {
  std::string p = "/" + path + "/";
  return p.find("/" + std::string(seg) + "/") != std::string::npos;
}

// A dataset repository: `--repo-type dataset`, repo_type="dataset", or a /datasets/ URL.
bool says_dataset(const Command& c) {
  for (std::size_t i = 0; i < c.argv.size(); ++i) {
    const std::string& w = c.argv[i].text;
    if (w == "--repo-type=dataset" || (w == "--repo-type" && i + 1 < c.argv.size() && c.argv[i + 1].text == "dataset"))
      return true;
    if (w.find("repo_type") != std::string::npos && w.find("dataset") != std::string::npos) return true;
  }
  return false;
}

// What a downloaded file is for, from its use: the model a training stage starts from or a
// file under model/; data (a stage's data_path / source_data_dir, or under datapath/ or data/).
LookupKind kind_of(const Command& c, const NotebookProgram& nb) {
  const std::string out = c.output;
  if (says_dataset(c) || to_lower(c.url).find("/datasets/") != std::string::npos) return LookupKind::Dataset;
  const std::string base = path_basename(out);
  for (const auto& st : nb.stages) {
    const auto& cfg = st.config;
    if (cfg.load_model.value && !base.empty() && path_basename(*cfg.load_model.value) == base) return LookupKind::Model;
    std::vector<const Sourced<std::string>*> data = {&cfg.data_path, &cfg.source_data_dir};
    for (const auto& in : st.data_inputs) data.push_back(&in);  // official trainer: --data_file …
    for (const auto* d : data)
      if (d->value && !out.empty() && !d->value->empty() &&
          (path_basename(*d->value) == base || out.find(path_normalize(*d->value)) != std::string::npos))
        return LookupKind::Dataset;
  }
  if (!out.empty()) {
    const std::string dir = out.substr(0, out.rfind('/') == std::string::npos ? 0 : out.rfind('/'));
    if (has_segment(dir, "model") || has_segment(dir, "models")) return LookupKind::Model;
    if (has_segment(dir, "datapath") || has_segment(dir, "data")) return LookupKind::Dataset;
  }
  return LookupKind::Other;
}

}  // namespace

NetOptions net_options_from_env() {
  NetOptions o;
  if (auto e = env("HF_ENDPOINT"); !e.empty()) o.hf_endpoint = strip_slash(e);
  if (auto e = env("RWKVQ_DATASETS_SERVER"); !e.empty()) o.datasets_server = strip_slash(e);
  o.token = env("HF_TOKEN");
  o.http.token = o.token;
  for (const auto& u : {o.hf_endpoint, o.datasets_server})
    if (auto origin = origin_of(u); !origin.empty()) o.http.token_origins.push_back(origin);
  std::string cache = env("XDG_CACHE_HOME");
  if (cache.empty() && !env("HOME").empty()) cache = env("HOME") + "/.cache";
  if (!cache.empty()) o.cache_dir = std::filesystem::path(cache) / "rwkvq";
  o.http.user_agent = std::string("rwkvq/") + RWKVQ_VERSION + " (training-request checker; libcurl)";
  if (auto t = env("RWKVQ_NET_TIMEOUT_MS"); !t.empty()) {
    char* end = nullptr;
    const long ms = std::strtol(t.c_str(), &end, 10);
    if (end && *end == 0 && ms > 0) {
      o.http.budget_ms = ms;
      o.http.connect_timeout_ms = std::min(o.http.connect_timeout_ms, ms);
      o.http.backoff_ms = std::min(o.http.backoff_ms, std::max(1L, ms / 20));
    }
  }
  return o;
}

std::vector<Lookup> plan_lookups(const Request& req) {
  std::vector<Lookup> out;
  std::set<std::string> seen;
  auto add = [&](Lookup l) {
    if (seen.insert(l.subject).second) out.push_back(std::move(l));
  };
  for (const auto& nb : req.notebooks) {
    for (const auto& c : nb.commands) {
      if (c.kind != CommandKind::Download || c.url.empty()) continue;
      bool unknown_url = false;
      for (const auto& w : c.argv)
        if (w.unknown && w.text.find(c.url) != std::string::npos) unknown_url = true;
      if (unknown_url || c.url.find('{') != std::string::npos || c.url.find('$') != std::string::npos) continue;
      Lookup l;
      l.subject = c.url;
      l.loc = c.loc;
      l.kind = kind_of(c, nb);
      if (http_url(c.url)) {
        l.what = "download URL";
      } else if (auto hs = hub_spec(c.url)) {
        l.hub_repo = hs->second.empty();
        l.what = l.hub_repo ? (l.kind == LookupKind::Dataset ? "Hub dataset" : "Hub model") : "Hub file";
        if (l.hub_repo && l.kind == LookupKind::Other) l.kind = LookupKind::Model;
      } else {
        continue;  // git@…, s3://…: not asked
      }
      add(std::move(l));
    }
    for (const auto& st : nb.stages) {
      const auto& src = st.config.source;
      if (!src.value || src.unknown) continue;
      const std::string v(trim(*src.value));
      Lookup l;
      l.subject = v;
      l.kind = LookupKind::Dataset;
      l.loc = src.origin;
      l.what = "data.source";
      if (http_url(v)) {
        add(std::move(l));
      } else if (auto hs = hub_spec(v); hs && hs->second.empty()) {
        l.hub_repo = true;
        add(std::move(l));
      }
    }
  }
  return out;
}

std::string lookup_url(const Lookup& l, const NetOptions& opt) {
  if (http_url(l.subject)) {
    const std::string o = origin_of(l.subject);
    if (o == "https://huggingface.co:443" || o == "https://hf.co:443" || o == "https://www.huggingface.co:443") {
      const auto sep = l.subject.find("://") + 3;
      const auto path = l.subject.find_first_of("/?#", sep);
      return opt.hf_endpoint + (path == std::string::npos ? "" : l.subject.substr(path));
    }
    return l.subject;
  }
  auto hs = hub_spec(l.subject);
  if (!hs) return "";
  const bool ds = l.kind == LookupKind::Dataset;
  if (hs->second.empty()) return opt.hf_endpoint + (ds ? "/api/datasets/" : "/api/models/") + hs->first;
  return opt.hf_endpoint + (ds ? "/datasets/" : "/") + hs->first + "/resolve/main/" + hs->second;
}

Outcome judge(const HttpResponse& r, bool repo_info, std::string& detail) {
  if (!r.answered()) {
    detail = r.error.empty() ? "no answer" : r.error;
    if (r.tries > 1) detail += " (" + std::to_string(r.tries) + " tries)";
    return Outcome::Unreachable;
  }
  const auto code_it = r.headers.find("x-error-code");
  const std::string code = code_it == r.headers.end() ? "" : code_it->second;
  detail = "HTTP " + std::to_string(r.status) + (code.empty() ? "" : " (X-Error-Code: " + code + ")");
  if (r.tries > 1) detail += " after " + std::to_string(r.tries) + " tries";
  if (code == "RepoNotFound" || code == "EntryNotFound" || code == "RevisionNotFound") return Outcome::Missing;
  if (code == "GatedRepo") return Outcome::Gated;
  if (r.status >= 200 && r.status < 300) {
    if (repo_info) {
      auto j = nlohmann::json::parse(r.body, nullptr, false);
      if (j.is_object()) {
        if (j.contains("gated") && !(j["gated"].is_boolean() && !j["gated"].get<bool>())) {
          detail = "gated: " + (j["gated"].is_string() ? j["gated"].get<std::string>() : j["gated"].dump());
          return Outcome::Gated;
        }
        if (j.contains("private") && j["private"].is_boolean() && j["private"].get<bool>()) {
          detail = "private";
          return Outcome::Gated;
        }
      }
    }
    return Outcome::Ok;
  }
  if (r.status == 404 || r.status == 410) return Outcome::Missing;
  if (r.status == 401 || r.status == 403) return Outcome::Gated;
  return Outcome::Broken;
}

namespace {

std::optional<long long> as_length(const Headers& h, const char* name) {
  auto it = h.find(name);
  if (it == h.end() || it->second.empty() || it->second.size() > 18) return std::nullopt;
  for (char ch : it->second)
    if (ch < '0' || ch > '9') return std::nullopt;
  return std::stoll(it->second);
}

// ---- cache: one JSON file per request under <cache>/net/, answers that succeeded, one day.
constexpr long long kCacheSeconds = 24 * 3600;

std::string cache_key(const HttpRequest& rq, bool with_token) {
  return rq.method + " " + rq.url + (with_token ? " (authorised)" : "");
}

std::filesystem::path cache_file(const std::filesystem::path& dir, const std::string& key) {
  unsigned long long h = 1469598103934665603ull;  // FNV-1a 64
  for (unsigned char ch : key) h = (h ^ ch) * 1099511628211ull;
  char name[32];
  std::snprintf(name, sizeof name, "%016llx.json", h);
  return dir / "net" / name;
}

long long now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::optional<HttpResponse> cache_read(const std::filesystem::path& file, const std::string& key) {
  try {
    auto text = read_file_if_exists(file);
    if (!text) return std::nullopt;
    auto j = nlohmann::json::parse(*text, nullptr, false);
    if (!j.is_object() || j.value("key", "") != key) return std::nullopt;
    const long long t = j.value("time", 0LL);
    if (now_seconds() - t > kCacheSeconds || t > now_seconds() + 60) return std::nullopt;
    HttpResponse r;
    r.status = j.value("status", 0L);
    if (r.status < 200 || r.status >= 300) return std::nullopt;
    if (j.contains("headers") && j["headers"].is_object())
      for (auto& [k, v] : j["headers"].items())
        if (v.is_string()) r.headers[k] = v.get<std::string>();
    r.hops.push_back(r.headers);
    r.body = j.value("body", "");
    r.final_url = j.value("final_url", "");
    r.tries = 1;
    r.from_cache = true;
    return r;
  } catch (const std::exception& e) {
    spdlog::debug("online: cache {} unreadable: {}", file.string(), e.what());
    return std::nullopt;
  }
}

void cache_write(const std::filesystem::path& file, const std::string& key, const HttpResponse& r) {
  if (r.status < 200 || r.status >= 300 || r.body_too_large) return;  // failures are not cached
  try {
    nlohmann::json h = nlohmann::json::object();
    for (const char* name : {"content-length", "content-type", "x-error-code"})
      if (auto it = r.headers.find(name); it != r.headers.end()) h[name] = it->second;
    for (const auto& hop : r.hops)  // the Hub gives an LFS file's size on the redirect
      if (auto it = hop.find("x-linked-size"); it != hop.end()) h["x-linked-size"] = it->second;
    nlohmann::json j{{"key", key}, {"time", now_seconds()}, {"status", r.status}, {"headers", h},
                     {"final_url", r.final_url}, {"body", r.body}};
    std::error_code ec;
    std::filesystem::create_directories(file.parent_path(), ec);
    write_file_atomic(file, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  } catch (const std::exception& e) {
    spdlog::warn("online: could not write the cache {}: {}", file.string(), e.what());
  }
}

// Runs `requests`, from the cache where it has a fresh answer.
std::vector<HttpResponse> fetch_cached(const std::vector<HttpRequest>& requests, const NetOptions& opt) {
  std::vector<HttpResponse> out(requests.size());
  std::vector<HttpRequest> todo;
  std::vector<std::size_t> where;
  std::vector<std::string> keys(requests.size());
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const bool tok = !opt.http.token.empty() &&
                     std::find(opt.http.token_origins.begin(), opt.http.token_origins.end(),
                               origin_of(requests[i].url)) != opt.http.token_origins.end();
    keys[i] = cache_key(requests[i], tok);
    if (opt.cache_dir && !opt.refresh)
      if (auto hit = cache_read(cache_file(*opt.cache_dir, keys[i]), keys[i])) {
        spdlog::debug("online: {} {} from the cache", requests[i].method, requests[i].url);
        out[i] = std::move(*hit);
        continue;
      }
    todo.push_back(requests[i]);
    where.push_back(i);
  }
  auto got = fetch_all(todo, opt.http);
  for (std::size_t k = 0; k < got.size(); ++k) {
    const std::size_t i = where[k];
    if (opt.cache_dir) cache_write(cache_file(*opt.cache_dir, keys[i]), keys[i], got[k]);
    out[i] = std::move(got[k]);
  }
  return out;
}

}  // namespace

NetFacts run_lookups(std::vector<Lookup> lookups, const NetOptions& opt) {
  std::vector<HttpRequest> rq;
  std::vector<int> main_of(lookups.size(), -1), size_of(lookups.size(), -1);
  for (std::size_t i = 0; i < lookups.size(); ++i) {
    Lookup& l = lookups[i];
    l.url = lookup_url(l, opt);
    if (l.url.empty()) continue;
    main_of[i] = static_cast<int>(rq.size());
    rq.push_back({l.hub_repo ? "GET" : "HEAD", l.url});
    if (l.hub_repo && l.kind == LookupKind::Dataset) {
      size_of[i] = static_cast<int>(rq.size());
      rq.push_back({"GET", opt.datasets_server + "/size?dataset=" + hub_spec(l.subject)->first});
    }
  }
  auto res = fetch_cached(rq, opt);
  for (std::size_t i = 0; i < lookups.size(); ++i) {
    Lookup& l = lookups[i];
    if (main_of[i] < 0) continue;
    const HttpResponse& r = res[main_of[i]];
    l.outcome = judge(r, l.hub_repo, l.detail);
    l.from_cache = r.from_cache;
    if (l.outcome == Outcome::Ok && !l.hub_repo) {
      for (const auto& hop : r.hops)
        if (auto n = as_length(hop, "x-linked-size")) l.length = n;
      if (!l.length) l.length = as_length(r.headers, "content-length");
    }
    if (size_of[i] >= 0) {
      const HttpResponse& s = res[size_of[i]];
      auto j = nlohmann::json::parse(s.body, nullptr, false);
      if (s.status == 200 && j.is_object() && j.contains("size") && j["size"].is_object() &&
          j["size"].contains("dataset") && j["size"]["dataset"].is_object()) {
        const auto& d = j["size"]["dataset"];
        for (const char* k : {"num_bytes_original_files", "num_bytes_parquet_files"})
          if (d.contains(k) && d[k].is_number_integer() && d[k].get<long long>() > 0) {
            l.dataset_bytes = d[k].get<long long>();
            l.size_source = k;
            break;
          }
        if (d.contains("num_rows") && d["num_rows"].is_number_integer()) l.dataset_rows = d["num_rows"].get<long long>();
      }
    }
  }
  return NetFacts{std::move(lookups)};
}

}  // namespace rwkvq::net
