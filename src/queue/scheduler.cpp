#include "rwkvq/queue/scheduler.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <queue>

#include "rwkvq/core/error.h"
#include "rwkvq/queue/duration.h"
#include "rwkvq/queue/states.h"
#include "rwkvq/util/fmath.h"

namespace rwkvq::queue {

std::string_view to_string(PassReason r) {
  switch (r) {
    case PassReason::TooLong: return "too-long";
    case PassReason::UnknownEstimate: return "unknown-estimate";
    case PassReason::WrongTarget: return "wrong-target";
    case PassReason::Waiting: return "waiting";
    case PassReason::Failed: return "failed";
  }
  return "?";
}

NextResult next_part(const Queue& q, const PriorityWeights& w, std::string_view target,
                     std::optional<double> window_hours, Time now) {
  NextResult out;
  for (const auto& r : rank_queue(q, w, now)) {
    const Entry& e = *r.entry;
    const int cur = current_part(e);
    const Part& p = e.parts[static_cast<std::size_t>(cur)];
    Candidate c{&e, p.n, r.factors, part_hours(e, p, target)};
    if (p.state == PartState::Running) {
      if (static_cast<std::size_t>(cur + 1) < e.parts.size()) {
        c.part = p.n + 1;
        c.hours = part_hours(e, e.parts[static_cast<std::size_t>(cur + 1)], target);
        out.passed.push_back({c, PassReason::Waiting,
                              "waits for part " + std::to_string(p.n) + " (running on " + p.node + ")"});
      }
      continue;
    }
    if (p.state == PartState::Failed) {
      out.passed.push_back({c, PassReason::Failed,
                            "part " + std::to_string(p.n) +
                                " failed: a maintainer retries it (start) or cancels it"});
      continue;
    }
    std::string why;
    if (!part_fits_target(e, p, target, &why)) {
      out.passed.push_back({c, PassReason::WrongTarget, why});
      continue;
    }
    if (window_hours) {
      if (!c.hours) {
        out.passed.push_back({c, PassReason::UnknownEstimate,
                              "no estimate of its hours on " + std::string(target)});
        continue;
      }
      if (*c.hours > *window_hours + 1e-9) {
        out.passed.push_back({c, PassReason::TooLong,
                              "needs " + format_hours(c.hours) + ", the window is " +
                                  format_hours(window_hours)});
        continue;
      }
    }
    out.chosen = c;
    break;
  }
  return out;
}

std::vector<NodeSpec> parse_nodes(std::string_view text) {
  std::vector<NodeSpec> out;
  std::size_t i = 0;
  while (i <= text.size()) {
    const auto comma = std::min(text.find(',', i), text.size());
    std::string_view item = text.substr(i, comma - i);
    i = comma + 1;
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty()) {
      if (comma >= text.size()) break;
      continue;
    }
    NodeSpec n;
    const auto eq = item.find('=');
    n.target = std::string(item.substr(0, eq));
    if (n.target.empty()) throw UsageError("--nodes: missing target name in \"" + std::string(item) + "\"");
    if (eq != std::string_view::npos) {
      const auto num = item.substr(eq + 1);
      auto [ptr, ec] = std::from_chars(num.data(), num.data() + num.size(), n.count);
      if (num.empty() || ec != std::errc() || ptr != num.data() + num.size() || n.count < 1 ||
          n.count > 1000)
        throw UsageError("--nodes: \"" + std::string(item) + "\": the count must be 1..1000 (1x24vgb=2)");
    }
    auto same = std::find_if(out.begin(), out.end(), [&](const NodeSpec& s) { return s.target == n.target; });
    if (same != out.end()) same->count += n.count;
    else out.push_back(n);
    if (comma >= text.size()) break;
  }
  if (out.empty()) throw UsageError("--nodes: no nodes given (1x24vgb=1,8x24vgb=1)");
  return out;
}

namespace {

struct Job {
  std::size_t rank = 0;  // position in priority order (0 = best)
  const Entry* entry = nullptr;
  int part_index = 0;
  Time ready = 0;
  bool done = false;
};

}  // namespace

