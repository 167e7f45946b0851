#pragma once
// Builders for queue unit tests.
#include <optional>
#include <string>
#include <vector>

#include "rwkvq/queue/document.h"
#include "rwkvq/queue/states.h"

namespace qtest {

using namespace rwkvq::queue;

inline constexpr Time kT0 = 1714564800;  // 2024-05-01T12:00:00Z

// A request with parts of the given hours (nullopt = unknown) on `target`.
inline Entry make(int n, std::vector<std::optional<double>> hours, std::string kind = "community",
                  std::string target = "1x24vgb", Time submitted = kT0) {
  Entry e;
  e.id = "r" + std::to_string(n);
  e.folder = "/requests/" + std::to_string(n);
  e.title = "Request " + std::to_string(n);
  e.handle = "@u" + std::to_string(n);
  e.kind = std::move(kind);
  e.target = std::move(target);
  e.submitted = e.since = submitted;
  int k = 0;
  for (auto h : hours) {
    Part p;
    p.n = ++k;
    p.notebook = hours.size() == 1 ? "training-notebook.ipynb"
                                   : "training-notebook-part" + std::to_string(k) + ".ipynb";
    p.hours = h;
    e.parts.push_back(p);
  }
  return e;
}

inline Queue queue_of(std::vector<Entry> entries) {
  Queue q;
  long long max = 0;
  for (auto& e : entries) max = std::max(max, std::stoll(e.id.substr(1)));
  q.next_id = max + 1;
  q.requests = std::move(entries);
  return q;
}

// A change made by "tester" at `t`.
inline ChangeInfo who(Time t) { return ChangeInfo{"tester", t, "", "", "", std::nullopt}; }

}  // namespace qtest
