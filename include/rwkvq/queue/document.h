#pragma once
// The queue document (schemas/queue.schema.json): typed model, strict reader, stable writer.
// Times are seconds since the Unix epoch, written as ISO-8601 UTC ("2024-05-01T12:00:00Z").
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rwkvq/util/boxed.h"

namespace rwkvq::queue {

inline constexpr int kQueueVersion = 1;

using Time = std::int64_t;  // seconds since the epoch, UTC

// "2024-05-01T12:00:00Z"
std::string format_time(Time t);
// ISO-8601 UTC: "2024-05-01T12:00:00Z", "2024-05-01T12:00Z", "2024-05-01 12:00", "2024-05-01"
// (no zone = UTC; "+02:00"-style offsets are accepted). nullopt when malformed.
std::optional<Time> parse_time(std::string_view text);

// The kinds of request, in order of the default impact: rwkv-x, community-priority, community.
const std::vector<std::string>& known_kinds();

enum class PartState { Queued, Running, Done, Failed, Skipped, Rejected, Cancelled };
std::string_view to_string(PartState s);
std::optional<PartState> parse_part_state(std::string_view s);

// An estimate of a part on one runner target.
struct TargetFit {
  std::optional<double> hours;  // nullopt = unknown
  std::optional<bool> fits;     // memory fits; nullopt = unknown
  // The GPU utilisation these hours assume (limits.utilisation, or the one learned for this
  // target when the request was added); nullopt in queues written before it was recorded.
  // Lets the hours follow what is learned later: hours × utilisation / learned (learn.h).
  std::optional<double> utilisation;
};

// A part started through the programme's GitHub Actions workflow (`queue dispatch`, DESIGN §10).
struct DispatchRecord {
  Time at = 0;
  std::string by, repo, workflow, ref;
  std::vector<std::pair<std::string, std::string>> inputs;  // the workflow inputs, in the order sent
};
// The workflow run `queue sync` matched to a dispatched part.
struct RunRecord {
  long long id = 0;
  std::string url;
  std::string status;      // queued, in_progress, completed …
  std::string conclusion;  // success, failure, cancelled … ("" until completed)
  std::optional<Time> started, finished;
};

struct Part {
  int n = 1;                     // 1-based part number
  std::string notebook;          // "training-notebook-part1.ipynb"
  std::optional<double> hours;   // estimate on the request's target; nullopt = unknown
  PartState state = PartState::Queued;
  std::string node;              // where it runs / ran ("" until started)
  std::optional<Time> started, finished;
  std::map<std::string, TargetFit> on;  // estimates per runner target, when known
  std::optional<double> flops;   // 6·N·T of its training stages (the work behind the hours); nullopt = unknown
  std::string ran_on;            // runner target it was started on ("" until started)
  std::optional<double> real_hours;  // done: finished − started, in hours
  Boxed<DispatchRecord> dispatch;  // the last dispatch of this part (on the heap: most parts have none)
  Boxed<RunRecord> run;            // its run, once matched by `queue sync`
};

struct HistoryEntry {
  Time at = 0;
  std::string by;      // who
  std::string action;  // add, start, done, fail, skip, reject, cancel, bump
  int part = 0;        // 0 = the whole request
  std::string reason;  // "" when none was given
  std::optional<Time> recorded;  // when it was recorded, if later than `at` (queue … --at)
};

struct Entry {
  std::string id;      // "r12": stable, never reused
  std::string folder;  // real path of the request folder
  std::string title, handle;
  std::string kind = "community";
  std::string target;  // runner target chosen at add ("1x24vgb")
  Time submitted = 0;  // when it was added (never changes)
  Time since = 0;      // start of its age for priority: submitted, reset by skip
  int boost = 0;       // manual boost (queue bump)
  std::vector<Part> parts;
  std::vector<HistoryEntry> history;
  long long pr = 0;       // the pull request it came from (`queue import --add`); 0 = none
  std::string pr_author;  // its author's GitHub login
  std::string pr_head;    // the head commit it was validated at (40 hex digits); "" = not recorded
};

struct Queue {
  int version = kQueueVersion;
  long long next_id = 1;  // ids are unique across the queue and its archive (archive.h)
  // The size of the archive beside the queue file (archive.h) when this queue was written: a
  // longer archive holds requests a change finished but could not yet remove from the queue
  // (it was killed in between); they are read from that tail and the archive's copy wins.
  long long archive_bytes = 0;
  std::vector<Entry> requests;

  Entry* find(std::string_view id);  // "r12" or "12"
  const Entry* find(std::string_view id) const;
};

// The request's state, derived from its parts: the state of its current part (the first part
// that is not done), or "done" when every part is done.
std::string_view request_state(const Entry& e);
// Index of the current part (first part not done); -1 when all are done.
int current_part(const Entry& e);
// Queued, skipped, running or failed: still in the queue (list shows it without --all).
bool is_active(const Entry& e);

// Parses and validates a queue document against the rules of schemas/queue.schema.json.
// Throws InputError "PATH:LINE:COL: message" (the position of the offending value).
// An unknown version is refused. Empty text = empty queue.
Queue parse_queue(std::string_view text, const std::string& path);
// One request as it is written in the queue file (also used by `--format json` outputs).
nlohmann::ordered_json entry_json(const Entry& e);
// Stable JSON with a trailing newline: the header indented, one request per line. With
// `active_only`, finished requests (!is_active) are left out (they go to the archive).
std::string serialize_queue(const Queue& q, bool active_only = false);
// One request as one line of compact JSON (no newline): an archive line.
std::string request_line(const Entry& e);
// One request object (an archive line, `line` its line number for error positions). Throws
// InputError "PATH:LINE:COL: message".
Entry parse_request(std::string_view text, const std::string& path, int line);
// The same two readers without their fast path for the layout rwkvq writes (each request is
// first read by literal compares of that layout; anything else goes to the general reader):
// for the tests that compare the two.
Queue parse_queue_general(std::string_view text, const std::string& path);
Entry parse_request_general(std::string_view text, const std::string& path, int line);

// Line and column (1-based, bytes) of a byte offset.
std::pair<int, int> line_col(std::string_view text, std::size_t offset);
// Byte offset of the value a JSON pointer ("/requests/3/parts/0/state") names in `text`, or of
// the nearest enclosing value that exists. Tolerates any input (no recursion).
std::size_t locate_json_pointer(std::string_view text, std::string_view pointer);

}  // namespace rwkvq::queue
