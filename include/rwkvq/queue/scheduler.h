#pragma once
// What to run next, and a simulated plan of the whole queue. Pure functions of the queue.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rwkvq/core/settings.h"
#include "rwkvq/queue/document.h"
#include "rwkvq/queue/priority.h"

namespace rwkvq::queue {

// Why a part that ranks higher than the proposal was passed over.
enum class PassReason { TooLong, UnknownEstimate, WrongTarget, Waiting, Failed };
std::string_view to_string(PassReason r);  // "too-long", "unknown-estimate", "wrong-target", "waiting", "failed"

struct Candidate {
  const Entry* entry = nullptr;
  int part = 0;  // 1-based
  PriorityFactors factors;
  std::optional<double> hours;  // on the asked target
};

struct Passed {
  Candidate candidate;
  PassReason reason = PassReason::WrongTarget;
  std::string why;  // "needs 5h20m, the window is 4h"
};

struct NextResult {
  std::optional<Candidate> chosen;
  std::vector<Passed> passed;  // every part ranked above the proposal (all of them when none)
};

// The highest-priority runnable part for `target`; with a window (hours), the highest-priority
// runnable part whose estimate on `target` fits the window (a part with an unknown estimate
// never fits a window).
NextResult next_part(const Queue& q, const PriorityWeights& w, std::string_view target,
                     std::optional<double> window_hours, Time now);

struct NodeSpec {
  std::string target;
  int count = 1;
};
// "1x24vgb=1,8x24vgb=2" (a bare "1x24vgb" means one). Throws UsageError.
std::vector<NodeSpec> parse_nodes(std::string_view text);

struct PlanItem {
  const Entry* entry = nullptr;
  int part = 0;
  std::string node;    // simulated node: the target's name, "1x24vgb#2" when there are several
  std::string target;
  Time start = 0, end = 0;
  bool running = false;  // already running when the plan starts
  bool overdue = false;  // running past its estimate (or with none): assumed to end at `from`
};

struct Unplanned {
  const Entry* entry = nullptr;
  int part = 0;
  std::string why;
};

struct PlanNode {
  std::string name, target;
};

struct Plan {
  Time from = 0, end = 0;
  std::vector<PlanNode> nodes;
  std::vector<PlanItem> items;  // by start time, then node
  std::vector<Unplanned> unplanned;
};

// Simulates the queue on `nodes` from time `from`, with priorities as of `now`: greedy list
// scheduling in priority order. Whenever a node falls free, the highest-priority part that is
// ready (its previous part finished in the simulation) is placed on the node, among those whose
// target it fits and has an estimate on, where it would finish earliest: one free now, or a
// faster one that falls free later (ties: the smaller target, i.e. the one slower at this part,
// then the node listed first). Lower-priority parts so fill the idle nodes while better ones
// wait for their previous part or for a faster node (backfill). Parts already running keep
// their node until their estimated end. A part once placed is not moved, so a long
// low-priority part can delay a better one that becomes ready later.
// O(P·(N + log P)) for P parts on N nodes.
Plan plan_queue(const Queue& q, const PriorityWeights& w, const std::vector<NodeSpec>& nodes,
                Time from, Time now);

}  // namespace rwkvq::queue
