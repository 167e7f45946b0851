// `--online` / `--offline` / `--refresh` of validate and estimate (DESIGN §9): glue between the
// flags, rwkvq.yaml's `online:` and the look-ups of net/lookup.h. Without --online (or
// `online: true`) nothing here runs and libcurl is never loaded.
#include <spdlog/spdlog.h>

#include <chrono>
#include <map>

#include "cli/cli.h"
#include "rwkvq/core/error.h"
#include "rwkvq/net/lookup.h"

namespace rwkvq::cli {

void add_online_flags(CLI::App* cmd, OnlineFlags& f) {
  cmd->add_flag("--online", f.online,
                "Look up every download URL, Hugging Face model and data.source (HEAD/GET, in parallel; "
                "cached a day under $XDG_CACHE_HOME/rwkvq): net/* rules, dataset sizes");
  cmd->add_flag("--offline", f.offline, "No network at all, even with online: true in rwkvq.yaml");
  cmd->add_flag("--refresh", f.refresh, "With --online: ask again, ignoring the cache");
}

bool want_online(const OnlineFlags& f, const Settings& s) {
  if (f.online && f.offline) throw UsageError("--online and --offline contradict each other");
  const bool on = !f.offline && (f.online || s.online);
  if (f.refresh && !on) throw UsageError("--refresh needs --online (or online: true in rwkvq.yaml)");
  return on;
}

std::vector<net::NetFacts> look_up(const std::vector<const Request*>& requests, const OnlineFlags& f) {
  net::NetOptions opt = net::net_options_from_env();
  opt.refresh = f.refresh;
  // One round for every folder: the same subject is asked once.
  std::vector<std::vector<net::Lookup>> plans;
  std::vector<net::Lookup> all;
  std::map<std::string, std::size_t> index;
  for (const Request* r : requests) {
    plans.push_back(r ? net::plan_lookups(*r) : std::vector<net::Lookup>{});
    for (const auto& l : plans.back())
      if (index.emplace(std::string(net::to_string(l.kind)) + " " + l.subject, all.size()).second) all.push_back(l);
  }
  const auto t0 = std::chrono::steady_clock::now();
  net::NetFacts done = net::run_lookups(std::move(all), opt);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  int cached = 0;
  for (const auto& l : done.lookups) cached += l.from_cache ? 1 : 0;
  spdlog::info("online: {} look-ups ({} from the cache) in {:.2f} s", done.lookups.size(), cached, secs);
  std::vector<net::NetFacts> out;
  for (auto& plan : plans) {
    net::NetFacts facts;
    for (auto& l : plan) {
      const net::Lookup& got = done.lookups[index.at(std::string(net::to_string(l.kind)) + " " + l.subject)];
      net::Lookup mine = got;
      mine.loc = l.loc;  // where this folder writes it
      mine.what = l.what;
      facts.lookups.push_back(std::move(mine));
    }
    out.push_back(std::move(facts));
  }
  return out;
}

}  // namespace rwkvq::cli
