#include "rwkvq/queue/store.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <system_error>
#include <thread>

#include "rwkvq/core/error.h"
#include "rwkvq/git/queue_repo.h"
#include "rwkvq/queue/archive.h"
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
  if (auto q = env("RWKVQ_QUEUE")) {
    if (auto g = parse_git_spec(*q)) return git_queue_dir(*g) / "queue.json";
    return *q;
  }
  if (auto x = env("XDG_DATA_HOME"); x && std::filesystem::path(*x).is_absolute())
    return std::filesystem::path(*x) / "rwkvq" / "queue.json";
  if (auto h = env("HOME")) return std::filesystem::path(*h) / ".local" / "share" / "rwkvq" / "queue.json";
  throw UsageError("no queue file: give --queue PATH or set RWKVQ_QUEUE (HOME is not set)");
}

namespace {
// From this size on (~250 requests), an archive is read on its own thread (read_under_lock).
constexpr std::uintmax_t kArchiveOnThread = 256 * 1024;

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

class FileBackend final : public QueueBackend {
 public:
  explicit FileBackend(std::filesystem::path file) : file_(std::move(file)) {}
  const std::filesystem::path& file() const override { return file_; }
  std::string name() const override { return file_.string(); }
  Queue read() override;
  Queue read_history() override;
  Queue read_under_lock(bool history);
  Queue transact(const QueueChange& change, bool create, const AfterWrite& after_write,
                 const std::string& description) override;
  std::optional<std::vector<LogEntry>> log(std::size_t) override { return std::nullopt; }

