// `rwkvq queue start / done / fail / skip / reject / cancel / bump`: changes to a part or request.
#include "cli/queue/common.h"

#include <functional>
#include <iostream>
#include <string>

#include "rwkvq/core/error.h"
#include "rwkvq/queue/duration.h"
#include "rwkvq/queue/learn.h"
#include "rwkvq/queue/states.h"

namespace rwkvq::cli::qcli {
namespace {

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
  if (action == Action::Done) after = [&store](const Queue& written) { write_learned(store, written); };
  auto change = [&](Queue& queue) { part = apply_action(queue, ref, action, info); };
  Queue q;
  try {
    q = store.transact(
        [&](Queue& queue) {
          change(queue);
          return true;
        },
        /*create=*/false, after);
  } catch (const Refused& err) {
    refused_or_archived(store, err, ref.id, change);
  }
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
  auto store = store_of(o);
  auto change = [&](Queue& queue) {
    boost = bump(queue, o.ref, o.amount, info);
    id = queue.find(o.ref)->id;
  };
  try {
    store.transact([&](Queue& queue) {
      change(queue);
      return true;
    });
  } catch (const Refused& err) {
    refused_or_archived(store, err, o.ref, change);
  }
  if (o.format == "json") print_json(ojson{{"id", id}, {"boost", boost}});
  else std::cout << id << ": boost " << boost << "\n";
  return 0;
}

}  // namespace

void add_lifecycle_commands(CLI::App* q, const Opts& o, GlobalOptions& g, int& exit_code) {
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
}

}  // namespace rwkvq::cli::qcli
