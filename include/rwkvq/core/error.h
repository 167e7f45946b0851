#pragma once
// Errors that stop a command (exit code 2): bad usage, unreadable input, unusable queue file.
// Problems *in* a request are Findings, not exceptions.
#include <stdexcept>
#include <string>

namespace rwkvq {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// An input file rwkvq cannot use (rwkvq.yaml, queue.json ...): message names path and position.
struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace rwkvq
