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
  std::vector<double> achieved;   // LearnedArchive only: every run's achieved utilisation
};

// What the archive of finished requests (archive.h) taught, kept in the summary so that the next
// change reads only the archive's tail beyond `bytes` (issue 12): per target every archived run's
// achieved utilisation (the median needs them all) and its latest kLearnedRecentRuns runs, and
// the ids of the archived requests it covers (a request that shows up again, in the tail or in
// the active queue, sends the next change back to the whole archive).
struct LearnedArchive {
  long long bytes = 0;                            // the archive's size it covers (whole lines)
  std::string fingerprint;                        // archive_fingerprint of the archive up to `bytes`
  std::vector<std::string> ids;                   // the archived requests it covers, in file order
  std::map<std::string, LearnedTarget> targets;   // runs: the latest (by finish), achieved: all
};

struct Learned {
  std::map<std::string, LearnedTarget> targets;
  std::optional<LearnedArchive> archive;  // absent in summaries written before it (read it all)
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

// The runs of the archived requests `archived` (in file order; see Archive) covering `bytes`
// bytes of the archive whose fingerprint is `fingerprint`.
LearnedArchive learn_archive(const std::vector<Entry>& archived, long long bytes, std::string fingerprint);

// `covered` extended by the archive's tail `tail` (its requests in file order, `tail_bytes` bytes
// of whole lines), or nullopt when a tail request is one it already covers (read it all then).
std::optional<LearnedArchive> extend_learned_archive(const LearnedArchive& covered, const std::vector<Entry>& tail,
                                                     long long tail_bytes, std::string fingerprint);

// The summary of the active queue `active` with what the archive taught, equal to
// learn_from_queue(with_archive(active, archive)), or nullopt when `active` holds an active
// request the archive covers (then learn from the whole history). Finished requests of `active`
// that the archive covers (a change's queue in memory still holds those it archived) are
// learned from their archived copies.
std::optional<Learned> learn_with_archive(const Queue& active, const LearnedArchive& archived);

// From the active queue and the whole archive (its text and requests as parse_archive read them):
// learn_from_queue(with_archive(…)), with the archive's part kept for the next change.
Learned learn_from_active_and_archive(const Queue& active, const std::vector<Entry>& archived, std::string_view archive_text,
                           std::size_t complete);

// A fingerprint of archive text of `size` bytes whose end is `end_of_text` (at least its last
// kFingerprintBytes, or all of it): tells that an archive was not replaced under the summary.
inline constexpr std::size_t kFingerprintBytes = 4096;
std::string archive_fingerprint(std::string_view end_of_text, long long size);

// queue.json -> queue.learned.json (beside it).
std::filesystem::path learned_path(const std::filesystem::path& queue_file);
// The summary file (stable JSON, trailing newline). Its format: schemas/learned.schema.json.
std::string serialize_learned(const Learned& l);
// Reads a summary; the runs listed are not needed for estimates and are read only as counts
// (those of its archive part are read whole).
// Throws InputError naming the file on malformed contents.
Learned parse_learned(std::string_view text, const std::string& path);
// The general reader parse_learned falls back to (nlohmann) for a summary its fast reader does
// not take as written (escapes, other layouts, errors): the same result. Exposed for tests.
Learned parse_learned_json(std::string_view text, const std::string& path);
// The summary beside `queue_file`, or an empty one when there is none.
Learned read_learned(const std::filesystem::path& queue_file);

// The summary to write after a change whose queue is now `written` (under the queue's lock):
// the summary beside `queue_file` extended by the archive's tail beyond what it covers, read
// alone, when it records what it covers and the archive still ends there as it did; else (no
// summary, one written before it kept its archive part, an archive shorter or replaced, an
// archived request seen again) learned from the whole archive. Equal to
// learn_from_queue(with_archive(written, whole archive)) either way. `incremental` tells which.
// Throws InputError (an archive that cannot be read).
Learned learn_after_change(const std::filesystem::path& queue_file, const Queue& written,
                           bool* incremental = nullptr);

// The queue's unfinished parts' estimates follow the learned utilisation of their targets:
// hours × assumed / learned, for every target estimate that records what it assumed. Used by
// `queue list|show|next|plan` on the queue in memory (the file keeps the estimates as made).
void apply_learned(Queue& q, const std::map<std::string, LearnedUtilisation>& learned);

}  // namespace rwkvq::queue
