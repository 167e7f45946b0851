#pragma once
// Priority: a weighted sum of normalised factors, like Slurm's multifactor plugin.
//
//   priority = w_kind·kind + w_short·shortness + w_age·age + w_boost·boost
//
//   kind      = settings.priority.kind_value[kind]            (0 for a kind not in the table)
//   shortness = 1 − min(h, scale)/scale for the next part's estimated hours h on the request's
//               target (scale = shortness_scale_hours); 0.5 when h is unknown: an unknown
//               estimate is neither rewarded nor punished
//   age       = min(1, (now − since)/age_period), since = submission, reset when skipped
//   boost     = clamp(boost/10, −1, 1): `queue bump ID 10` gives the full boost weight
//
// Ties break by `since` (earlier first), then by the number of the id (lower first), so the
// order is deterministic.
#include <optional>
#include <vector>

#include "rwkvq/core/settings.h"
#include "rwkvq/queue/document.h"

namespace rwkvq::queue {

inline constexpr double kBoostScale = 10;

struct PriorityFactors {
  // Normalised factors (0..1; boost −1..1)
  double kind = 0, shortness = 0, age = 0, boost = 0;
  // Their contributions (factor × weight) and the sum
  double kind_part = 0, shortness_part = 0, age_part = 0, boost_part = 0, total = 0;
  std::optional<double> hours;  // the next part's hours used for shortness
  int part = 0;                 // the part considered (the current one); 0 when done
};

PriorityFactors compute_priority(const Entry& e, const PriorityWeights& w, Time now);

// True when a goes before b (higher priority, then earlier since, then lower id number).
bool ranks_before(const Entry& a, const PriorityFactors& pa, const Entry& b,
                  const PriorityFactors& pb);

struct Ranked {
  const Entry* entry = nullptr;
  PriorityFactors factors;
};
// The requests in priority order; only active ones unless `all` (finished ones sort after).
std::vector<Ranked> rank_queue(const Queue& q, const PriorityWeights& w, Time now, bool all = false);

}  // namespace rwkvq::queue
