// `rwkvq queue list / show / next / plan / status`: read-only views of the queue.
#include "cli/queue/common.h"

#include "rwkvq/queue/archive.h"
#include "cli/queue_log.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "rwkvq/core/error.h"
#include "rwkvq/queue/duration.h"
#include "rwkvq/queue/learn.h"
#include "rwkvq/queue/scheduler.h"
#include "rwkvq/report/report.h"
#include "rwkvq/report/status_page.h"
#include "rwkvq/queue/states.h"
#include "rwkvq/util/atomic_file.h"
#include "rwkvq/util/strings.h"
#include "rwkvq/util/fmath.h"

namespace rwkvq::cli::qcli {
namespace {

int run_list(const QueueOptions& o, const GlobalOptions& g) {
  const Settings settings = resolve_settings(g);
  auto store = store_of(o);
  const Queue q = read_learned_queue(store, o, settings, /*history=*/o.all);
  const Time t = now();
  const auto& w = settings.priority;
  const auto ranked = rank_queue(q, w, t, o.all);
  if (o.format == "json") {
    ojson reqs = ojson::array();
    int rank = 0;
    for (const auto& r : ranked) {
      ojson j = entry_json(*r.entry);
      j["rank"] = is_active(*r.entry) ? ojson(++rank) : ojson(nullptr);
      j["priority"] = factors_json(r.factors, w);
      reqs.push_back(std::move(j));
    }
    print_json(ojson{{"version", kQueueVersion},
                     {"queue", store.name()},
                     {"at", format_time(t)},
                     {"weights", {{"kind", w.kind}, {"shortness", w.shortness}, {"age", w.age}, {"boost", w.boost},
                                  {"age_period_days", w.age_period_days},
                                  {"shortness_scale_hours", w.shortness_scale_hours}}},
                     {"requests", std::move(reqs)}});
    return 0;
  }
  if (ranked.empty()) {
    std::cout << "queue is empty" << (o.all ? "" : " (no active requests; --all shows finished ones)") << ": "
              << store.name() << "\n";
    return 0;
  }
  std::ostringstream out;
  if (o.explain) {
    out << "priority = " << fixed(w.kind, 0) << "·kind + " << fixed(w.shortness, 0) << "·shortness + "
        << fixed(w.age, 0) << "·age + " << fixed(w.boost, 0) << "·boost   (age period "
        << fixed(w.age_period_days, 0) << " d, shortness scale " << format_hours(w.shortness_scale_hours)
        << ", boost 10 = 1.0)\n";
    out << pad("ID", 7) << pad("PRIORITY", 10) << pad("KIND", 16) << pad("SHORTNESS", 16) << pad("AGE", 16)
        << pad("BOOST", 16) << "TITLE\n";
    for (const auto& r : ranked) {
      const auto& f = r.factors;
      auto cell = [](double value, double factor) { return fixed(value) + " (" + fixed(factor, 2) + ")"; };
      out << pad(r.entry->id, 7) << pad(fixed(f.total), 10) << pad(cell(f.kind_part, f.kind), 16)
          << pad(cell(f.shortness_part, f.shortness), 16) << pad(cell(f.age_part, f.age), 16)
          << pad(cell(f.boost_part, f.boost), 16) << safe(r.entry->title) << "\n";
    }
  } else {
    // One string, each cell appended and padded in place (as pad() pads): list --all prints a
    // line for every request ever queued.
    std::string text;
    text.reserve(ranked.size() * 128 + 128);
    auto cell = [&text](std::string_view s, std::size_t width) {
      text.append(s);
      std::size_t cps = 0;
      for (unsigned char c : s) cps += (c & 0xC0) != 0x80;
      if (cps < width) text.append(width - cps, ' ');
    };
    text += pad("ID", 7) + pad("PRIORITY", 10) + pad("STATE", 10) + pad("KIND", 20) + pad("TARGET", 9) +
            pad("PART", 6) + pad("HOURS", 7) + pad("AGE", 6) + pad("HANDLE", 16) + "TITLE\n";
    for (const auto& r : ranked) {
      const Entry& e = *r.entry;
      const int cur = current_part(e);
      cell(e.id, 7);
      cell(is_active(e) ? fixed(r.factors.total) : "-", 10);
      cell(request_state(e), 10);
      cell(e.kind, 20);
      cell(e.target, 9);
      cell(cur < 0 ? "-" : std::to_string(cur + 1) + "/" + std::to_string(e.parts.size()), 6);
      cell(cur < 0 ? "-" : format_hours(r.factors.hours), 7);
      cell(age_text(e.submitted, t), 6);
      cell(safe(e.handle), 16);
      text += safe(e.title);
      text += '\n';
    }
    std::cout << text;
    return 0;
  }
  std::cout << out.str();
  return 0;
}

int run_show(const QueueOptions& o, const GlobalOptions& g) {
  const Settings settings = resolve_settings(g);
  const PartRef ref = parse_part_ref(o.ref);
  auto store = store_of(o);
  // What was learned is applied once, to the queue the request is shown from (learning without
  // a summary reads the archive: once, so its warnings are printed once).
  Queue q = store.read();
  if (q.find(ref.id)) {
    q = learned(store, o, settings, std::move(q));
  } else if (store.is_git()) {
    // A finished one: a git queue's history as read from the repository.
    q = read_learned_queue(store, o, settings, /*history=*/true);
  } else if (auto archived = find_archived(store.file(), ref.id)) {
    // A file queue's archive: only the lines naming the id are parsed (archive.h).
    Queue one;
    one.next_id = q.next_id;
    one.requests.push_back(std::move(*archived));
    q = learned(store, o, settings, std::move(one));
  } else {
    q = learned(store, o, settings, std::move(q));  // no such request: refused below, after what any read warns
  }
  const Entry* e = q.find(ref.id);
  if (!e) throw Refused("no request " + ref.id + " in the queue");
  const Time t = now();
  const auto f = compute_priority(*e, settings.priority, t);
  if (o.format == "json") {
    ojson j = entry_json(*e);
    j["priority"] = is_active(*e) ? factors_json(f, settings.priority) : ojson(nullptr);
    print_json(j);
    return 0;
  }
  std::ostringstream out;
  out << e->id << "  " << safe(e->title) << "\n";
  out << "  folder:    " << safe(e->folder) << "\n";
  out << "  handle:    " << safe(e->handle) << "\n";
  out << "  kind:      " << e->kind << "    target: " << e->target << "    boost: " << e->boost << "\n";
  out << "  submitted: " << format_time(e->submitted) << " (" << age_text(e->submitted, t) << " ago)";
  if (e->since != e->submitted) out << ", back of the line since " << format_time(e->since);
  out << "\n  state:     " << request_state(*e);
  if (is_active(*e))
    out << "    priority " << fixed(f.total) << " = kind " << fixed(f.kind_part) << " + shortness "
        << fixed(f.shortness_part) << " + age " << fixed(f.age_part) << " + boost " << fixed(f.boost_part);
  out << "\n  parts:\n";
  for (const auto& p : e->parts) {
    out << "    " << pad(std::to_string(p.n), 3) << pad(safe(p.notebook), 34) << pad(format_hours(p.hours), 7)
        << pad(std::string(to_string(p.state)), 10) << safe(p.node);
    if (p.started) out << "  started " << format_time(*p.started);
    if (p.finished) out << "  finished " << format_time(*p.finished);
    out << "\n";
    if (p.state == PartState::Done && p.real_hours) {
      // Real hours next to the estimate on the target it ran on, and the work behind it.
      const std::string ran = p.ran_on.empty() ? e->target : p.ran_on;
      out << "       real " << format_hours(*p.real_hours) << " on " << ran << ", estimate "
          << format_hours(part_hours(*e, p, ran));
      if (p.flops) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.3g FLOPs", *p.flops);
        out << " for " << buf;
      }
      if (auto r = learned_run(*e, p)) out << "; achieved utilisation " << fixed(r->achieved, 3);
      out << "\n";
    }
    if (p.dispatch)
      out << "       dispatched " << format_time(p.dispatch->at) << " by " << safe(p.dispatch->by) << " to "
          << safe(p.dispatch->repo) << " " << safe(p.dispatch->workflow) << "@" << safe(p.dispatch->ref) << "\n";
    if (p.run)
      out << "       run " << p.run->id << " (" << safe(p.run->status)
          << (p.run->conclusion.empty() ? "" : ", " + safe(p.run->conclusion)) << ") " << safe(p.run->url) << "\n";
  }
  if (e->pr > 0)
    out << "  pull request: #" << e->pr << " by " << safe(e->pr_author)
        << (e->pr_head.empty() ? std::string() : " at " + e->pr_head.substr(0, 12)) << "\n";
  out << "  history:\n";
  for (const auto& h : e->history) {
    out << "    " << format_time(h.at) << "  " << pad(safe(h.by), 12) << " " << h.action;
    if (h.part > 0) out << " part " << h.part;
    if (!h.reason.empty()) out << ": " << safe(h.reason);
    if (h.recorded) out << "  (recorded " << format_time(*h.recorded) << ")";
    out << "\n";
  }
  std::cout << out.str();
  return 0;
}

ojson candidate_json(const Candidate& c) {
  return ojson{{"id", c.entry->id}, {"part", c.part}, {"title", c.entry->title}, {"handle", c.entry->handle},
               {"folder", c.entry->folder}, {"hours", c.hours ? ojson(*c.hours) : ojson(nullptr)},
               {"priority", c.factors.total}};
}

int run_next(const QueueOptions& o, const GlobalOptions& g) {
  const Settings settings = resolve_settings(g);
  check_target(settings, o.target);
  std::optional<double> window;
  if (!o.window.empty()) {
    window = parse_duration_hours(o.window);
    if (!window) throw UsageError("--window '" + o.window + "': not a duration (4h, 90m, 1h30m, 2.5h)");
  }
  const Queue q = read_learned_queue(store_of(o), o, settings);
  const auto r = next_part(q, settings.priority, o.target, window, now());
  if (o.format == "json") {
    ojson passed = ojson::array();
    for (const auto& p : r.passed) {
      ojson j = candidate_json(p.candidate);
      j["reason"] = to_string(p.reason);
      j["why"] = p.why;
      passed.push_back(std::move(j));
    }
    print_json(ojson{{"target", o.target},
                     {"window_hours", window ? ojson(*window) : ojson(nullptr)},
                     {"next", r.chosen ? candidate_json(*r.chosen) : ojson(nullptr)},
                     {"passed", std::move(passed)}});
    return 0;
  }
  std::ostringstream out;
  const std::string within = window ? " within " + format_hours(window) : "";
  if (r.chosen) {
    const auto& c = *r.chosen;
    out << "next on " << o.target << within << ": " << c.entry->id << "/part" << c.part << "  "
        << format_hours(c.hours) << "  priority " << fixed(c.factors.total) << "  " << safe(c.entry->title)
        << " (" << safe(c.entry->handle) << ")\n";
    out << "  folder: " << safe(c.entry->folder) << "\n";
    out << "  start it: rwkvq queue start " << c.entry->id << "/part" << c.part << " --node NODE\n";
  } else {
    out << "nothing to run on " << o.target << within << "\n";
  }
  if (!r.passed.empty()) {
    out << (r.chosen ? "passed over (higher priority):\n" : "not runnable:\n");
    const std::size_t limit = 20;
    for (std::size_t i = 0; i < r.passed.size() && i < limit; ++i) {
      const auto& p = r.passed[i];
      out << "  " << pad(p.candidate.entry->id + "/part" + std::to_string(p.candidate.part), 12)
          << pad(fixed(p.candidate.factors.total), 9) << pad(std::string(to_string(p.reason)), 18)
          << safe(p.why) << "\n";
    }
    if (r.passed.size() > limit) out << "  … and " << r.passed.size() - limit << " more (--format json lists all)\n";
  }
  std::cout << out.str();
  return 0;
}

// The plan `queue plan` prints and `queue status` shows: on --nodes, else one node per configured
// target, else one per target of the active requests (1x24vgb when there are none).
Plan plan_of(const Queue& q, const QueueOptions& o, const Settings& settings, Time from, Time t) {
  std::vector<NodeSpec> nodes;
  if (!o.nodes.empty()) {
    nodes = parse_nodes(o.nodes);
  } else if (!settings.targets.empty()) {
    for (const auto& tg : settings.targets) nodes.push_back({tg.name, 1});
  } else {
    for (const auto& e : q.requests)
      if (is_active(e) && std::none_of(nodes.begin(), nodes.end(), [&](const NodeSpec& n) { return n.target == e.target; }))
        nodes.push_back({e.target, 1});
    if (nodes.empty()) nodes.push_back({"1x24vgb", 1});
  }
  for (const auto& n : nodes) check_target(settings, n.target);
  return plan_queue(q, settings.priority, nodes, from, t);
}

std::string chart_label(std::size_t i) {
  static const char* labels = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  return std::string(1, labels[i % 62]);
}

int run_plan(const QueueOptions& o, const GlobalOptions& g) {
  const Settings settings = resolve_settings(g);
  const Time t = now();
  Time from = t;
  if (!o.from.empty() && o.from != "now") {
    auto parsed = parse_time(o.from);
    if (!parsed) throw UsageError("--from '" + o.from + "': not a time (2024-05-01T12:00Z, or now)");
    from = *parsed;
  }
  const Queue q = read_learned_queue(store_of(o), o, settings);
  const Plan plan = plan_of(q, o, settings, from, t);

  if (o.format == "json") {
    ojson items = ojson::array(), unplanned = ojson::array(), jn = ojson::array();
    for (const auto& n : plan.nodes) jn.push_back({{"name", n.name}, {"target", n.target}});
    for (const auto& it : plan.items)
      items.push_back({{"id", it.entry->id}, {"part", it.part}, {"node", it.node}, {"target", it.target},
                       {"start", format_time(it.start)}, {"end", format_time(it.end)},
                       {"hours", static_cast<double>(it.end - it.start) / 3600.0}, {"running", it.running},
                       {"overdue", it.overdue}});
    for (const auto& u : plan.unplanned)
      unplanned.push_back({{"id", u.entry->id}, {"part", u.part}, {"why", u.why}});
    print_json(ojson{{"from", format_time(plan.from)}, {"end", format_time(plan.end)},
                     {"nodes", std::move(jn)}, {"items", std::move(items)}, {"unplanned", std::move(unplanned)}});
    return 0;
  }
  std::ostringstream out;
  std::vector<std::string> names;
  for (const auto& n : plan.nodes) names.push_back(n.name);
  out << "plan from " << format_time(plan.from) << " on " << join(names, ", ") << ": " << plan.items.size()
      << " part(s), all done by " << format_time(plan.end) << " (" << format_hours(static_cast<double>(plan.end - plan.from) / 3600.0)
      << ")\n";
  if (!plan.items.empty()) {
    out << "  " << pad("PART", 12) << pad("NODE", 12) << pad("START", 13) << pad("END", 13) << pad("HOURS", 7)
        << "TITLE\n";
    for (const auto& it : plan.items) {
      out << "  " << pad(it.entry->id + "/part" + std::to_string(it.part), 12) << pad(it.node, 12)
          << pad(short_time(it.start), 13) << pad(short_time(it.end), 13)
          << pad(format_hours(static_cast<double>(it.end - it.start) / 3600.0), 7) << safe(it.entry->title)
          << (it.running ? (it.overdue ? "  [running, overdue]" : "  [running]") : "") << "\n";
    }
    // Chart: one row per node, one column per slice of the plan's span.
    const int width = 60;
    const Time span = std::max<Time>(1, plan.end - plan.from);
    const double per_col = static_cast<double>(span) / width;
    const bool legend = plan.items.size() <= 62;
    out << "\n  chart (1 column = " << format_hours(per_col / 3600.0) << ", '.' idle):\n";
    std::size_t name_w = 4;
    for (const auto& n : plan.nodes) name_w = std::max(name_w, n.name.size() + 1);
    for (const auto& n : plan.nodes) {
      std::string row(width, '.');
      for (std::size_t i = 0; i < plan.items.size(); ++i) {
        const auto& it = plan.items[i];
        if (it.node != n.name) continue;
        const int c0 = static_cast<int>(static_cast<double>(std::max(it.start, plan.from) - plan.from) / per_col);
        const int c1 = std::max(c0 + 1, static_cast<int>(fm::ceil(static_cast<double>(it.end - plan.from) / per_col)));
        const char ch = legend ? chart_label(i)[0] : ((i % 2) ? '=' : '#');
        for (int c = std::max(0, c0); c < std::min(width, c1); ++c) row[static_cast<std::size_t>(c)] = ch;
      }
      out << "  " << pad(n.name, name_w) << "|" << row << "|\n";
    }
    if (legend) {
      out << "  ";
      for (std::size_t i = 0; i < plan.items.size(); ++i)
        out << chart_label(i) << "=" << plan.items[i].entry->id << "/" << plan.items[i].part
            << ((i + 1) % 8 == 0 && i + 1 < plan.items.size() ? "\n  " : "  ");
      out << "\n";
    }
  }
  if (!plan.unplanned.empty()) {
    out << "\n  not planned:\n";
    for (const auto& u : plan.unplanned)
      out << "  " << pad(u.entry->id + "/part" + std::to_string(u.part), 12) << safe(u.why) << "\n";
  }
  std::cout << out.str();
  return 0;
}

// `queue status`: a short summary, or with --html the public status page (status_page.h).
int run_status(const QueueOptions& o, const GlobalOptions& g) {
  if (o.format != "text") throw UsageError("queue status: --format json is not offered (queue list / plan have it)");
  const Settings settings = resolve_settings(g);
  Time t = now();
  if (!o.now.empty() && o.now != "now") {
    auto parsed = parse_time(o.now);
    if (!parsed) throw UsageError("--now '" + o.now + "': not a time (2024-05-01T12:00Z, or now)");
    t = *parsed;
  }
  // With the archive: the page lists recently finished parts, and a request whose last part
  // finished has moved there (rank_queue and the plan keep to the active ones).
  const Queue q = read_learned_queue(store_of(o), o, settings, /*history=*/true);
  const auto ranked = rank_queue(q, settings.priority, t);
  const Plan plan = plan_of(q, o, settings, t, t);
  const StatusView v = make_status_view(q, ranked, plan, t, o.recent);
  if (!o.html.empty()) {
    StatusPageOptions page;
    page.pr_base = "https://github.com/" + settings.runner.repo + "/pull/";
    page.generator = std::string("rwkvq ") + RWKVQ_VERSION;
    write_file_atomic(o.html, render_status_html(v, page));
    std::cout << "wrote " << safe(o.html) << ": " << v.queue.size() << " request(s) in the queue, "
              << v.running.size() << " running, " << v.recent.size() << " recently finished, "
              << plan.nodes.size() << " node lane(s)\n";
    return 0;
  }
  std::ostringstream out;
  out << "queue status at " << format_time(t) << ": " << v.queue.size() << " request(s) waiting or running, "
      << v.running.size() << " part(s) running";
  if (!plan.items.empty()) out << "; all planned work done by " << format_time(plan.end);
  out << "\n";
  if (!v.queue.empty()) {
    out << "  " << pad("#", 4) << pad("ID", 7) << pad("STATE", 9) << pad("PART", 6) << pad("START", 13)
        << pad("FINISH", 13) << "TITLE\n";
    for (const auto& r : v.queue) {
      const Entry& e = *r.entry;
      out << "  " << pad(std::to_string(r.position), 4) << pad(e.id, 7) << pad(std::string(request_state(e)), 9)
          << pad(std::to_string(r.part) + "/" + std::to_string(e.parts.size()), 6)
          << pad(r.start ? short_time(*r.start) : "-", 13) << pad(r.finish ? short_time(*r.finish) : "not planned", 13)
          << safe(e.title) << " (" << safe(e.handle) << ")\n";
    }
  }
  if (!v.running.empty()) {
    out << "running:\n";
    for (const auto& r : v.running)
      out << "  " << pad(r.entry->id + "/part" + std::to_string(r.part), 12) << pad(r.target, 9) << "since "
          << (r.started ? short_time(*r.started) : "?") << "  est. end " << (r.end ? short_time(*r.end) : "?")
          << (r.overdue ? " (overdue)" : "") << "  "
          << (r.run_url.empty() ? (r.dispatched ? "run not matched yet" : "started by hand") : safe(r.run_url)) << "\n";
  }
  if (!v.recent.empty()) {
    out << "recently finished (" << v.recent.size() << " of " << v.ended_total << "):\n";
    for (const auto& x : v.recent)
      out << "  " << pad(x.entry->id + "/part" + std::to_string(x.part), 12)
          << pad(std::string(to_string(x.state)), 8) << pad(x.finished ? short_time(*x.finished) : "?", 13)
          << pad(format_hours(x.real_hours), 7) << (x.run_url.empty() ? "recorded by hand" : safe(x.run_url)) << "\n";
  }
  out << "the public page: rwkvq queue status --html FILE\n";
  std::cout << out.str();
  return 0;
}

}  // namespace

