// Fetching a pull request's head with libgit2 (git/pull.h).
#include "rwkvq/git/pull.h"

#include <cstdlib>
#include <utility>

#include "git/handles.h"
#include "rwkvq/core/error.h"

namespace rwkvq {
namespace {

namespace fs = std::filesystem;
using git::api;

using git::check;

}  // namespace

fs::path pulls_cache_dir() {
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return fs::path(x) / "rwkvq" / "pulls";
  if (const char* h = std::getenv("HOME"); h && *h) return fs::path(h) / ".cache" / "rwkvq" / "pulls";
  throw UsageError("no cache folder for pull requests: set XDG_CACHE_HOME or HOME");
}

struct PullCheckout::Impl {
  git_repository* repo = nullptr;
  ~Impl() {
    if (repo) api().git_repository_free(repo);
  }
};

PullCheckout::PullCheckout(const fs::path& start) : impl_(std::make_unique<Impl>()) {
  const std::string s = start.string();
  if (api().git_repository_open_ext(&impl_->repo, s.c_str(), 0, nullptr) < 0)
    throw UsageError(s + ": not inside a git repository (--checkout names the local clone of the trainer)");
}

PullCheckout::~PullCheckout() = default;

PulledHead PullCheckout::fetch_pull(long long number, const std::vector<std::string>& folders) {
  const auto& g = api();
  const std::string n = std::to_string(number);
  git_remote* remote = nullptr;
  check(g.git_remote_lookup(&remote, impl_->repo, "origin"), "pull request #" + n + ": no remote 'origin'");
  struct RemoteFree {
    git_remote* r;
    ~RemoteFree() { api().git_remote_free(r); }
  } remote_free{remote};
  const std::string spec = "+refs/pull/" + n + "/head:refs/rwkvq/pull/" + n;
  char* specs[] = {const_cast<char*>(spec.c_str())};
  git_strarray refspecs{specs, 1};
  git_fetch_options fo;
  check(g.git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION), "libgit2 fetch options");
  check(g.git_remote_fetch(remote, &refspecs, &fo, "rwkvq queue import"), "fetch refs/pull/" + n + "/head from origin");

  git_object* commit = nullptr;
  const std::string rev = "refs/rwkvq/pull/" + n + "^{commit}";
  check(g.git_revparse_single(&commit, impl_->repo, rev.c_str()), "pull request #" + n + ": its head");
  struct ObjFree {
    git_object* o;
    ~ObjFree() { api().git_object_free(o); }
  } commit_free{commit};
  char hex[GIT_OID_HEXSZ + 1];
  g.git_oid_tostr(hex, sizeof hex, g.git_object_id(commit));

  const fs::path root = pulls_cache_dir() / n / std::string(hex).substr(0, 12);
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) throw UsageError(root.string() + ": " + ec.message());
  const std::string target = root.string();
  std::vector<std::string> paths(folders.begin(), folders.end());
  std::vector<char*> cpaths;
  for (auto& p : paths) cpaths.push_back(p.data());
  git_checkout_options co;
  check(g.git_checkout_options_init(&co, GIT_CHECKOUT_OPTIONS_VERSION), "libgit2 checkout options");
  // Into the cache folder only: the clone's own work tree and index stay as they are.
  co.checkout_strategy = GIT_CHECKOUT_FORCE | GIT_CHECKOUT_DONT_UPDATE_INDEX;
  co.target_directory = target.c_str();
  co.paths = git_strarray{cpaths.data(), cpaths.size()};
  check(g.git_checkout_tree(impl_->repo, commit, &co), "pull request #" + n + ": writing its request folders");
  return PulledHead{root, hex};
}

}  // namespace rwkvq
