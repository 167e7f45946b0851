#pragma once
// The queue's public status (`rwkvq queue status [--html FILE]`, docs/queue.md "The public
// status page"): what the queue looks like to the people who sent requests. Two steps, both
// pure functions:
//   make_status_view   the queue in priority order with each request's position and its
//                      estimated start and finish, taken from the plan `queue plan` computes
//                      (plan_queue, scheduler.h: nothing here re-schedules), the running parts
//                      with their runs, the recent done and failed parts
//   render_status_html one self-contained HTML page: inline CSS, an inline SVG timeline per
//                      planned node, no script, nothing loaded from anywhere
//
// Public by construction: the page shows what the pull requests already show (handle, title,
// the request folder relative to the trainer's notebook/ folder, pull request number and author,
// kind, hours, states, the GitHub run links) and never the request's absolute folder on the
// maintainer's machine, the node names a maintainer typed (`queue start --node`), who made a
// change, the free-text reasons, or the queue file's location. Every text from the queue is
// HTML-escaped; only http(s) URLs become links.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rwkvq/queue/document.h"
#include "rwkvq/queue/priority.h"
#include "rwkvq/queue/scheduler.h"

namespace rwkvq {

// One active request, in priority order.
struct StatusRow {
  const queue::Entry* entry = nullptr;
  int position = 0;  // 1-based, as `queue list` ranks it
  double priority = 0;
  int part = 0;      // its current part, 1-based
  std::optional<double> hours;  // the current part's estimate on the request's target
  std::optional<queue::Time> start;   // the first planned part's start (a running part: its real start)
  std::optional<queue::Time> finish;  // the last part's planned end; nullopt when a part is not planned
  std::string not_planned;            // why not, in public words ("" when every part is planned)
};

// A running part.
struct StatusRun {
  const queue::Entry* entry = nullptr;
  int part = 0;
  std::string target;  // the runner target it runs on
  std::optional<queue::Time> started;
  std::optional<queue::Time> end;  // estimated end from the plan; nullopt when the plan has none
  bool overdue = false;            // running past its estimate
  bool dispatched = false;         // started through GitHub Actions (`queue dispatch`)
  std::string run_url, run_status;  // the workflow run `queue sync` matched ("" until then)
};

// A part that ended: done or failed.
struct StatusEnded {
  const queue::Entry* entry = nullptr;
  int part = 0;
  queue::PartState state = queue::PartState::Done;
  std::string target;
  std::optional<queue::Time> started, finished;
  std::optional<double> real_hours, estimate;
  std::string run_url, conclusion;
};

struct StatusView {
  queue::Time now = 0;
  const queue::Plan* plan = nullptr;  // not owned; outlives the view
  std::vector<StatusRow> queue;       // active requests, in priority order
  std::vector<StatusRun> running;     // in priority order of their requests
  std::vector<StatusEnded> recent;    // the latest first, at most `recent` of them
  std::size_t ended_total = 0;        // done and failed parts in the queue
};

// `ranked` is rank_queue(q, weights, now) (active requests only) and `plan` the plan_queue of the
// same queue: both as `queue list` and `queue plan` compute them.
StatusView make_status_view(const queue::Queue& q, const std::vector<queue::Ranked>& ranked,
                            const queue::Plan& plan, queue::Time now, std::size_t recent = 12);

// The request's folder as the pull request shows it: relative to the nearest folder named
// "notebook" above it ("community/alpha"), else its last component. Never an absolute path.
std::string public_folder(const queue::Entry& e);
// The public wording of why a part is not planned (scheduler.h's reasons can name nodes).
std::string public_unplanned_reason(std::string_view why);

struct StatusPageOptions {
  std::string title = "RWKV community training queue";
  // Pull request N links to pr_base + N ("https://github.com/OWNER/NAME/pull/"); "" = no link.
  std::string pr_base;
  std::string generator = "rwkvq";  // named in the footer, with the version
};

std::string render_status_html(const StatusView& v, const StatusPageOptions& opt = {});

// HTML text: & < > " ' escaped, control characters other than tab and newline dropped,
// invalid UTF-8 replaced by U+FFFD. Safe in element content and in quoted attributes.
std::string html_escape(std::string_view text);
// `url` when it is an http(s) URL without spaces or control characters, else "".
std::string safe_link(std::string_view url);

}  // namespace rwkvq
