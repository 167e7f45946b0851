// The git backend of QueueStore (store.h, DESIGN §10): a shared queue on a branch of a git
// repository, one commit per change, re-applied on top when someone else pushed first.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdlib>
#include <map>
#include <system_error>

#include "rwkvq/core/error.h"
#include "rwkvq/git/queue_repo.h"
#include "rwkvq/queue/archive.h"
#include "rwkvq/queue/learn.h"
#include "rwkvq/queue/states.h"
#include "rwkvq/queue/store.h"
#include "rwkvq/util/atomic_file.h"
#include "rwkvq/util/file_lock.h"

namespace rwkvq::queue {
namespace {

namespace fs = std::filesystem;

constexpr int kMaxAttempts = 1 + 10;  // the first push and up to 10 retries (DESIGN §10)
constexpr const char* kQueueFile = "queue.json";
constexpr const char* kArchiveFile = "queue.archive.jsonl";  // archive_path(kQueueFile)

std::string folder_name(const std::string& folder) {
  fs::path p(folder);
  if (!p.has_filename()) p = p.parent_path();
  return p.filename().string();
}

class GitBackend final : public QueueBackend {
 public:
  GitBackend(GitQueueSpec spec, StoreOptions options)
      : spec_(std::move(spec)), options_(options), dir_(git_queue_dir(spec_)), file_(dir_ / kQueueFile) {}
  const fs::path& file() const override { return file_; }
  std::string name() const override { return "git:" + spec_.url + "#" + spec_.branch; }
  Queue read() override;
  Queue read_history() override;
  Queue read_tip(bool history);
  Queue transact(const QueueChange& change, bool create, const AfterWrite& after_write,
                 const std::string& description) override;
  std::optional<std::vector<LogEntry>> log(std::size_t max) override;

 private:
  // The clone's lock (the same rules as the file queue's: exclusive while anything may write).
  FileLock lock() {
    std::error_code ec;
    fs::create_directories(dir_, ec);
    if (ec) throw InputError(dir_.string() + ": cannot create folder: " + ec.message());
    auto l = file_;
    l += ".lock";
    return FileLock(l, FileLock::Mode::Exclusive);
  }
  git::QueueRepo repo() const { return git::QueueRepo(dir_ / "repo", spec_.url, spec_.branch, kQueueFile); }
  Queue parse(const git::QueueTip& t) const {
    if (!t.text) return Queue{};
    return parse_queue(*t.text, name() + ":" + kQueueFile + "@" + t.commit.substr(0, 7));
  }
  Archive parse_archive_at(const git::QueueRepo& r, const git::QueueTip& t) const {
    const auto text = r.read(t, kArchiveFile);
    if (!text) return Archive{};
    Archive a = parse_archive(*text, name() + ":" + kArchiveFile + "@" + t.commit.substr(0, 7));
    for (const auto& w : a.warnings) warn_once(w);
    return a;
  }
  // The queue as last seen, copied into the clone's folder with its archive, and the learned
  // summary beside it (what `validate`/`estimate` read), rewritten only when the queue changed.
  void keep_copy(const std::string& text, const Queue& q, const git::QueueRepo& r, const git::QueueTip& t,
                 const std::string* archive_written = nullptr) const {
    try {
      if (read_file_if_exists(file_) == text) return;
      const auto archive_text = archive_written ? *archive_written : r.read(t, kArchiveFile).value_or("");
      const auto archive = archive_path(file_);
      remove_stale_temps(archive);
      write_file_atomic(archive, archive_text);
      remove_stale_temps(file_);
      write_file_atomic(file_, text);
      Archive a = parse_archive(archive_text, archive.string());
      const auto learned = learned_path(file_);
      remove_stale_temps(learned);
      write_file_atomic(learned, serialize_learned(learn_from_active_and_archive(q, a.requests, archive_text, a.complete)));
    } catch (const InputError& e) {
      spdlog::warn("{} (the local copy of the queue is not updated)", e.what());
    }
  }

