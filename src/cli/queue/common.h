#pragma once
// Shared pieces of `rwkvq queue …` (src/cli/queue/): the options every subcommand fills, where
// the queue is opened (store_of: the ONE place the command line opens a queue), and the
// formatting helpers. Each verb group lives in its own file and registers its subcommands:
//   intake.cpp    add
//   views.cpp     list, show, next, plan, status
//   lifecycle.cpp start, done, fail, skip, reject, cancel, bump
//   runner.cpp    dispatch, sync, import (GitHub Actions, DESIGN §10)
//
// Exit codes: 0 ok; 1 refused (illegal move, unknown id, request with errors, duplicate
// folder); 2 bad usage or a queue file that cannot be used (InputError/UsageError → main()).
#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "cli/cli.h"
#include "rwkvq/queue/document.h"
#include "rwkvq/queue/learn.h"
#include "rwkvq/queue/states.h"
#include "rwkvq/queue/priority.h"
#include "rwkvq/queue/store.h"

namespace rwkvq::cli::qcli {

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
  // status
  std::string html, now;
  std::size_t recent = 12;
  // dispatch / sync / import (runner.cpp): overrides of rwkvq.yaml's runner:
  std::string repo, workflow, branch, lane, cuda, hf_repo, checkout;
  bool dry_run = false, import_add = false;
};

Time now();
std::string who(const QueueOptions& o);
QueueStore store_of(const QueueOptions& o);
// The queue as the commands see it: its unfinished parts' hours follow the utilisation learned
// from its own done runs (learn.h), unless --no-learn or limits.learn: false.
// `history`: with the archive of finished requests (list --all, show of a finished request).
Queue read_learned_queue(const QueueStore& store, const QueueOptions& o, const Settings& s, bool history = false);
// `q` (read from `store`; `history`: with its archive) as read_learned_queue gives it.
Queue learned(const QueueStore& store, const QueueOptions& o, const Settings& s, Queue q, bool history = false);
// What the done runs of the whole history teach: `q` (the active queue, or with
// `with_archive_already` the queue and its archive as read_history gave it) and the archive.
Learned learn_from_history(const QueueStore& store, const Queue& q, bool with_archive_already);
// Rewrites the learned summary beside the queue from `written` and the archive (call it in a
// transaction's after_write, under the lock).
void write_learned(const QueueStore& store, const Queue& written);
// For a Refused "no request ID" from a change: when the archive holds ID (a finished request),
// the change is tried on its archived copy in memory to be refused saying why; else rethrows.
[[noreturn]] void refused_or_archived(const QueueStore& store, const Refused& err, std::string_view id,
                                      const std::function<void(Queue&)>& change);
// Text from a request (titles, handles, folders) is shown safely on a terminal.
std::string safe(std::string_view s);
std::string fixed(double v, int digits = 1);
std::string pad(std::string s, std::size_t width);
std::string age_text(Time from, Time to);
std::string short_time(Time t);  // "05-01 12:00" (UTC)
void print_json(const ojson& j);
ojson factors_json(const PriorityFactors& f, const PriorityWeights& w);
void check_target(const Settings& s, const std::string& target);
// Runs a subcommand: Refused → message on stderr, exit 1.
void guarded(int& exit_code, const std::function<int()>& f);

using Opts = std::shared_ptr<QueueOptions>;
void add_intake_commands(CLI::App* q, const Opts& o, GlobalOptions& g, int& exit_code);
void add_view_commands(CLI::App* q, const Opts& o, GlobalOptions& g, int& exit_code);
void add_lifecycle_commands(CLI::App* q, const Opts& o, GlobalOptions& g, int& exit_code);
void add_plan_command(CLI::App* q, const Opts& o, GlobalOptions& g, int& exit_code);
void add_runner_commands(CLI::App* q, const Opts& o, GlobalOptions& g, int& exit_code);

}  // namespace rwkvq::cli::qcli
