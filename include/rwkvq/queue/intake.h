#pragma once
// Turning a validated, estimated request into a queue entry, and adding it.
#include <optional>
#include <string>

#include "rwkvq/estimate/estimate.h"
#include "rwkvq/queue/document.h"
#include "rwkvq/queue/states.h"
#include "rwkvq/request/request.h"

namespace rwkvq::queue {

struct IntakeOptions {
  std::string kind = "community";
  std::optional<std::string> target;  // --target; else the estimate's chosen target
  int boost = 0;
};

// The first Markdown heading of the request notebooks (else the first Markdown line).
std::string request_title(const Request& req);
// The Discord handle after "Discord handle:" (or "Discord:") in the notebooks' Markdown, "" if none.
std::string request_handle(const Request& req);

// Folder (real path), title, handle, kind, target, and per part: notebook, hours on the target
// and the estimate on every target. Throws Refused when it has no training notebook, the kind is
// unknown, or no target is known (none given and none fits).
Entry make_entry(const Request& req, const RequestEstimate& est, const IntakeOptions& opt);

// Gives `e` the next id, sets submitted/since to info.now, records "add" in its history and
// appends it. Refused when a request with the same folder is still in the queue (active).
// Returns the id.
std::string add_entry(Queue& q, Entry e, const ChangeInfo& info);

}  // namespace rwkvq::queue