 private:
  std::filesystem::path lock_file() const {
    auto p = file_;
    p += ".lock";
    return p;
  }
  std::filesystem::path file_;
};

namespace {
// The requests a change finished but did not remove from the queue (archive.h): only when the
// archive's size is not the one the queue recorded (a stat otherwise).
void resolve_tail(Queue& q, const std::filesystem::path& queue_file) {
  const auto archive = archive_path(queue_file);
  std::error_code ec;
  const auto size = std::filesystem::file_size(archive, ec);
  if (ec) {
    if (q.archive_bytes > 0) resolve_archive_tail(q, "", archive.string());  // warns: some may be missing
    return;
  }
  if (static_cast<long long>(size) == q.archive_bytes) return;
  const auto text = read_file_if_exists(archive);
  if (text) resolve_archive_tail(q, *text, archive.string());
}
}  // namespace

Queue FileBackend::read() { return read_under_lock(false); }

Queue FileBackend::read_history() { return read_under_lock(true); }

// The queue (and with `history` the archive too), both read under one shared lock.
Queue FileBackend::read_under_lock(bool history) {
  if (!folder_exists(file_)) return Queue{};
  std::optional<FileLock> lock;
  try {
    lock.emplace(lock_file(), FileLock::Mode::Shared);
  } catch (const InputError&) {
    // A read-only folder: the file is only ever replaced by rename, so an unlocked read still
    // sees a whole file.
  }
  if (!history) {
    Queue q = parse_file(file_, read_file_if_exists(file_));
    resolve_tail(q, file_);
    return q;
  }
  // With history, a large archive is read on a second thread while this one reads the queue:
  // the two are independent, and reading them is most of what `list --all` or `log` costs.
  auto one_by_one = [&] {
    Queue q = parse_file(file_, read_file_if_exists(file_));
    resolve_tail(q, file_);
    return with_archive(std::move(q), read_archive(file_));
  };
  std::error_code ec;
  const auto archive_bytes = std::filesystem::file_size(archive_path(file_), ec);
  if (ec || archive_bytes < kArchiveOnThread) return one_by_one();
  Archive archive;
  std::exception_ptr archive_error;
  std::thread reader;
  try {
    reader = std::thread([&] {
      try {
        archive = load_archive(file_);
      } catch (...) {
        archive_error = std::current_exception();
      }
    });
  } catch (const std::system_error&) {
    return one_by_one();  // no thread to be had (a process limit): the same, one after the other
  }
  Queue q;
  try {
    q = parse_file(file_, read_file_if_exists(file_));
    resolve_tail(q, file_);
  } catch (...) {
    reader.join();
    throw;  // the queue's error first, as when they are read one after the other
  }
  reader.join();
  if (archive_error) std::rethrow_exception(archive_error);
  for (const auto& w : archive.warnings) warn_once(w);
  return with_archive(std::move(q), std::move(archive));
}

Queue FileBackend::transact(const QueueChange& change, bool create, const AfterWrite& after_write,
                            const std::string&) {
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
  resolve_tail(q, file_);
  const auto archive = archive_path(file_);
  const long long recorded = q.archive_bytes;
  if (!change(q)) return q;
  remove_stale_temps(file_);  // left by writers killed mid-write; we hold the lock
  // Finished requests move to the archive: appended and synced first, then the queue without
  // them (archive.h). Old queues that still hold finished requests are migrated here too.
  std::vector<const Entry*> finished;
  for (const auto& e : q.requests)
    if (!is_active(e)) finished.push_back(&e);
  std::error_code ec;
  const auto size = std::filesystem::file_size(archive, ec);
  const long long actual = ec ? 0 : static_cast<long long>(size);
  if (!finished.empty() || actual != recorded) q.archive_bytes = append_to_archive(archive, finished);
  write_file_atomic(file_, serialize_queue(q, /*active_only=*/true));
  if (after_write) after_write(q);
  return q;
}

QueueStore::QueueStore(std::filesystem::path file) : QueueStore(std::make_shared<FileBackend>(std::move(file)), false) {}

QueueStore QueueStore::open(const std::string& spec, const StoreOptions& options) {
  const std::string s = spec.empty() ? env("RWKVQ_QUEUE").value_or("") : spec;
  if (auto g = parse_git_spec(s)) return QueueStore(make_git_backend(*g, options), true);
  return QueueStore(spec.empty() ? default_queue_path() : std::filesystem::path(spec));
}

std::filesystem::path QueueStore::lock_file() const {
  auto p = file();
  p += ".lock";
  return p;
}

std::optional<GitQueueSpec> parse_git_spec(const std::string& spec) {
  if (spec.rfind("git:", 0) != 0) return std::nullopt;
  GitQueueSpec g;
  const std::string rest = spec.substr(4);
  const auto hash = rest.rfind('#');
  g.url = hash == std::string::npos ? rest : rest.substr(0, hash);
  g.branch = hash == std::string::npos ? "main" : rest.substr(hash + 1);
  if (g.url.empty()) throw UsageError("queue '" + spec + "': no repository URL (git:URL#BRANCH)");
  if (g.branch.empty() || g.branch.find("..") != std::string::npos || g.branch.front() == '/' ||
      g.branch.back() == '/' || g.branch.back() == '.' || g.branch.find_first_of(" ~^:?*[\\") != std::string::npos ||
      g.branch.find("@{") != std::string::npos ||
      (g.branch.size() >= 5 && g.branch.compare(g.branch.size() - 5, 5, ".lock") == 0))
    throw UsageError("queue '" + spec + "': '" + g.branch + "' is not a branch name (git:URL#BRANCH)");
  for (unsigned char c : g.branch)
    if (c < 0x20 || c == 0x7f) throw UsageError("queue '" + spec + "': the branch name has a control character");
  // A relative path names the same repository (and one clone of it) from any folder.
  if (git::QueueRepo::is_local_url(g.url) && g.url.rfind("file://", 0) != 0 &&
      std::filesystem::path(g.url).is_relative()) {
    std::error_code ec;
    const auto abs = std::filesystem::absolute(g.url, ec);
    if (!ec) g.url = abs.lexically_normal().string();
  }
  return g;
}

namespace {
// 64-bit FNV-1a, hex: a stable folder name (no libgit2 needed to find the learned summary).
std::string queue_dir_name(const std::string& text) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}
}  // namespace

std::filesystem::path git_queue_dir(const GitQueueSpec& spec) {
  std::filesystem::path base;
  if (auto x = env("XDG_CACHE_HOME"); x && std::filesystem::path(*x).is_absolute()) base = *x;
  else if (auto h = env("HOME")) base = std::filesystem::path(*h) / ".cache";
  else throw UsageError("no folder for the queue's local clone: set XDG_CACHE_HOME or HOME");
  return base / "rwkvq" / "queues" / queue_dir_name(spec.url + "#" + spec.branch);
}

}  // namespace rwkvq::queue
