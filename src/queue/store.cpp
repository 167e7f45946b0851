#include "rwkvq/queue/store.h"

#include <cstdlib>
#include <optional>
#include <system_error>

#include "rwkvq/core/error.h"
#include "rwkvq/util/atomic_file.h"
#include "rwkvq/util/file_lock.h"

namespace rwkvq::queue {

namespace {
std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::nullopt;
  return std::string(v);
}
}  // namespace

std::filesystem::path default_queue_path() {
  if (auto q = env("RWKVQ_QUEUE")) return *q;
  if (auto x = env("XDG_DATA_HOME"); x && std::filesystem::path(*x).is_absolute())
    return std::filesystem::path(*x) / "rwkvq" / "queue.json";
  if (auto h = env("HOME")) return std::filesystem::path(*h) / ".local" / "share" / "rwkvq" / "queue.json";
  throw UsageError("no queue file: give --queue PATH or set RWKVQ_QUEUE (HOME is not set)");
}

QueueStore::QueueStore(std::filesystem::path file) : file_(std::move(file)) {}

std::filesystem::path QueueStore::lock_file() const {
  auto p = file_;
  p += ".lock";
  return p;
}

namespace {
Queue parse_file(const std::filesystem::path& file, const std::optional<std::string>& text) {
  if (!text) return Queue{};
  return parse_queue(*text, file.string());
}

bool folder_exists(const std::filesystem::path& file) {
  std::error_code ec;
  auto dir = file.parent_path();
  return dir.empty() || std::filesystem::is_directory(dir, ec);
}
}  // namespace

Queue QueueStore::read() const {
  if (!folder_exists(file_)) return Queue{};
  std::optional<FileLock> lock;
  try {
    lock.emplace(lock_file(), FileLock::Mode::Shared);
  } catch (const InputError&) {
    // A read-only folder: the file is only ever replaced by rename, so an unlocked read still
    // sees a whole file.
  }
  return parse_file(file_, read_file_if_exists(file_));
}

Queue QueueStore::transact(const std::function<bool(Queue&)>& change, bool create,
                           const std::function<void(const Queue&)>& after_write) {
  if (!folder_exists(file_)) {
    if (!create) {
      Queue empty;
      change(empty);  // may throw Refused; nothing to write into a queue that does not exist
      return empty;
    }
    std::error_code ec;
    std::filesystem::create_directories(file_.parent_path(), ec);
    if (ec) throw InputError(file_.parent_path().string() + ": cannot create folder: " + ec.message());
  }
  FileLock lock(lock_file(), FileLock::Mode::Exclusive);
  const auto text = read_file_if_exists(file_);
  if (!text && !create) {
    Queue empty;
    change(empty);
    return empty;
  }
  Queue q = parse_file(file_, text);  // throws before anything is written
  if (!change(q)) return q;
  remove_stale_temps(file_);  // left by writers killed mid-write; we hold the lock
  write_file_atomic(file_, serialize_queue(q));
  if (after_write) after_write(q);
  return q;
}

}  // namespace rwkvq::queue
