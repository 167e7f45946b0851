#pragma once
// A pull request's head, fetched with libgit2 into the local clone (`queue import --add`,
// DESIGN §10): refs/pull/{n}/head of the clone's `origin` becomes refs/rwkvq/pull/{n}, and the
// request folders it changes are written out (never into the clone's work tree) under
// $XDG_CACHE_HOME/rwkvq/pulls/{n}/{commit}/, keeping the repository's layout so that each
// folder stays inside a notebook/ folder (which `queue dispatch` needs).
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace rwkvq {

// A pull request's head as fetched: the commit and the root its folders were written under.
struct PulledHead {
  std::filesystem::path root;  // root / folder is each request folder
  std::string commit;          // the head's full commit id (40 hex digits)
};

class PullCheckout {
 public:
  // Opens the repository holding `start`. Throws UsageError (not a repository, no libgit2).
  explicit PullCheckout(const std::filesystem::path& start);
  ~PullCheckout();
  PullCheckout(const PullCheckout&) = delete;
  PullCheckout& operator=(const PullCheckout&) = delete;
  // Fetches pull request `number`'s head from origin and writes `folders` (paths relative to the
  // repository root) of it out. Returns the head's commit and the root they were written under.
  // Throws UsageError with libgit2's message when the fetch or the checkout fails.
  PulledHead fetch_pull(long long number, const std::vector<std::string>& folders);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// $XDG_CACHE_HOME/rwkvq/pulls, else ~/.cache/rwkvq/pulls. Throws UsageError without either.
std::filesystem::path pulls_cache_dir();

}  // namespace rwkvq
