#pragma once
// The local clone of a shared queue's git repository (DESIGN §10): one file on one branch, read
// after a fetch, changed by one commit that is pushed only if the remote branch has not moved.
// Everything goes through libgit2 (src/git/git_api.h, loaded on first use); rwkvq never runs
// the `git` program. The caller (src/queue/git_store.cpp) holds the lock on the clone.
//
// Pushing: to a repository on this machine (a path or file:// URL) the commit's objects are
// written into the remote's object database and its branch is moved with a compare-and-swap
// (git_reference_create_matching: the ref's lock file, then a check of its old value). libgit2
// 1.5's own local transport moves the ref without checking its old value, so two maintainers
// pushing at once could silently lose one change; the compare-and-swap cannot. To any other URL
// (ssh://, https://, user@host:path) git_remote_push sends old and new ids and the server
// refuses a non-fast-forward.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rwkvq::git {

// The branch as last fetched.
struct QueueTip {
  std::string commit;               // full id; "" when the branch does not exist (yet)
  std::optional<std::string> text;  // the file at the branch root; nullopt when absent
};

struct QueueCommit {
  std::string id;       // full id
  std::string author, email;
  std::int64_t time = 0;  // author time, seconds since the epoch
  std::string message;  // whole message, trailing newline removed
};

struct Author {
  std::string name, email;
  std::int64_t time = 0;
};

enum class PushResult { Pushed, Rejected };

class QueueRepo {
 public:
  // Opens the bare clone in `dir`, creating it (init + remote "origin" = url) when it is missing
  // or cannot be opened (it is a cache: nothing lives only there). Removes lock files a killed
  // process left in it (the caller holds the clone's lock). Throws UsageError.
  QueueRepo(const std::filesystem::path& dir, std::string url, std::string branch, std::string file);
  ~QueueRepo();
  QueueRepo(const QueueRepo&) = delete;
  QueueRepo& operator=(const QueueRepo&) = delete;

  // Fetches the branch (a missing branch is not an error: the tip becomes empty). UsageError
  // naming the URL when the repository cannot be reached.
  void fetch();
  QueueTip tip() const;
  // Another file of the tip's commit (nullopt when absent or there is no commit).
  std::optional<std::string> read(const QueueTip& t, const std::string& file) const;
  // Commits `text` as the file on top of `base` (a tip from tip(); other files of the branch are
  // kept) and pushes it, expecting the remote branch to be at base.commit still. Rejected when
  // it moved (someone else pushed first); nothing is changed then. Returns the new commit id in
  // `pushed` on success. `more`: other files (name, contents) replaced in the same commit.
  PushResult commit_and_push(const QueueTip& base, std::string_view text, const Author& author,
                             const std::string& message, std::string* pushed = nullptr,
                             const std::vector<std::pair<std::string, std::string>>& more = {});
  // Why the last push was rejected (libgit2's or the server's words).
  const std::string& last_rejection() const;
  // The branch's commits, newest first (at most `max`, 0 = all).
  std::vector<QueueCommit> log(std::size_t max) const;

  // True for a path or file:// URL (pushed with the compare-and-swap described above).
  static bool is_local_url(std::string_view url);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A setting of git's default configuration files (~/.gitconfig …), or "" when unset.
std::string configured(const char* key);
// configured("user.email").
std::string configured_email();
// The SHA-1 (as git hashes a blob) of `text`, hex: a stable name for the clone's folder.
std::string hash_hex(std::string_view text);

}  // namespace rwkvq::git
