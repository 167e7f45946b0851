#pragma once
// Where the queue lives. Every change is a transaction: read, change, write, under a lock.
//
// A queue file on disk (the default): exclusive flock on "<queue>.lock" beside the queue, read,
// change, write atomically (temp file in the same folder, fsync, rename, fsync the folder),
// unlock. Readers take the lock shared. A queue file that does not parse or fails its schema
// throws InputError and is never overwritten.
//
// Finished requests move to an append-only archive beside the queue (archive.h): in git, the
// file queue.archive.jsonl committed with queue.json.
//
// A shared queue in git ("git:URL#BRANCH", DESIGN §10): `queue.json` at the branch's root, a
// local clone under $XDG_CACHE_HOME/rwkvq/queues/ locked like the file queue; each change is
// one commit by the maintainer, pushed only on top of the branch as fetched; when someone else
// pushed first, the same change is re-applied on their queue and pushed again (up to 10 times).
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rwkvq/queue/document.h"

namespace rwkvq::queue {

// $RWKVQ_QUEUE, else $XDG_DATA_HOME/rwkvq/queue.json, else ~/.local/share/rwkvq/queue.json.
// For a git queue (RWKVQ_QUEUE=git:…) the queue file kept in its local clone's folder (what the
// learned summary sits beside). Throws UsageError when none can be determined (no HOME).
std::filesystem::path default_queue_path();

// A "git:URL#BRANCH" queue spec, parsed. BRANCH defaults to "main" when no '#' is given.
struct GitQueueSpec {
  std::string url, branch;
};
// nullopt when `spec` does not start with "git:"; UsageError when it does but is malformed.
// A relative path is made absolute (from the current folder).
std::optional<GitQueueSpec> parse_git_spec(const std::string& spec);
// The local clone's folder: $XDG_CACHE_HOME/rwkvq/queues/<hash of URL#BRANCH> (else
// ~/.cache/…). Throws UsageError when neither variable is set.
std::filesystem::path git_queue_dir(const GitQueueSpec& spec);

// One change of the queue's history.
struct LogEntry {
  std::string id;      // commit id (git queue) or "" (file queue)
  std::string by;      // author
  std::string email;   // "" for a file queue
  Time at = 0;
  std::string what;    // the commit message's first line / the history entry
  std::string detail;  // the rest of the commit message
};

struct StoreOptions {
  bool fetch = true;  // git queue: reads fetch first (--no-fetch: read the clone as it is)
};

using QueueChange = std::function<bool(Queue&)>;
using AfterWrite = std::function<void(const Queue&)>;

// How a store keeps its queue (the file backend, the git backend).
class QueueBackend {
 public:
  virtual ~QueueBackend() = default;
  virtual const std::filesystem::path& file() const = 0;
  virtual std::string name() const = 0;
  virtual Queue read() = 0;
  virtual Queue read_history() = 0;
  virtual Queue transact(const QueueChange& change, bool create, const AfterWrite& after_write,
                         const std::string& description) = 0;
  // nullopt when the store keeps no history of its own.
  virtual std::optional<std::vector<LogEntry>> log(std::size_t max) = 0;
};

class QueueStore {
 public:
  // A queue file.
  explicit QueueStore(std::filesystem::path file);
  // A queue spec as given to --queue or in RWKVQ_QUEUE: "git:URL#BRANCH" or a file path; ""
  // is the default (default_queue_path(), or the git queue RWKVQ_QUEUE names).
  static QueueStore open(const std::string& spec, const StoreOptions& options = {});

  // The queue file (for a git queue: its copy in the clone's folder, rewritten with every
  // read and change, beside which the learned summary is kept).
  const std::filesystem::path& file() const { return backend_->file(); }
  std::filesystem::path lock_file() const;
  // For messages: the file's path, or "git:URL#BRANCH".
  std::string name() const { return backend_->name(); }
  bool is_git() const { return git_; }

  // The active queue (finished requests are in the archive, archive.h); a missing file (or
  // branch) is an empty queue. Throws InputError.
  Queue read() const { return backend_->read(); }
  // The active queue and the archive of finished requests: what `list --all`, `show` of a
  // finished request and `log` read. Slower: it reads all history.
  Queue read_history() const { return backend_->read_history(); }

  // Runs `change` on the current (active) queue under the exclusive lock and writes the result
  // when it returns true: the requests it finished are appended to the archive first, then the
  // queue is written without them (archive.h); the queue returned still holds them. With `create`, a missing queue (and its folders) is created on write; without,
  // a missing queue is passed in empty and nothing is created. Exceptions from `change` (e.g.
  // Refused) leave the queue untouched. Returns the queue as written (or read).
  // `after_write`, when given, runs after the queue was written, still under the lock (the
  // learned summary beside the queue is written there).
  // A git queue may run `change` more than once (on a fresher queue each time someone else
  // pushed first): it must start from the queue it is given and do nothing outside it (no HTTP
  // request, no output: do those before or after transact, from what it returned). `description` is the commit
  // message; "" derives it from the history entries the change appended ("add r3 …").
  Queue transact(const QueueChange& change, bool create = false, const AfterWrite& after_write = nullptr,
                 const std::string& description = "") {
    return backend_->transact(change, create, after_write, description);
  }

  // The queue's history, newest first (at most `max`, 0 = all); nullopt for a file queue, which
  // keeps none beyond each request's own history.
  std::optional<std::vector<LogEntry>> log(std::size_t max = 0) const { return backend_->log(max); }

 private:
  QueueStore(std::shared_ptr<QueueBackend> b, bool git) : backend_(std::move(b)), git_(git) {}
  std::shared_ptr<QueueBackend> backend_;
  bool git_ = false;
};

// What a change did, from the history entries it appended: one line per entry ("add r3
// alice-shakespeare (2 parts)", "start r3/part1 on node-a", "bump r3 +5: reason"), and the
// maintainer who made it (the entries' `by`). Used as a git queue's commit message and author.
struct ChangeSummary {
  std::vector<std::string> lines;
  std::string by;
};
ChangeSummary describe_change(const Queue& before, const Queue& after);

// The git backend (src/queue/git_store.cpp).
std::shared_ptr<QueueBackend> make_git_backend(const GitQueueSpec& spec, const StoreOptions& options);

}  // namespace rwkvq::queue