void add_view_commands(CLI::App* q, const Opts& o, GlobalOptions& g, int& exit_code) {
  auto* list = q->add_subcommand("list", "Requests in priority order");
  list->add_flag("--all", o->all, "Include done, rejected and cancelled requests");
  list->add_flag("--explain", o->explain, "Show each priority factor's contribution (like sprio)");
  list->callback([o, &g, &exit_code] { guarded(exit_code, [&] { return run_list(*o, g); }); });

  auto* show = q->add_subcommand("show", "One request: parts, estimates, history");
  show->add_option("ID", o->ref, "Request id (r12)")->required();
  show->callback([o, &g, &exit_code] { guarded(exit_code, [&] { return run_show(*o, g); }); });

  auto* next = q->add_subcommand("next", "The best part to run next on a target");
  next->add_option("--target", o->target, "Runner target of the idle node")->required();
  next->add_option("--window", o->window, "Idle time available (4h, 90m, 1h30m): backfill what fits");
  next->callback([o, &g, &exit_code] { guarded(exit_code, [&] { return run_next(*o, g); }); });
}

void add_plan_command(CLI::App* q, const Opts& o, GlobalOptions& g, int& exit_code) {
  auto* logc = q->add_subcommand("log", "The queue's history: who changed what, when (a git queue's commits)");
  logc->add_option("--max", o->max, "At most N changes, newest first (default: all)");
  logc->callback([o, &exit_code] { guarded(exit_code, [&] { return run_queue_log(store_of(*o), o->max, o->format); }); });

  auto* plan = q->add_subcommand("plan", "Simulate the queue on nodes: timeline and chart");
  plan->add_option("--nodes", o->nodes, "Nodes per target: 1x24vgb=1,8x24vgb=1 (default: one per configured target)");
  plan->add_option("--from", o->from, "Start time, ISO-8601 UTC (default: now)");
  plan->callback([o, &g, &exit_code] { guarded(exit_code, [&] { return run_plan(*o, g); }); });

  auto* status = q->add_subcommand("status", "The queue at a glance; --html writes the public status page");
  status->add_option("--html", o->html, "Write the self-contained public page (HTML, inline SVG) to FILE")
      ->type_name("FILE");
  status->add_option("--nodes", o->nodes, "Nodes per target, as for queue plan (default: one per configured target)");
  status->add_option("--now", o->now, "The time the status is for, ISO-8601 UTC (default: now)")
      ->type_name("TIME");
  status->add_option("--recent", o->recent, "How many finished parts to list (default 12)")->type_name("N");
  status->callback([o, &g, &exit_code] { guarded(exit_code, [&] { return run_status(*o, g); }); });
}

}  // namespace rwkvq::cli::qcli
