#pragma once
// What a contributor's branch holds, read from the repository with libgit2 (DESIGN §8): the
// merge base with the base branch, every path the branch changes, every blob its commits add,
// and what the work tree holds that HEAD does not. Reading only: the git/* rules judge it
// (src/rules/git_rules.cpp). libgit2 is loaded on first use (src/git/git_api.h), never linked.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace rwkvq {

// A blob that a commit of the branch adds (a new file, or new content at a path).
struct AddedBlob {
  std::string commit;      // full id of the first commit of the branch that adds it
  std::string short_id;    // its first 7 hex digits
  std::string subject;     // the commit's subject line
  std::string path;        // relative to the repository root, '/'-separated
  std::uint64_t size = 0;  // bytes (from the object header: the blob is not inflated for this)
  bool head_known = false; // `head` holds the blob's first bytes (read only for small blobs)
  std::string head;        // the first bytes (up to BranchOptions::head_bytes)
  bool in_head = false;    // HEAD still has this very blob at `path`
  bool path_in_head = false;  // HEAD has a file at `path` (this blob or other content)
};

// A path of a request folder whose work-tree (or index) state differs from HEAD.
struct WorktreeChange {
  enum class Kind { Modified, Added, Deleted, Untracked, Ignored, Staged, Other };
  std::string path;  // relative to the repository root
  Kind kind = Kind::Other;
};

struct BranchFacts {
  std::filesystem::path workdir;           // the repository's work tree (canonical)
  std::string base;                        // the base as given or found ("rwkv-community-training")
  std::string merge_base;                  // full commit ids
  std::string head;
  std::string head_name;                   // "my-request" (the branch), or "HEAD" when detached
  int commits = 0;                         // commits of the branch since the merge base
  std::vector<std::string> changed_files;  // merge base -> HEAD, sorted, relative to the root
  std::vector<AddedBlob> added;            // in commit order (oldest first)
  std::vector<std::string> folders;        // the request folders validated (relative to the root)
  std::vector<WorktreeChange> worktree;    // under `folders` only, sorted by path
};

struct BranchOptions {
  std::filesystem::path repo;  // a path inside the repository (default: the current folder)
  std::string base;            // "" = rwkv-community-training, else origin/rwkv-community-training
  std::uint64_t head_bytes = 512;          // first bytes kept of an added blob
  std::uint64_t max_read_bytes = 5u << 20; // blobs larger than this are never read
};

// An open repository. Every error is a UsageError with one line: not inside a repository, base
// not found (naming the names tried), no merge base, a shallow clone lacking the merge base;
// libgit2 not installed.
class GitRepository {
 public:
  explicit GitRepository(const std::filesystem::path& start);
  ~GitRepository();
  GitRepository(const GitRepository&) = delete;
  GitRepository& operator=(const GitRepository&) = delete;

  const std::filesystem::path& workdir() const;
  // Everything but `folders` and `worktree`.
  BranchFacts read_branch(const BranchOptions& opt);
  // Fills facts.worktree for facts.folders (index and work tree against HEAD, untracked and
  // ignored files included).
  void read_worktree(BranchFacts& facts);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The request folders a set of changed paths touches: notebook/community/<name> for each path
// below such a folder, sorted and unique.
std::vector<std::string> request_folders_of(const std::vector<std::string>& changed_files);

}  // namespace rwkvq
