// The shared queue's local clone (include/rwkvq/git/queue_repo.h). Every libgit2 object created
// here is owned by a Handle and freed.
#include "rwkvq/git/queue_repo.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <system_error>
#include <thread>
#include <utility>

#include "git/handles.h"
#include "rwkvq/core/error.h"

namespace rwkvq::git {
namespace {

namespace fs = std::filesystem;

git_oid oid_of(const std::string& hex_id) {
  git_oid id{};
  // git_oid_fromstr is not in the table: parse the 40 hex digits here.
  for (std::size_t i = 0; i < GIT_OID_RAWSZ; ++i) {
    auto nib = [](char c) -> unsigned {
      if (c >= '0' && c <= '9') return static_cast<unsigned>(c - '0');
      if (c >= 'a' && c <= 'f') return static_cast<unsigned>(c - 'a' + 10);
      return static_cast<unsigned>(c - 'A' + 10);
    };
    id.id[i] = static_cast<unsigned char>(nib(hex_id[2 * i]) << 4 | nib(hex_id[2 * i + 1]));
  }
  return id;
}

// Lock files left in the clone by a process killed while libgit2 held them. Only called under
// the clone's own lock, so none of them can belong to a live rwkvq.
void remove_stale_locks(const fs::path& dir) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->path().filename() == "objects") it.disable_recursion_pending();
    if (it->path().extension() == ".lock" && it->is_regular_file(ec)) {
      spdlog::debug("removing stale lock {}", it->path().string());
      fs::remove(it->path(), ec);
    }
  }
}

// Credentials for ssh remotes: the ssh agent. Nothing else is offered (GITHUB_TOKEN never
// leaves for anything but GITHUB_API_URL, DESIGN §11).
int credentials(git_credential** out, const char*, const char* username, unsigned int allowed, void*) {
  if (allowed & GIT_CREDENTIAL_SSH_KEY)
    return api().git_credential_ssh_key_from_agent(out, username && *username ? username : "git");
  return GIT_PASSTHROUGH;
}

struct PushStatus {
  std::string refused;  // the server's reason when it refused the update
};
int push_update(const char* refname, const char* status, void* data) {
  if (status) static_cast<PushStatus*>(data)->refused = std::string(refname) + ": " + status;
  return 0;
}

bool looks_like_rejection(const std::string& message) {
  for (const char* s : {"non-fast-forward", "fetch first", "stale info", "cannot push non-fastforwardable",
                        "contains commits that are not present locally", "failed to update ref",
                        "old reference value does not match"})
    if (message.find(s) != std::string::npos) return true;
  return false;
}

}  // namespace

constexpr int kStaleLockSeconds = 5;
constexpr int kLockWaitMs = 100;
constexpr int kLockWaits = (kStaleLockSeconds + 2) * 1000 / kLockWaitMs;

struct QueueRepo::Impl {
  fs::path dir;
  std::string url, branch, file;
  std::string rejection;
  Repo repo;
  // "origin", looked up once: libgit2 1.5 leaks a little of its config matching on every
  // git_remote_lookup (inside libgit2; tests/lsan.supp).
  Remote remote;
  std::string remote_ref() const { return "refs/remotes/origin/" + branch; }
  std::string local_ref() const { return "refs/heads/" + branch; }
  std::string fetch_spec() const { return "+refs/heads/" + branch + ":" + remote_ref(); }

  void create() {
    const GitApi& g = api();
    std::error_code ec;
    fs::remove_all(dir, ec);
    fs::create_directories(dir.parent_path(), ec);
    check(g.git_repository_init(repo.out(), dir.c_str(), /*is_bare=*/1),
          "cannot create the queue's clone in " + dir.string());
    check(g.git_remote_create(remote.out(), repo.get(), "origin", url.c_str()),
          "cannot use " + url + " as the queue's repository");
  }
};

QueueRepo::QueueRepo(const fs::path& dir, std::string url, std::string branch, std::string file)
    : impl_(std::make_unique<Impl>()) {
  const GitApi& g = api();
  impl_->dir = dir;
  impl_->url = std::move(url);
  impl_->branch = std::move(branch);
  impl_->file = std::move(file);
  std::error_code ec;
  if (fs::exists(dir / "HEAD", ec)) {
    remove_stale_locks(dir);
    if (g.git_repository_open_ext(impl_->repo.out(), dir.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) == 0) {
      if (g.git_remote_lookup(impl_->remote.out(), impl_->repo.get(), "origin") == 0) return;
    }
    spdlog::warn("{}: the queue's local clone cannot be used ({}): cloning it again", dir.string(), last_error());
    if (impl_->repo.p) {
      g.git_repository_free(impl_->repo.p);
      impl_->repo.p = nullptr;
    }
  }
  impl_->create();
}

