#pragma once
// Part and request state transitions (DESIGN §4, issue 4):
//   queued  -> running                   start (part k only once parts 1..k-1 are done)
//   skipped -> running, failed -> running start (skipped: its turn came back; failed: a retry)
//   running -> done | failed             done, fail
//   queued | failed -> skipped           skip: it did not run this time; the request goes to
//                                        the back of the line (its age restarts), reason kept
//   queued | skipped | failed -> rejected    reject (this part and every later one)
//   queued | skipped | failed | running -> cancelled   cancel (this part and every later one)
// Anything else is refused with a message saying why and what would be allowed. Every change
// appends a history entry (when, who, what, which part, why).
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "rwkvq/queue/document.h"

namespace rwkvq::queue {

// An operation the queue refuses (exit 1): an illegal move, an unknown id, a duplicate folder.
struct Refused : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// "r12", "12", "r12/part2", "r12/2". part 0 = the request's current part.
struct PartRef {
  std::string id;
  int part = 0;
};
// Throws UsageError when malformed.
PartRef parse_part_ref(std::string_view text);

enum class Action { Start, Done, Fail, Skip, Reject, Cancel };
std::string_view to_string(Action a);
std::optional<Action> parse_action(std::string_view s);

struct ChangeInfo {
  std::string by;      // who (--by, else $USER)
  Time now = 0;
  std::string reason;  // --reason
  std::string node;    // start: the node it runs on (default: the target's name)
  std::string target;  // start: the runner target (default: the request's target)
  // start/done/fail --at: when it really happened (default: now). Refused when later than
  // `now`, or (done/fail) before the part started, or (start) before the previous part finished
  // or before this part last ended (a retry); the history then also records `now`. Without it,
  // a done/fail whose `now` is before the part started (clocks that disagree) is refused too.
  std::optional<Time> at;
};

// Applies `action` to the referenced part (or the current part) of a request in `q`.
// Returns the part number changed (the first, for reject/cancel). Throws Refused.
int apply_action(Queue& q, const PartRef& ref, Action action, const ChangeInfo& info);

// queue bump ID N: adds N to the request's boost (N may be negative). Returns the new boost.
int bump(Queue& q, std::string_view id, int by_amount, const ChangeInfo& info);

// Whether `part` of `e` can run on runner `target`: its own target, or a target its estimate
// says it fits. `why` receives the reason when it cannot.
bool part_fits_target(const Entry& e, const Part& part, std::string_view target,
                      std::string* why = nullptr);
// The part's estimated hours on `target` (nullopt = unknown).
std::optional<double> part_hours(const Entry& e, const Part& part, std::string_view target);

}  // namespace rwkvq::queue
