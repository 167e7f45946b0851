#pragma once
// The queue file on disk. Every change is a transaction: exclusive flock on "<queue>.lock"
// beside the queue, read, change, write atomically (temp file in the same folder, fsync,
// rename, fsync the folder), unlock. Readers take the lock shared. A queue file that does not
// parse or fails its schema throws InputError and is never overwritten.
#include <filesystem>
#include <functional>

#include "rwkvq/queue/document.h"

namespace rwkvq::queue {

// $RWKVQ_QUEUE, else $XDG_DATA_HOME/rwkvq/queue.json, else ~/.local/share/rwkvq/queue.json.
// Throws UsageError when none can be determined (no HOME).
std::filesystem::path default_queue_path();

class QueueStore {
 public:
  explicit QueueStore(std::filesystem::path file);
  const std::filesystem::path& file() const { return file_; }
  std::filesystem::path lock_file() const;

  // The queue; a missing file is an empty queue. Throws InputError.
  Queue read() const;

  // Runs `change` on the current queue under the exclusive lock and writes the result when it
  // returns true. With `create`, a missing queue (and its folders) is created on write; without,
  // a missing queue is passed in empty and nothing is created. Exceptions from `change` (e.g.
  // Refused) leave the file untouched. Returns the queue as written (or read).
  // `after_write`, when given, runs after the queue was written, still under the lock (the
  // learned summary beside the queue is written there).
  Queue transact(const std::function<bool(Queue&)>& change, bool create = false,
                 const std::function<void(const Queue&)>& after_write = nullptr);

 private:
  std::filesystem::path file_;
};

}  // namespace rwkvq::queue