QueueRepo::~QueueRepo() = default;

bool QueueRepo::is_local_url(std::string_view url) {
  if (url.substr(0, 7) == "file://") return true;
  if (url.find("://") != std::string_view::npos) return false;
  // scp-like "user@host:path": a ':' before the first '/'.
  const auto colon = url.find(':'), slash = url.find('/');
  return colon == std::string_view::npos || (slash != std::string_view::npos && slash < colon);
}

void QueueRepo::fetch() {
  const GitApi& g = api();
  git_fetch_options opts;
  g.git_fetch_options_init(&opts, GIT_FETCH_OPTIONS_VERSION);
  opts.prune = GIT_FETCH_PRUNE;
  opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
  opts.callbacks.credentials = credentials;
  const std::string spec = impl_->fetch_spec();
  char* specs[] = {const_cast<char*>(spec.c_str())};
  git_strarray refspecs{specs, 1};
  const int rc = g.git_remote_fetch(impl_->remote.get(), &refspecs, &opts, "rwkvq queue: fetch");
  if (rc < 0) throw UsageError("cannot fetch the queue from " + impl_->url + ": " + last_error());
  // A branch deleted on the remote: prune removes the tracking ref only for globbed refspecs,
  // so a missing branch is recognised by the fetch not having advertised it (tip() then reads
  // the old ref). Not worth more: a queue branch is not deleted in normal use.
}

QueueTip QueueRepo::tip() const {
  const GitApi& g = api();
  QueueTip t;
  git_oid id;
  int rc = g.git_reference_name_to_id(&id, impl_->repo.get(), impl_->remote_ref().c_str());
  if (rc == GIT_ENOTFOUND) return t;
  check(rc, "cannot read the queue's branch " + impl_->branch);
  t.commit = hex(&id);
  Commit c;
  check(g.git_commit_lookup(c.out(), impl_->repo.get(), &id), "cannot read the queue's commit " + t.commit);
  Tree tree;
  check(g.git_commit_tree(tree.out(), c.get()), "cannot read the queue's commit " + t.commit);
  t.text = read(t, impl_->file);
  return t;
}

std::optional<std::string> QueueRepo::read(const QueueTip& t, const std::string& file) const {
  if (t.commit.empty()) return std::nullopt;
  const GitApi& g = api();
  const git_oid id = oid_of(t.commit);
  Commit c;
  check(g.git_commit_lookup(c.out(), impl_->repo.get(), &id), "cannot read the queue's commit " + t.commit);
  Tree tree;
  check(g.git_commit_tree(tree.out(), c.get()), "cannot read the queue's commit " + t.commit);
  TreeEntry entry;
  const int rc = g.git_tree_entry_bypath(entry.out(), tree.get(), file.c_str());
  if (rc == GIT_ENOTFOUND) return std::nullopt;
  check(rc, "cannot read " + file + " in " + t.commit);
  Blob blob;
  check(g.git_blob_lookup(blob.out(), impl_->repo.get(), g.git_tree_entry_id(entry.get())),
        file + " in " + t.commit + " is not a file");
  return std::string(static_cast<const char*>(g.git_blob_rawcontent(blob.get())),
                     static_cast<std::size_t>(g.git_blob_rawsize(blob.get())));
}

