#pragma once
// Hours learned from real runs (issue 7): the GPU utilisation each runner target really reached,
// from the done parts of the queue, and the small summary kept beside the queue
// (queue.json -> queue.learned.json) so that `validate` and `estimate` use it without reading the
// whole queue.
//
// A done part's achieved utilisation is the one that would have made its estimate exact:
//   achieved = assumed × estimated hours / real hours
// where `assumed` is the utilisation its estimate on the target it ran on was computed with
// (TargetFit::utilisation). This equals achieved FLOP/s ÷ (GPUs × peak) with the same
// slowdowns (ZeRO-3, offload) the estimate applies, so the learned figure replaces
// limits.utilisation in the hours formula exactly. A target's learned utilisation is the median
// over its runs, used once it has at least kMinLearnRuns of them, and at most 1 (a run faster
// than the peak allows trained fewer tokens than the estimate counted: max_steps is an upper
// bound). Runs shorter than kMinLearnMinutes are not used (start-up dominates).
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rwkvq/core/settings.h"
#include "rwkvq/queue/document.h"

namespace rwkvq::queue {

inline constexpr int kMinLearnRuns = 3;
inline constexpr double kMinLearnMinutes = 5;
inline constexpr std::size_t kLearnedRecentRuns = 20;  // runs listed per target in the summary
inline constexpr int kLearnedVersion = 1;

struct LearnedRun {
  std::string id;
  int part = 0;
  Time finished = 0;
  double estimate_hours = 0;  // the estimate on the target it ran on
  double real_hours = 0;
  double assumed = 0;         // utilisation the estimate assumed
  double achieved = 0;        // assumed × estimate_hours / real_hours
  std::optional<double> flops;
};

struct LearnedTarget {
  std::vector<LearnedRun> runs;   // by finish time (the summary keeps the latest few)
  int count = 0;                  // all runs used
  double utilisation = 0;         // median of the achieved utilisations, at most 1
};

struct Learned {
  std::map<std::string, LearnedTarget> targets;
  // The learned utilisation for `target` when it has at least kMinLearnRuns runs.
  std::optional<LearnedUtilisation> on(std::string_view target) const;
  // Every target with enough runs (what Settings::learned takes).
  std::map<std::string, LearnedUtilisation> usable() const;
};

// What the done part `p` of `e` teaches, when it can: done, started and finished at least
// kMinLearnMinutes apart, with an estimate and its assumed utilisation on the target it ran on.
std::optional<LearnedRun> learned_run(const Entry& e, const Part& p);

// From every done part of the queue.
Learned learn_from_queue(const Queue& q);

// queue.json -> queue.learned.json (beside it).
std::filesystem::path learned_path(const std::filesystem::path& queue_file);
// The summary file (stable JSON, trailing newline). Its format: schemas/learned.schema.json.
std::string serialize_learned(const Learned& l);
// Reads a summary; the runs listed are not needed for estimates and are read only as counts.
// Throws InputError naming the file on malformed contents.
Learned parse_learned(std::string_view text, const std::string& path);
// The summary beside `queue_file`, or an empty one when there is none.
Learned read_learned(const std::filesystem::path& queue_file);

// The queue's unfinished parts' estimates follow the learned utilisation of their targets:
// hours × assumed / learned, for every target estimate that records what it assumed. Used by
// `queue list|show|next|plan` on the queue in memory (the file keeps the estimates as made).
void apply_learned(Queue& q, const std::map<std::string, LearnedUtilisation>& learned);

}  // namespace rwkvq::queue
