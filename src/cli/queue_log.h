#pragma once
// `rwkvq queue log`: who changed what, when. A shared queue in git shows its commits; a queue
// file, which keeps no log of its own, says so and lists its requests' histories.
#include <cstddef>
#include <string>

#include "rwkvq/queue/store.h"

namespace rwkvq::cli {

// Prints the log (text or json) and returns the exit code.
int run_queue_log(const queue::QueueStore& store, std::size_t max, const std::string& format);

}  // namespace rwkvq::cli
