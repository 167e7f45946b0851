#pragma once
// What the online checks ask and what the answers mean (DESIGN §9), apart from the HTTP client
// (net/http.h) and from the net/* rules that judge the results. plan_lookups() is pure: it reads
// the Request model and lists every download URL, Hub model id and data.source Hub id with its
// kind (model, dataset, other: from its use) and location. run_lookups() asks the network (all
// at once), or the cache, and fills in each look-up's outcome.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rwkvq/core/finding.h"
#include "rwkvq/net/http.h"
#include "rwkvq/request/request.h"

namespace rwkvq::net {

enum class LookupKind { Model, Dataset, Other };
enum class Outcome { Unchecked, Ok, Missing, Gated, Broken, Unreachable };
std::string_view to_string(LookupKind k);
std::string_view to_string(Outcome o);

struct Lookup {
  LookupKind kind = LookupKind::Other;
  std::string subject;   // as the request writes it: a URL, "owner/name" or "owner/name/file"
  bool hub_repo = false; // subject is a Hub repository id (asked at /api/models|datasets/{id})
  std::string what;      // "download URL", "Hub model", "data.source"
  Location loc;
  // outcome
  Outcome outcome = Outcome::Unchecked;
  std::string detail;    // "404", "401 X-Error-Code: GatedRepo", "timed out", "gated: auto"
  std::string url;       // the URL asked
  std::optional<long long> length;                      // a file's length (Content-Length / X-Linked-Size)
  std::optional<long long> dataset_bytes, dataset_rows; // datasets-server /size
  std::string size_source;                              // "num_bytes_original_files"
  bool from_cache = false;
};

struct NetFacts {
  std::vector<Lookup> lookups;
  // The looked-up size of a download URL / Hub subject, or of a data.source id.
  const Lookup* find(std::string_view subject) const;
};

struct NetOptions {
  std::string hf_endpoint = "https://huggingface.co";
  std::string datasets_server = "https://datasets-server.huggingface.co";
  std::string token;                      // HF_TOKEN
  std::optional<std::filesystem::path> cache_dir;  // $XDG_CACHE_HOME/rwkvq; nullopt = no cache
  bool refresh = false;                   // ignore the cache (still write it)
  HttpOptions http;
};

// From the environment: HF_ENDPOINT, RWKVQ_DATASETS_SERVER, HF_TOKEN, XDG_CACHE_HOME (else
// ~/.cache), RWKVQ_NET_TIMEOUT_MS (the per-look-up budget; tests), User-Agent "rwkvq/VERSION".
NetOptions net_options_from_env();

// Pure: every look-up the request needs, once per subject (the first place it is written).
std::vector<Lookup> plan_lookups(const Request& req);

// The URL a subject is asked at: huggingface.co / hf.co URLs moved to hf_endpoint; Hub
// "owner/name" → {hf_endpoint}/api/models|datasets/owner/name; "owner/name/file" →
// {hf_endpoint}[/datasets]/owner/name/resolve/main/file.
std::string lookup_url(const Lookup& l, const NetOptions& opt);

// Asks every look-up (HEAD for files, GET for repository info and sizes) in parallel and sets
// its outcome. Throws UsageError only when libcurl cannot be loaded.
NetFacts run_lookups(std::vector<Lookup> lookups, const NetOptions& opt);

// What an answer means, for a file or a repository (exposed for tests).
Outcome judge(const HttpResponse& r, bool repo_info, std::string& detail);

}  // namespace rwkvq::net