Plan plan_queue(const Queue& q, const PriorityWeights& w, const std::vector<NodeSpec>& specs,
                Time from, Time now) {
  Plan plan;
  plan.from = from;
  plan.end = from;
  std::vector<std::string> targets;  // distinct node targets, in the order given
  for (const auto& s : specs) {
    targets.push_back(s.target);
    for (int k = 1; k <= s.count; ++k) {
      plan.nodes.push_back({s.count == 1 ? s.target : s.target + "#" + std::to_string(k), s.target});
    }
  }
  std::vector<Time> free_at(plan.nodes.size(), from);

  const auto ranked = rank_queue(q, w, now);
  std::vector<Job> jobs;
  jobs.reserve(ranked.size());
  // min-heaps
  auto by_rank = [&](std::size_t a, std::size_t b) { return jobs[a].rank > jobs[b].rank; };
  auto by_ready = [&](std::size_t a, std::size_t b) {
    return jobs[a].ready != jobs[b].ready ? jobs[a].ready > jobs[b].ready : jobs[a].rank > jobs[b].rank;
  };
  std::priority_queue<std::size_t, std::vector<std::size_t>, decltype(by_rank)> ready(by_rank);
  std::priority_queue<std::size_t, std::vector<std::size_t>, decltype(by_ready)> waiting(by_ready);

  auto unplan_rest = [&](const Entry& e, int from_index, const std::string& why) {
    plan.unplanned.push_back({&e, e.parts[static_cast<std::size_t>(from_index)].n, why});
    for (std::size_t k = static_cast<std::size_t>(from_index) + 1; k < e.parts.size(); ++k)
      plan.unplanned.push_back({&e, e.parts[k].n,
                                "waits for part " + std::to_string(e.parts[static_cast<std::size_t>(from_index)].n)});
  };
  // Queues part `index` of the job's request, ready at `ready`, unless no planned node can run it.
  auto add_job = [&](std::size_t rank, const Entry& e, int index, Time ready_at) {
    const Part& p = e.parts[static_cast<std::size_t>(index)];
    bool fits_any = false, known_any = false;
    for (const auto& t : targets) {
      if (!part_fits_target(e, p, t)) continue;
      fits_any = true;
      if (part_hours(e, p, t)) known_any = true;
    }
    if (!fits_any) {
      unplan_rest(e, index, "fits none of the planned nodes (estimated for " + e.target + ")");
      return;
    }
    if (!known_any) {
      unplan_rest(e, index, "no estimate of its hours on the planned nodes");
      return;
    }
    jobs.push_back(Job{rank, &e, index, ready_at, false});
    waiting.push(jobs.size() - 1);
  };

  // Parts already running hold their node.
  for (std::size_t r = 0; r < ranked.size(); ++r) {
    const Entry& e = *ranked[r].entry;
    const int cur = current_part(e);
    const Part& p = e.parts[static_cast<std::size_t>(cur)];
    if (p.state == PartState::Failed) {
      unplan_rest(e, cur, "failed: a maintainer retries it (start) or cancels it");
      continue;
    }
    if (p.state != PartState::Running) continue;
    // Its node: the one named like it, else a free node of the target it was started on
    // (ran_on), else the earliest free node whose target it fits. Its hours are those of the
    // target it runs on, whichever simulated node holds it.
    std::size_t node = plan.nodes.size();
    for (std::size_t n = 0; n < plan.nodes.size(); ++n)
      if (plan.nodes[n].name == p.node) node = n;
    for (const bool same_target : {true, false}) {
      if (node < plan.nodes.size() || (same_target && p.ran_on.empty())) continue;
      for (std::size_t n = 0; n < plan.nodes.size(); ++n)
        if ((!same_target || (plan.nodes[n].target == p.ran_on && free_at[n] <= from)) &&
            part_fits_target(e, p, plan.nodes[n].target) && (node == plan.nodes.size() || free_at[n] < free_at[node]))
          node = n;
    }
    const auto hours = part_hours(e, p, !p.ran_on.empty()         ? std::string_view(p.ran_on)
                                        : node < plan.nodes.size() ? std::string_view(plan.nodes[node].target)
                                                                   : std::string_view(e.target));
    const Time start = p.started.value_or(from);
    Time end = hours ? start + static_cast<Time>(fm::llround(*hours * 3600)) : from;
    const bool overdue = end < from || !hours;
    if (end < from) end = from;
    if (node < plan.nodes.size()) {
      free_at[node] = std::max(free_at[node], end);
      plan.items.push_back({&e, p.n, plan.nodes[node].name, plan.nodes[node].target, start, end, true, overdue});
      plan.end = std::max(plan.end, end);
    } else {
      plan.unplanned.push_back({&e, p.n, "running on " + p.node + ", not one of the planned nodes"});
    }
    if (static_cast<std::size_t>(cur + 1) < e.parts.size()) add_job(r, e, cur + 1, end);
  }
  // Every other active request: its current part is ready now.
  for (std::size_t r = 0; r < ranked.size(); ++r) {
    const Entry& e = *ranked[r].entry;
    const int cur = current_part(e);
    const auto s = e.parts[static_cast<std::size_t>(cur)].state;
    if (s == PartState::Queued || s == PartState::Skipped) add_job(r, e, cur, from);
  }

  // Decisions in time order. The clock `t` is the first moment a node falls free (or, when no
  // part is ready then, the moment the next one becomes ready); it never goes back. At each
  // decision the best ready part is placed on the node where it would END earliest: a node
  // free now, or a faster one that falls free later (which then runs it next). The nodes left
  // free so take the next ready parts in priority order (backfill).
  Time t = from;
  while (!plan.nodes.empty() && (!ready.empty() || !waiting.empty())) {
    t = std::max(t, *std::min_element(free_at.begin(), free_at.end()));
    if (ready.empty() && jobs[waiting.top()].ready > t) t = jobs[waiting.top()].ready;
    while (!waiting.empty() && jobs[waiting.top()].ready <= t) {
      ready.push(waiting.top());
      waiting.pop();
    }
    const std::size_t j = ready.top();
    ready.pop();
    const Entry& e = *jobs[j].entry;
    const int index = jobs[j].part_index;
    const std::size_t rank = jobs[j].rank;
    const Part& p = e.parts[static_cast<std::size_t>(index)];
    // Earliest end; ties: the smaller target, i.e. the one slower at this part (it leaves the
    // faster node free), then the node listed first.
    std::size_t best = plan.nodes.size();
    Time best_start = 0, best_end = 0;
    double best_hours = 0;
    for (std::size_t n = 0; n < plan.nodes.size(); ++n) {
      const auto& target = plan.nodes[n].target;
      if (!part_fits_target(e, p, target)) continue;
      const auto h = part_hours(e, p, target);
      if (!h) continue;
      const Time start = std::max(free_at[n], t);
      const Time end = start + std::max<Time>(1, static_cast<Time>(fm::llround(*h * 3600)));
      if (best == plan.nodes.size() || end < best_end || (end == best_end && *h > best_hours)) {
        best = n;
        best_start = start;
        best_end = end;
        best_hours = *h;
      }
    }
    if (best == plan.nodes.size()) continue;  // cannot happen: add_job checked; left unplanned below
    jobs[j].done = true;
    free_at[best] = best_end;
    plan.items.push_back({&e, p.n, plan.nodes[best].name, plan.nodes[best].target, best_start, best_end,
                          false, false});
    plan.end = std::max(plan.end, best_end);
    if (static_cast<std::size_t>(index + 1) < e.parts.size()) add_job(rank, e, index + 1, best_end);
  }
  for (const auto& job : jobs)
    if (!job.done)
      plan.unplanned.push_back({job.entry, job.entry->parts[static_cast<std::size_t>(job.part_index)].n,
                                "no planned node can run it"});
  std::sort(plan.items.begin(), plan.items.end(), [](const PlanItem& a, const PlanItem& b) {
    if (a.start != b.start) return a.start < b.start;
    return a.node < b.node;
  });
  return plan;
}

}  // namespace rwkvq::queue