PushResult QueueRepo::commit_and_push(const QueueTip& base, std::string_view text, const Author& author,
                                      const std::string& message, std::string* pushed,
                                      const std::vector<std::pair<std::string, std::string>>& more) {
  const GitApi& g = api();
  git_repository* repo = impl_->repo.get();
  // The commit: the base's tree with the file replaced.
  git_oid blob_id, tree_id, commit_id;
  check(g.git_blob_create_from_buffer(&blob_id, repo, text.data(), text.size()), "cannot store the queue");
  std::vector<git_oid> more_ids(more.size());
  for (std::size_t k = 0; k < more.size(); ++k)
    check(g.git_blob_create_from_buffer(&more_ids[k], repo, more[k].second.data(), more[k].second.size()),
          "cannot store " + more[k].first);
  Commit parent;
  Tree base_tree;
  if (!base.commit.empty()) {
    const git_oid pid = oid_of(base.commit);
    check(g.git_commit_lookup(parent.out(), repo, &pid), "cannot read the queue's commit " + base.commit);
    check(g.git_commit_tree(base_tree.out(), parent.get()), "cannot read the queue's commit " + base.commit);
  }
  {
    Builder b;
    check(g.git_treebuilder_new(b.out(), repo, base_tree.get()), "cannot build the queue's tree");
    check(g.git_treebuilder_insert(nullptr, b.get(), impl_->file.c_str(), &blob_id, GIT_FILEMODE_BLOB),
          "cannot build the queue's tree");
    for (std::size_t k = 0; k < more.size(); ++k)
      check(g.git_treebuilder_insert(nullptr, b.get(), more[k].first.c_str(), &more_ids[k], GIT_FILEMODE_BLOB),
            "cannot build the queue's tree");
    check(g.git_treebuilder_write(&tree_id, b.get()), "cannot build the queue's tree");
  }
  Tree tree;
  check(g.git_tree_lookup(tree.out(), repo, &tree_id), "cannot read the queue's tree");
  Signature sig;
  check(g.git_signature_new(sig.out(), author.name.c_str(), author.email.c_str(), author.time, 0),
        "cannot use '" + author.name + " <" + author.email + ">' as a commit author");
  const git_commit* parents[] = {parent.get()};
  check(g.git_commit_create(&commit_id, repo, nullptr, sig.get(), sig.get(), nullptr, message.c_str(), tree.get(),
                            parent.get() ? 1 : 0, parents),
        "cannot commit the queue");
  const std::string new_id = hex(&commit_id);

  if (is_local_url(impl_->url)) {
    // Objects into the remote's database, then the branch moved only if it is still at base.
    std::string path = impl_->url.substr(0, 7) == "file://" ? impl_->url.substr(7) : impl_->url;
    Repo remote;
    check(g.git_repository_open_ext(remote.out(), path.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr),
          "cannot open the queue's repository " + impl_->url);
    if (!g.git_repository_is_bare(remote.get()))
      throw UsageError(impl_->url + " is not a bare repository: a shared queue is pushed to a bare one "
                       "(git init --bare)");
    Odb from, to;
    check(g.git_repository_odb(from.out(), repo), "cannot read the queue's clone");
    check(g.git_repository_odb(to.out(), remote.get()), "cannot write to " + impl_->url);
    std::vector<const git_oid*> objects{&blob_id, &tree_id, &commit_id};
    for (const auto& m : more_ids) objects.push_back(&m);
    for (const git_oid* id : objects) {
      OdbObject obj;
      check(g.git_odb_read(obj.out(), from.get(), id), "cannot read the new commit");
      git_oid written;
      check(g.git_odb_write(&written, to.get(), g.git_odb_object_data(obj.get()), g.git_odb_object_size(obj.get()),
                            g.git_odb_object_type(obj.get())),
            "cannot write to " + impl_->url);
    }
    int rc = 0;
    const std::string name = impl_->local_ref();
    // The branch's lock file: held for microseconds by a live writer (rwkvq or git). One that is
    // older than kStaleLockSeconds was left by a process killed in that instant and would block
    // every push for good: it is removed (with a warning). A younger one is waited for.
    const fs::path lock = fs::path(path) / (name + ".lock");
    for (int wait = 0;; ++wait) {
      Reference ref;
      if (base.commit.empty()) {
        rc = g.git_reference_create(ref.out(), remote.get(), name.c_str(), &commit_id, /*force=*/0, message.c_str());
      } else {
        const git_oid old = oid_of(base.commit);
        rc = g.git_reference_create_matching(ref.out(), remote.get(), name.c_str(), &commit_id, /*force=*/1, &old,
                                             message.c_str());
      }
      if (rc != GIT_ELOCKED || wait >= kLockWaits) break;
      std::error_code ec;
      const auto mtime = fs::last_write_time(lock, ec);
      if (!ec && fs::file_time_type::clock::now() - mtime > std::chrono::seconds(kStaleLockSeconds)) {
        spdlog::warn("{}: removing {}, left by a process killed while it updated the queue's branch",
                     impl_->url, lock.string());
        fs::remove(lock, ec);
        continue;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(kLockWaitMs));
    }
    if (rc == GIT_EEXISTS || rc == GIT_EMODIFIED || rc == GIT_ENOTFOUND || rc == GIT_ELOCKED) {
      impl_->rejection = last_error();
      spdlog::debug("push of {} rejected: {}", new_id.substr(0, 7), impl_->rejection);
      return PushResult::Rejected;
    }
    check(rc, "cannot update " + impl_->branch + " in " + impl_->url);
  } else {
    Reference local;
    check(g.git_reference_create(local.out(), repo, impl_->local_ref().c_str(), &commit_id, 1, nullptr),
          "cannot update the queue's clone");
    git_push_options opts;
    g.git_push_options_init(&opts, GIT_PUSH_OPTIONS_VERSION);
    PushStatus status;
    opts.callbacks.credentials = credentials;
    opts.callbacks.push_update_reference = push_update;
    opts.callbacks.payload = &status;
    const std::string spec = impl_->local_ref() + ":" + impl_->local_ref();
    char* specs[] = {const_cast<char*>(spec.c_str())};
    git_strarray refspecs{specs, 1};
    const int rc = g.git_remote_push(impl_->remote.get(), &refspecs, &opts);
    if (rc < 0) {
      const std::string err = last_error();
      if (rc == GIT_ENONFASTFORWARD || looks_like_rejection(err)) {
        impl_->rejection = err;
        spdlog::debug("push of {} rejected: {}", new_id.substr(0, 7), err);
        return PushResult::Rejected;
      }
      throw UsageError("cannot push the queue to " + impl_->url + ": " + err);
    }
    if (!status.refused.empty()) {
      if (looks_like_rejection(status.refused)) {
        impl_->rejection = status.refused;
        spdlog::debug("push of {} rejected by {}: {}", new_id.substr(0, 7), impl_->url, status.refused);
        return PushResult::Rejected;
      }
      throw UsageError(impl_->url + " refused the queue's commit: " + status.refused);
    }
  }
  // The remote branch is at the new commit: so is our view of it.
  Reference tracking;
  check(g.git_reference_create(tracking.out(), repo, impl_->remote_ref().c_str(), &commit_id, 1, nullptr),
        "cannot update the queue's clone");
  if (pushed) *pushed = new_id;
  return PushResult::Pushed;
}

