// `rwkvq queue …`: glue between the command line and the queue library (src/queue). Output
// formatting lives here; the decisions (states, priority, scheduling, storage) do not.
//
// Exit codes: 0 ok; 1 refused (illegal move, unknown id, request with errors, duplicate
// folder); 2 bad usage or a queue file that cannot be used (InputError/UsageError → main()).
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "cli/queue_log.h"
#include "rwkvq/core/error.h"
#include "rwkvq/estimate/estimate.h"
#include "rwkvq/queue/document.h"
#include "rwkvq/queue/duration.h"
#include "rwkvq/queue/intake.h"
#include "rwkvq/queue/learn.h"
#include "rwkvq/queue/priority.h"
#include "rwkvq/queue/scheduler.h"
#include "rwkvq/queue/states.h"
#include "rwkvq/queue/store.h"
#include "rwkvq/report/report.h"
#include "rwkvq/request/request.h"
#include "rwkvq/rules/rule.h"
#include "rwkvq/util/atomic_file.h"
#include "rwkvq/util/strings.h"

namespace rwkvq::cli {
namespace {

using namespace rwkvq::queue;
using ojson = nlohmann::ordered_json;

struct QueueOptions {
  std::string queue;   // --queue
  std::string by;      // --by
  std::string format = "text";
  bool no_learn = false;  // --no-learn
  bool no_fetch = false;  // --no-fetch (git queue)
  std::size_t max = 0;    // log --max
  // add
  std::string dir, kind = "community", target;
  int boost = 0;
  // list
  bool all = false, explain = false;
  // show / actions / bump
  std::string ref, reason, node, at;
  int amount = 0;
  // next
  std::string window;
  // plan
  std::string nodes, from;
};

Time now() { return static_cast<Time>(std::time(nullptr)); }

std::string who(const QueueOptions& o) {
  if (!o.by.empty()) return o.by;
  if (const char* u = std::getenv("USER"); u && *u) return u;
  return "unknown";
}

// A queue file, or a shared queue in git (--queue git:URL#BRANCH, store.h).
QueueStore store_of(const QueueOptions& o) { return QueueStore::open(o.queue, StoreOptions{!o.no_fetch}); }

// The queue as the commands see it: its unfinished parts' hours follow the utilisation learned
// from its own done runs (learn.h), unless --no-learn or limits.learn: false.
Queue read_learned_queue(const QueueStore& store, const QueueOptions& o, const Settings& s) {
  Queue q = store.read();
  if (!o.no_learn && s.limits.learn) apply_learned(q, learn_from_queue(q).usable());
  return q;
}

// Text from a request (titles, handles, folders) is shown safely on a terminal.
std::string safe(std::string_view s) { return sanitize_for_terminal(s); }

std::string fixed(double v, int digits = 1) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string pad(std::string s, std::size_t width) {
  // Width in code points, approximately: count bytes that are not UTF-8 continuation bytes.
  std::size_t cps = 0;
  for (unsigned char c : s) cps += (c & 0xC0) != 0x80;
  if (cps < width) s.append(width - cps, ' ');
  return s;
}

std::string age_text(Time from, Time to) {
  const double h = static_cast<double>(std::max<Time>(0, to - from)) / 3600.0;
  if (h >= 48) return std::to_string(static_cast<long>(h / 24)) + "d";
  return format_hours(h);
}

std::string short_time(Time t) {  // "05-01 12:00" (UTC)
  const std::string iso = format_time(t);
  return iso.substr(5, 5) + " " + iso.substr(11, 5);
}

void print_json(const ojson& j) {
  std::cout << j.dump(2, ' ', false, ojson::error_handler_t::replace) << "\n";
}

ojson factors_json(const PriorityFactors& f, const PriorityWeights& w) {
  auto one = [](double factor, double weight, double value) {
    return ojson{{"factor", factor}, {"weight", weight}, {"value", value}};
  };
  return ojson{{"total", f.total},
               {"kind", one(f.kind, w.kind, f.kind_part)},
               {"shortness", one(f.shortness, w.shortness, f.shortness_part)},
               {"age", one(f.age, w.age, f.age_part)},
               {"boost", one(f.boost, w.boost, f.boost_part)},
               {"part", f.part},
               {"hours", f.hours ? ojson(*f.hours) : ojson(nullptr)}};
}

void check_target(const Settings& s, const std::string& target) {
  if (target.empty() || s.targets.empty() || s.target(target)) return;
  std::vector<std::string> names;
  for (const auto& t : s.targets) names.push_back(t.name);
  throw UsageError("unknown target '" + target + "' (configured targets: " + join(names, ", ") + ")");
}

// ------------------------------------------------------------------ add

int run_add(const QueueOptions& o, const GlobalOptions& g) {
  const Settings settings = resolve_settings(g);
  check_target(settings, o.target);
  std::error_code ec;
  if (!std::filesystem::is_directory(o.dir, ec))
    throw UsageError(o.dir + ": " + (std::filesystem::exists(o.dir, ec) ? "not a folder" : "no such folder"));
  auto store = store_of(o);
  Settings learned_settings = settings;
  load_learned(learned_settings, store.file().string(), o.no_learn);

  Request req = load_request(o.dir, load_limits(settings.limits));
  EstimateOptions eo;
  if (!o.target.empty()) eo.target = o.target;
  const RequestEstimate estimate = estimate_request(req, learned_settings, eo);
  std::optional<std::string> target;
  if (!o.target.empty()) target = o.target;
  RuleContext ctx{settings, &estimate, target};
  auto findings = run_rules(req, ctx, CheckOptions{});
  RequestReport report = make_report(req, std::move(findings), &estimate);
  if (report.errors() > 0) {
    if (o.format == "json") {
      print_json(ojson{{"added", false}, {"id", nullptr}, {"report", report_json({report})}});
    } else {
      TextOptions to;
      to.color = want_color(::isatty(STDOUT_FILENO) == 1, std::getenv("NO_COLOR"));
      write_text(std::cout, {report}, to);
    }
    std::cerr << "rwkvq: error: " << safe(o.dir) << ": not queued: the request has "
              << report.errors() << " error(s)\n";
    return 1;
  }

  IntakeOptions io;
  io.kind = o.kind;
  if (!o.target.empty()) io.target = o.target;
  io.boost = o.boost;
  Entry entry = make_entry(req, estimate, io);
  ChangeInfo info{who(o), now(), o.reason, "", "", std::nullopt};
  std::string id;
  Queue q = store.transact(
      [&](Queue& queue) {
        id = add_entry(queue, entry, info);
        return true;
      },
      /*create=*/true);
  const Entry& e = *q.find(id);
  if (o.format == "json") {
    print_json(ojson{{"added", true}, {"id", id}, {"queue", store.name()}, {"request", entry_json(e)}});
  } else {
    std::vector<std::string> hours;
    for (const auto& p : e.parts) hours.push_back(format_hours(p.hours));
    std::cout << id << "\n";
    std::cerr << "queued " << id << ": " << safe(e.title.empty() ? e.folder : e.title) << " ("
              << safe(e.handle.empty() ? "no handle" : e.handle) << ", " << e.kind << ", " << e.target
              << ", " << e.parts.size() << " part(s): " << join(hours, " + ") << ")";
    if (report.warnings() > 0) std::cerr << ", " << report.warnings() << " warning(s)";
    std::cerr << "\n";
  }
  return 0;
}

// ------------------------------------------------------------------ list / show

int run_list(const QueueOptions& o, const GlobalOptions& g) {
  const Settings settings = resolve_settings(g);
  auto store = store_of(o);
  const Queue q = read_learned_queue(store, o, settings);
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
    out << pad("ID", 7) << pad("PRIORITY", 10) << pad("STATE", 10) << pad("KIND", 20) << pad("TARGET", 9)
        << pad("PART", 6) << pad("HOURS", 7) << pad("AGE", 6) << pad("HANDLE", 16) << "TITLE\n";
    for (const auto& r : ranked) {
      const Entry& e = *r.entry;
      const int cur = current_part(e);
      const std::string part = cur < 0 ? "-" : std::to_string(cur + 1) + "/" + std::to_string(e.parts.size());
      out << pad(e.id, 7) << pad(is_active(e) ? fixed(r.factors.total) : "-", 10)
          << pad(std::string(request_state(e)), 10) << pad(e.kind, 20) << pad(e.target, 9) << pad(part, 6)
          << pad(cur < 0 ? "-" : format_hours(r.factors.hours), 7) << pad(age_text(e.submitted, t), 6)
          << pad(safe(e.handle), 16) << safe(e.title) << "\n";
    }
  }
  std::cout << out.str();
  return 0;
}

int run_show(const QueueOptions& o, const GlobalOptions& g) {
  const Settings settings = resolve_settings(g);
  const PartRef ref = parse_part_ref(o.ref);
  const Queue q = read_learned_queue(store_of(o), o, settings);
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
  }
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

// ------------------------------------------------------------------ changes

int run_action(Action action, const QueueOptions& o, const GlobalOptions& g) {
  const Settings settings = resolve_settings(g);
  check_target(settings, o.target);
  const PartRef ref = parse_part_ref(o.ref);
  ChangeInfo info{who(o), now(), o.reason, o.node, o.target, std::nullopt};
  if (!o.at.empty()) {
    info.at = parse_at(o.at, info.now);
    if (!info.at)
      throw UsageError("--at '" + o.at + "': not a time (2024-05-01T12:00Z, 2024-05-01 12:00, or 3h ago)");
  }
  int part = 0;
  auto store = store_of(o);
  // Every done updates the learned summary beside the queue, under the same lock.
  std::function<void(const Queue&)> after;
  if (action == Action::Done)
    after = [&store](const Queue& written) {
      const auto file = learned_path(store.file());
      remove_stale_temps(file);
      write_file_atomic(file, serialize_learned(learn_from_queue(written)));
    };
  Queue q = store.transact(
      [&](Queue& queue) {
        part = apply_action(queue, ref, action, info);
        return true;
      },
      /*create=*/false, after);
  const Entry& e = *q.find(ref.id);
  const Part& p = e.parts[static_cast<std::size_t>(part - 1)];
  if (o.format == "json") {
    ojson j{{"id", e.id}, {"part", part}, {"action", to_string(action)},
            {"state", to_string(p.state)}, {"request_state", request_state(e)}};
    if (action == Action::Done)
      j["real_hours"] = p.real_hours ? ojson(*p.real_hours) : ojson(nullptr);
    print_json(j);
    return 0;
  }
  std::cout << e.id << "/part" << part << ": " << to_string(p.state);
  if (action == Action::Start) std::cout << " on " << safe(p.node);
  if (action == Action::Reject || action == Action::Cancel) std::cout << " (request " << request_state(e) << ")";
  if (action == Action::Done && p.real_hours)
    std::cout << " in " << format_hours(*p.real_hours) << " (estimate "
              << format_hours(part_hours(e, p, p.ran_on.empty() ? e.target : p.ran_on)) << ")";
  if (action == Action::Done) {
    const int cur = current_part(e);
    if (cur < 0) std::cout << " (request done: every part finished)";
    else std::cout << " (next: part " << cur + 1 << " of " << e.parts.size() << ")";
  }
  std::cout << "\n";
  return 0;
}

int run_bump(const QueueOptions& o, const GlobalOptions&) {
  ChangeInfo info{who(o), now(), o.reason, "", "", std::nullopt};
  int boost = 0;
  std::string id;
  store_of(o).transact([&](Queue& queue) {
    boost = bump(queue, o.ref, o.amount, info);
    id = queue.find(o.ref)->id;
    return true;
  });
  if (o.format == "json") print_json(ojson{{"id", id}, {"boost", boost}});
  else std::cout << id << ": boost " << boost << "\n";
  return 0;
}

// ------------------------------------------------------------------ next

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

// ------------------------------------------------------------------ plan

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
  const Plan plan = plan_queue(q, settings.priority, nodes, from, t);

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
        const int c1 = std::max(c0 + 1, static_cast<int>(std::ceil(static_cast<double>(it.end - plan.from) / per_col)));
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

// ------------------------------------------------------------------ wiring

void guarded(int& exit_code, const std::function<int()>& f) {
  try {
    exit_code = f();
  } catch (const Refused& e) {
    std::cerr << "rwkvq: error: " << safe(e.what()) << "\n";
    exit_code = 1;
  }
}

}  // namespace

