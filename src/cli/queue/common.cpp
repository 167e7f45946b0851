// Shared pieces of `rwkvq queue …` (common.h), and the `queue` command itself with its global
// options; each verb group's file adds its subcommands.
#include "cli/queue/common.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <set>
#include <iostream>
#include <vector>

#include "rwkvq/core/error.h"
#include "rwkvq/queue/archive.h"
#include "rwkvq/queue/duration.h"
#include "rwkvq/queue/learn.h"
#include "rwkvq/queue/states.h"
#include "rwkvq/report/report.h"
#include "rwkvq/util/atomic_file.h"
#include "rwkvq/util/heap.h"
#include "rwkvq/util/strings.h"

namespace rwkvq::cli {
namespace qcli {

Time now() { return static_cast<Time>(std::time(nullptr)); }

std::string who(const QueueOptions& o) {
  if (!o.by.empty()) return o.by;
  if (const char* u = std::getenv("USER"); u && *u) return u;
  return "unknown";
}

// A queue file, or a shared queue in git (--queue git:URL#BRANCH, store.h).
QueueStore store_of(const QueueOptions& o) {
  QueueStore store = QueueStore::open(o.queue, StoreOptions{!o.no_fetch});
  // The queue and, for the commands that read history, its archive become ~10 times their size
  // in memory: room for that at once (util/heap.h).
  std::error_code ec;
  std::uintmax_t bytes = 0;
  for (const auto& f : {store.file(), queue::archive_path(store.file())}) {
    const std::uintmax_t n = std::filesystem::file_size(f, ec);
    if (!ec) bytes += n;
  }
  reserve_heap_for(static_cast<std::size_t>(bytes) * 10);
  return store;
}

Queue read_learned_queue(const QueueStore& store, const QueueOptions& o, const Settings& s, bool history) {
  return learned(store, o, s, history ? store.read_history() : store.read(), history);
}

Queue learned(const QueueStore& store, const QueueOptions& o, const Settings& s, Queue q, bool history) {
  if (o.no_learn || !s.limits.learn) return q;
  // What the done runs taught: the learned summary beside the queue, kept by every change that
  // marks a part done (learn.h), so that the archive of finished requests is not read here. A
  // queue without one (written by hand, or before summaries) learns from all its history.
  std::map<std::string, LearnedUtilisation> learned;
  std::error_code ec;
  if (std::filesystem::exists(learned_path(store.file()), ec)) {
    try {
      learned = read_learned(store.file()).usable();
    } catch (const InputError& e) {
      std::cerr << "rwkvq: warning: " << safe(e.what()) << " (learning from the queue's history instead)\n";
      learned = learn_from_history(store, q, history).usable();
    }
  } else {
    learned = learn_from_history(store, q, history).usable();
  }
  apply_learned(q, learned);
  return q;
}

Learned learn_from_history(const QueueStore& store, const Queue& q, bool with_archive_already) {
  if (with_archive_already) return learn_from_queue(q);
  // The archived requests, and only the active ones with a done part (no copy of the queue).
  Queue all = store.is_git() ? store.read_history() : with_archive(Queue{}, read_archive(store.file()));
  std::set<std::string_view> archived;
  for (const auto& e : all.requests) archived.insert(e.id);
  for (const auto& e : q.requests)
    if (!archived.count(e.id) &&
        std::any_of(e.parts.begin(), e.parts.end(), [](const Part& p) { return p.state == PartState::Done; }))
      all.requests.push_back(e);
  return learn_from_queue(all);
}

void write_learned(const QueueStore& store, const Queue& written) {
  const auto file = learned_path(store.file());
  remove_stale_temps(file);
  // Under the queue's lock: the archive beside the queue file (for a git queue, its copy in the
  // clone, just written) is read without taking the lock again, only its new tail when it can.
  write_file_atomic(file, serialize_learned(learn_after_change(store.file(), written)));
}

void refused_or_archived(const QueueStore& store, const Refused& err, std::string_view id,
                         const std::function<void(Queue&)>& change) {
  if (std::string_view(err.what()).rfind("no request ", 0) != 0) throw err;
  const Queue all = store.read_history();
  const Entry* e = all.find(id);
  if (!e) throw err;
  // A finished request: no action applies to it any more, so the same change on its archived
  // copy (in memory only) is refused, saying why, as it was before requests were archived.
  Queue one;
  one.next_id = all.next_id;
  one.requests.push_back(*e);
  change(one);
  throw Refused(e->id + " is " + std::string(request_state(*e)) + " and archived: it cannot change");
}

std::string safe(std::string_view s) { return sanitize_for_terminal(s); }

std::string fixed(double v, int digits) {
  char buf[64];
  // to_chars with a precision is printf's "%.*f" in the C locale (and ~5× cheaper: list --all
  // formats tens of thousands); a value too long for the buffer goes to snprintf as before.
  const auto r = std::to_chars(buf, buf + sizeof buf - 1, v, std::chars_format::fixed, digits);
  if (r.ec == std::errc()) return std::string(buf, r.ptr);
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

std::string short_time(Time t) {
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

void guarded(int& exit_code, const std::function<int()>& f) {
  try {
    exit_code = f();
  } catch (const Refused& e) {
    std::cerr << "rwkvq: error: " << safe(e.what()) << "\n";
    exit_code = 1;
  }
}

}  // namespace qcli

void add_queue_command(CLI::App& app, GlobalOptions& g, int& exit_code) {
  using namespace qcli;
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

  add_intake_commands(q, o, g, exit_code);
  add_view_commands(q, o, g, exit_code);
  add_lifecycle_commands(q, o, g, exit_code);
  add_plan_command(q, o, g, exit_code);
  add_runner_commands(q, o, g, exit_code);
}

}  // namespace rwkvq::cli
