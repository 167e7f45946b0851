#include "cli/queue_log.h"

#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "rwkvq/report/report.h"

namespace rwkvq::cli {

using namespace rwkvq::queue;
using ojson = nlohmann::ordered_json;

int run_queue_log(const QueueStore& store, std::size_t max, const std::string& format) {
  auto safe = [](std::string_view s) { return sanitize_for_terminal(s); };
  auto log = store.log(max);
  const bool commits = log.has_value();
  if (!commits) {
    // A queue file keeps no log of its own: what it can show is every request's own history.
    log.emplace();
    const Queue q = store.read_history();  // with the archive of finished requests
    // Newest first, equal times in queue order; only the `max` newest are made into entries.
    struct Change {
      Time at;
      std::size_t seq;
      const Entry* e;
      const HistoryEntry* h;
    };
    std::vector<Change> changes;
    for (const auto& e : q.requests)
      for (const auto& h : e.history) changes.push_back({h.at, changes.size(), &e, &h});
    auto newer = [](const Change& a, const Change& b) { return a.at != b.at ? a.at > b.at : a.seq < b.seq; };
    if (max > 0 && changes.size() > max) {
      std::partial_sort(changes.begin(), changes.begin() + static_cast<std::ptrdiff_t>(max), changes.end(), newer);
      changes.resize(max);
    } else {
      std::sort(changes.begin(), changes.end(), newer);
    }
    log->reserve(changes.size());
    for (const auto& c : changes) {
      const Entry& e = *c.e;
      const HistoryEntry& h = *c.h;
      LogEntry l;
      l.by = h.by;
      l.at = h.at;
      l.what = h.action + " " + e.id + (h.part > 0 ? "/part" + std::to_string(h.part) : "") +
               (h.reason.empty() ? "" : ": " + h.reason);
      log->push_back(std::move(l));
    }
  }
  if (format == "json") {
    ojson entries = ojson::array();
    for (const auto& l : *log)
      entries.push_back({{"commit", commits ? ojson(l.id) : ojson(nullptr)}, {"by", l.by},
                         {"email", commits ? ojson(l.email) : ojson(nullptr)}, {"at", format_time(l.at)},
                         {"what", l.what}, {"detail", l.detail}});
    std::cout << ojson{{"queue", store.name()}, {"source", commits ? "commits" : "requests"}, {"log", std::move(entries)}}
                     .dump(2, ' ', false, ojson::error_handler_t::replace)
              << "\n";
    return 0;
  }
  if (!commits)
    std::cerr << "note: " << safe(store.name())
              << " is a queue file: it keeps no log of its own (a shared queue in git does: --queue "
                 "git:URL#BRANCH); these are the changes its requests recorded\n";
  if (log->empty()) {
    std::cout << "no changes yet: " << safe(store.name()) << "\n";
    return 0;
  }
  std::ostringstream out;
  for (const auto& l : *log) {
    std::string by = safe(l.by);
    std::size_t cps = 0;  // pad to 12 code points
    for (unsigned char c : by) cps += (c & 0xC0) != 0x80;
    if (cps < 12) by.append(12 - cps, ' ');
    out << format_time(l.at) << "  ";
    if (commits) out << l.id.substr(0, 7) << "  ";
    out << by << " " << safe(l.what) << "\n";
    if (!l.detail.empty()) {
      std::istringstream lines(l.detail);
      for (std::string line; std::getline(lines, line);)
        if (!line.empty()) out << "    " << safe(line) << "\n";
    }
  }
  std::cout << out.str();
  return 0;
}

}  // namespace rwkvq::cli