void add_queue_command(CLI::App& app, GlobalOptions& g, int& exit_code) {
  auto o = std::make_shared<QueueOptions>();
  auto* q = app.add_subcommand("queue", "The queue of accepted requests: add, list, next, start, done, plan …");
  q->require_subcommand(1);
  q->fallthrough();
  q->add_option("--queue", o->queue,
                "Queue file, or a shared queue in git: git:URL#BRANCH (default: $RWKVQ_QUEUE, else "
                "$XDG_DATA_HOME/rwkvq/queue.json, else ~/.local/share/rwkvq/queue.json)");
  q->add_flag("--no-fetch", o->no_fetch, "Git queue: read the local clone as last fetched (changes always fetch)");
  q->add_option("--by", o->by, "Who makes the change (default: $USER)");
  q->add_option("--format", o->format, "Output: text (default) or json")->check(CLI::IsMember({"text", "json"}));
  q->add_flag("--no-learn", o->no_learn,
              "Estimates with limits.utilisation, not the utilisation learned from the queue's done runs");
  q->footer("Exit status: 0 ok, 1 refused (illegal move, unknown id, request with errors),\n"
            "2 bad usage or a queue file that cannot be used (reported with path:line:col, never overwritten).");

  auto* add = q->add_subcommand("add", "Validate a request folder and queue it (prints the new id)");
  add->add_option("DIR", o->dir, "Request folder")->required();
  add->add_option("--kind", o->kind, "rwkv-x, community-priority or community (default)")
      ->check(CLI::IsMember(known_kinds()));
  add->add_option("--target", o->target, "Runner target (default: the smallest one the request fits)");
  add->add_option("--boost", o->boost, "Initial manual boost (10 = the full boost weight)")
      ->check(CLI::Range(-1000000, 1000000));
  add->add_option("--reason", o->reason, "Note for the history");
  add->callback([o, &g, &exit_code] { guarded(exit_code, [&] { return run_add(*o, g); }); });

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

  const std::pair<Action, const char*> actions[] = {
      {Action::Start, "Mark a part running (on --node)"},
      {Action::Done, "Mark a running part done"},
      {Action::Fail, "Mark a running part failed"},
      {Action::Skip, "It did not run this time: back of the line (give --reason)"},
      {Action::Reject, "Reject the request (this part and the rest)"},
      {Action::Cancel, "Cancel the request (this part and the rest)"}};
  for (const auto& [action, help] : actions) {
    auto* cmd = q->add_subcommand(std::string(to_string(action)), help);
    cmd->add_option("ID", o->ref, "Request id, or one part: r12/part2 (default: its current part)")->required();
    cmd->add_option("--reason", o->reason, "Why (kept in the history)");
    if (action == Action::Start || action == Action::Done || action == Action::Fail)
      cmd->add_option("--at", o->at,
                      "When it happened, to record it after the fact: ISO-8601 UTC (2024-05-01T12:00Z) or "
                      "'3h ago' (default: now)");
    if (action == Action::Start) {
      cmd->add_option("--node", o->node, "Node it runs on (default: the target's name)");
      cmd->add_option("--target", o->target, "Runner target of that node (default: the request's)");
    }
    const Action a = action;
    cmd->callback([o, &g, &exit_code, a] { guarded(exit_code, [&] { return run_action(a, *o, g); }); });
  }

  auto* bumpc = q->add_subcommand("bump", "Add N to a request's manual boost (N may be negative)");
  bumpc->add_option("ID", o->ref, "Request id")->required();
  bumpc->add_option("N", o->amount, "Boost change (10 = the full boost weight)")->required()
      ->check(CLI::Range(-1000000, 1000000));
  bumpc->add_option("--reason", o->reason, "Why (kept in the history)");
  bumpc->callback([o, &g, &exit_code] { guarded(exit_code, [&] { return run_bump(*o, g); }); });

  auto* logc = q->add_subcommand("log", "The queue's history: who changed what, when (a git queue's commits)");
  logc->add_option("--max", o->max, "At most N changes, newest first (default: all)");
  logc->callback([o, &exit_code] { guarded(exit_code, [&] { return run_queue_log(store_of(*o), o->max, o->format); }); });

  auto* plan = q->add_subcommand("plan", "Simulate the queue on nodes: timeline and chart");
  plan->add_option("--nodes", o->nodes, "Nodes per target: 1x24vgb=1,8x24vgb=1 (default: one per configured target)");
  plan->add_option("--from", o->from, "Start time, ISO-8601 UTC (default: now)");
  plan->callback([o, &g, &exit_code] { guarded(exit_code, [&] { return run_plan(*o, g); }); });
}

}  // namespace rwkvq::cli