const std::string& QueueRepo::last_rejection() const { return impl_->rejection; }

std::vector<QueueCommit> QueueRepo::log(std::size_t max) const {
  const GitApi& g = api();
  std::vector<QueueCommit> out;
  git_oid id;
  int rc = g.git_reference_name_to_id(&id, impl_->repo.get(), impl_->remote_ref().c_str());
  if (rc == GIT_ENOTFOUND) return out;
  check(rc, "cannot read the queue's branch " + impl_->branch);
  Revwalk walk;
  check(g.git_revwalk_new(walk.out(), impl_->repo.get()), "cannot walk the queue's history");
  check(g.git_revwalk_sorting(walk.get(), GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME), "cannot walk the queue's history");
  check(g.git_revwalk_push(walk.get(), &id), "cannot walk the queue's history");
  git_oid next;
  while ((max == 0 || out.size() < max) && g.git_revwalk_next(&next, walk.get()) == 0) {
    Commit c;
    check(g.git_commit_lookup(c.out(), impl_->repo.get(), &next), "cannot read a commit of the queue");
    const git_signature* a = g.git_commit_author(c.get());
    QueueCommit qc;
    qc.id = hex(&next);
    qc.author = a && a->name ? a->name : "";
    qc.email = a && a->email ? a->email : "";
    qc.time = a ? static_cast<std::int64_t>(a->when.time) : 0;
    const char* msg = g.git_commit_message(c.get());
    qc.message = msg ? msg : "";
    while (!qc.message.empty() && qc.message.back() == '\n') qc.message.pop_back();
    out.push_back(std::move(qc));
  }
  return out;
}

std::string configured_email() { return configured("user.email"); }

std::string configured(const char* key) {
  const GitApi& g = api();
  Config cfg, snap;
  if (g.git_config_open_default(cfg.out()) < 0) return "";
  if (g.git_config_snapshot(snap.out(), cfg.get()) < 0) return "";
  const char* v = nullptr;
  if (g.git_config_get_string(&v, snap.get(), key) < 0 || !v) return "";
  return v;
}

std::string hash_hex(std::string_view text) {
  git_oid id;
  check(api().git_odb_hash(&id, text.data(), text.size(), GIT_OBJECT_BLOB), "cannot hash");
  return hex(&id);
}

}  // namespace rwkvq::git