  GitQueueSpec spec_;
  StoreOptions options_;
  fs::path dir_, file_;
};

Queue GitBackend::read() { return read_tip(false); }

Queue GitBackend::read_history() { return read_tip(true); }

// The queue at the fetched tip (and with `history` the archive of the same commit), under the
// clone's lock.
Queue GitBackend::read_tip(bool history) {
  FileLock held = lock();
  auto r = repo();
  if (options_.fetch) r.fetch();
  const auto t = r.tip();
  Queue q = parse(t);
  if (t.text) keep_copy(*t.text, q, r, t);
  if (!history) return q;
  return with_archive(std::move(q), parse_archive_at(r, t));
}

std::string who_by_default() {
  if (const char* u = std::getenv("USER"); u && *u) return u;
  return "unknown";
}

Queue GitBackend::transact(const QueueChange& change, bool create, const AfterWrite& after_write,
                           const std::string& description) {
  FileLock held = lock();
  auto r = repo();
  std::string first_base;
  for (int attempt = 1; attempt <= kMaxAttempts; ++attempt) {
    r.fetch();
    const auto t = r.tip();
    if (attempt == 1) first_base = t.commit;
    Queue q = parse(t);  // a queue that does not parse throws here: nothing is pushed over it
    if (!t.text && !create) {
      Queue empty;
      change(empty);  // may throw Refused; nothing is created
      return empty;
    }
    const Queue before = q;
    try {
      if (!change(q)) return q;
    } catch (const Refused& e) {
      if (t.commit == first_base) throw;
      // It applied to the queue as first read, no longer to the one someone else pushed since.
      const auto latest = r.log(1);
      std::string who = latest.empty() ? "someone" : latest.front().author;
      std::string what = latest.empty() ? "" : latest.front().message.substr(0, latest.front().message.find('\n'));
      throw Refused(std::string(e.what()) + " (the queue changed meanwhile: " + who + ": " + what + ")");
    }
    // Finished requests move to the archive, committed with the queue (archive.h). Each attempt
    // appends to the archive as fetched, so concurrent changes merge as a union of lines.
    std::vector<std::pair<std::string, std::string>> more;
    std::vector<const Entry*> finished;
    for (const auto& e : q.requests)
      if (!is_active(e)) finished.push_back(&e);
    if (!finished.empty()) {
      std::string archive = r.read(t, kArchiveFile).value_or("");
      if (!archive.empty() && archive.back() != '\n') archive.erase(archive.rfind('\n') + 1);  // npos+1 = 0
      for (const Entry* e : finished) archive += request_line(*e) + "\n";
      q.archive_bytes = static_cast<long long>(archive.size());
      more.emplace_back(kArchiveFile, std::move(archive));
    }
    const std::string text = serialize_queue(q, /*active_only=*/true);
    if (t.text && *t.text == text && more.empty()) return q;  // nothing to commit
    const ChangeSummary summary = describe_change(before, q);
    std::string message = description;
    if (message.empty()) {
      if (summary.lines.empty()) message = "change the queue";
      else if (summary.lines.size() == 1) message = summary.lines.front();
      else {
        message = std::to_string(summary.lines.size()) + " changes: " + summary.lines.front() + ", …\n";
        for (const auto& l : summary.lines) message += "\n" + l;
      }
    }
    git::Author author;
    // The maintainer: who the history says made the change (--by, else $USER), else git's user.name.
    author.name = summary.by.empty() || summary.by == "unknown" ? who_by_default() : summary.by;
    if (author.name == "unknown") {
      const std::string n = git::configured("user.name");
      if (!n.empty()) author.name = n;
    }
    author.email = git::configured_email();
    if (author.email.empty()) author.email = author.name + "@localhost";
    author.time = static_cast<std::int64_t>(std::time(nullptr));
    std::string pushed;
    if (r.commit_and_push(t, text, author, message, &pushed, more) == git::PushResult::Pushed) {
      spdlog::debug("{}: pushed {} \"{}\" by {} <{}>{}", name(), pushed.substr(0, 7),
                   message.substr(0, message.find('\n')), author.name, author.email,
                   attempt > 1 ? " (attempt " + std::to_string(attempt) + ")" : "");
      if (more.empty()) keep_copy(text, q, r, t);
      else keep_copy(text, q, r, t, &more.front().second);
      if (after_write) after_write(q);
      return q;
    }
    spdlog::debug("{}: push rejected, someone else changed the queue first: fetching and re-applying the change "
                 "(attempt {}/{})",
                 name(), attempt + 1, kMaxAttempts);
    // No wait before the retry: the one who won has just pushed and may already be on its next
    // change (a maintainer adding many requests in a row). Fetching again at once is the loser's
    // best chance to push first; any wait hands that maintainer the next round too (a random
    // wait of up to 20 ms per attempt made one add lose 9 or 10 rounds in a row under load).
    // Every round has a winner, so the queue always moves on without waits.
  }
  throw UsageError(name() + ": " + std::to_string(kMaxAttempts) +
                   " attempts to push this change were rejected (last: " + r.last_rejection() +
                   "): nothing was pushed; try again (a lock file named there that stays is left by a "
                   "killed process: remove it when no one is pushing)");
}

std::optional<std::vector<LogEntry>> GitBackend::log(std::size_t max) {
  FileLock held = lock();
  auto r = repo();
  if (options_.fetch) r.fetch();
  std::vector<LogEntry> out;
  for (auto& c : r.log(max)) {
    LogEntry e;
    e.id = c.id;
    e.by = c.author;
    e.email = c.email;
    e.at = c.time;
    const auto nl = c.message.find('\n');
    e.what = c.message.substr(0, nl);
    if (nl != std::string::npos) {
      e.detail = c.message.substr(nl + 1);
      while (!e.detail.empty() && e.detail.front() == '\n') e.detail.erase(0, 1);
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

std::shared_ptr<QueueBackend> make_git_backend(const GitQueueSpec& spec, const StoreOptions& options) {
  return std::make_shared<GitBackend>(spec, options);
}

ChangeSummary describe_change(const Queue& before, const Queue& after) {
  ChangeSummary s;
  std::map<std::string, std::size_t> seen;
  for (const auto& e : before.requests) seen[e.id] = e.history.size();
  for (const auto& e : after.requests) {
    const auto it = seen.find(e.id);
    const std::size_t from = it == seen.end() ? 0 : std::min(it->second, e.history.size());
    for (std::size_t i = from; i < e.history.size(); ++i) {
      const auto& h = e.history[i];
      std::string line = h.action + " " + e.id;
      if (h.action == "add") {
        line += " " + folder_name(e.folder) + " (" + std::to_string(e.parts.size()) +
                (e.parts.size() == 1 ? " part)" : " parts)");
      } else {
        if (h.part > 0) line += "/part" + std::to_string(h.part);
        if (h.action == "start" && h.part > 0 && static_cast<std::size_t>(h.part) <= e.parts.size() &&
            !e.parts[static_cast<std::size_t>(h.part - 1)].node.empty())
          line += " on " + e.parts[static_cast<std::size_t>(h.part - 1)].node;
        if (h.action == "bump" && h.reason.find("(boost now") == std::string::npos)
          line += " (boost now " + std::to_string(e.boost) + ")";  // a reason was given instead
      }
      if (!h.reason.empty()) line += ": " + h.reason;
      // One line, printable: a reason may hold anything a maintainer typed.
      for (char& c : line)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
      if (s.by.empty()) s.by = h.by;
      s.lines.push_back(std::move(line));
    }
  }
  return s;
}

}  // namespace rwkvq::queue
