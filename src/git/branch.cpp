// Reading a contributor's branch with libgit2 (DESIGN §8). Every libgit2 call goes through the
// table of git_api.h, loaded when the first GitRepository is opened.
#include "rwkvq/git/branch.h"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>
#include <utility>

#include "git/handles.h"
#include "rwkvq/core/error.h"

namespace rwkvq {
namespace {

namespace fs = std::filesystem;
using git::api;

using git::Blob;
using git::check;
using git::Commit;
using git::Diff;
using git::hex;
using git::Object;
using git::Odb;
using git::Reference;
using git::Revwalk;
using git::StatusList;
using git::Tree;
using git::TreeEntry;

std::string quoted_list(const std::vector<std::string>& names) {
  std::string s;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i) s += i + 1 == names.size() ? " or " : ", ";
    s += "'" + names[i] + "'";
  }
  return s;
}

Tree tree_of(git_commit* c) {
  Tree t;
  check(api().git_commit_tree(t.out(), c), "cannot read a commit's tree");
  return t;
}

}  // namespace

struct GitRepository::Impl {
  git_repository* repo = nullptr;
  fs::path workdir;
  ~Impl() {
    if (repo) api().git_repository_free(repo);
  }
};

GitRepository::GitRepository(const fs::path& start) : impl_(std::make_unique<Impl>()) {
  const git::GitApi& g = api();
  std::error_code ec;
  fs::path from = fs::absolute(start, ec);
  if (ec) from = start;
  if (!fs::exists(from, ec)) throw UsageError(start.string() + ": no such folder");
  int rc = g.git_repository_open_ext(&impl_->repo, from.c_str(), 0, nullptr);
  if (rc == GIT_ENOTFOUND)
    throw UsageError("not inside a git repository: " + from.string() +
                     " (nor any folder above it) holds no .git; run in your checkout or give --repo PATH");
  check(rc, "cannot open the git repository at " + from.string());
  if (g.git_repository_is_bare(impl_->repo))
    throw UsageError(from.string() + " is a bare git repository: run in a checkout with a work tree");
  const char* wd = g.git_repository_workdir(impl_->repo);
  fs::path w = wd ? fs::path(wd) : from;
  impl_->workdir = fs::weakly_canonical(w, ec);
  if (ec) impl_->workdir = w.lexically_normal();
  // "/repo/" -> "/repo"
  if (impl_->workdir.has_filename() == false) impl_->workdir = impl_->workdir.parent_path();
}

GitRepository::~GitRepository() = default;

const fs::path& GitRepository::workdir() const { return impl_->workdir; }

BranchFacts GitRepository::read_branch(const BranchOptions& opt) {
  const git::GitApi& g = api();
  git_repository* repo = impl_->repo;
  BranchFacts f;
  f.workdir = impl_->workdir;

  // HEAD.
  Reference head_ref;
  int rc = g.git_repository_head(head_ref.out(), repo);
  if (rc == GIT_EUNBORNBRANCH || rc == GIT_ENOTFOUND)
    throw UsageError("HEAD has no commit yet in " + impl_->workdir.string() + ": commit your request first");
  check(rc, "cannot read HEAD");
  f.head_name = g.git_reference_shorthand(head_ref.get());
  Object head_obj;
  {
    Object o;
    check(g.git_revparse_single(o.out(), repo, "HEAD"), "cannot read HEAD");
    check(g.git_object_peel(head_obj.out(), o.get(), GIT_OBJECT_COMMIT), "HEAD is not a commit");
  }
  git_oid head_id = *g.git_object_id(head_obj.get());
  f.head = hex(&head_id);

  // The base.
  std::vector<std::string> tried;
  if (opt.base.empty()) {
    tried = {"rwkv-community-training", "origin/rwkv-community-training"};
  } else {
    tried = {opt.base};
    if (opt.base.rfind("origin/", 0) != 0 && opt.base.rfind("refs/", 0) != 0) tried.push_back("origin/" + opt.base);
  }
  Object base_obj;
  for (const auto& name : tried) {
    Object o;
    if (g.git_revparse_single(o.out(), repo, name.c_str()) < 0) continue;
    if (g.git_object_peel(base_obj.out(), o.get(), GIT_OBJECT_COMMIT) < 0) continue;
    f.base = name;
    break;
  }
  if (!base_obj.get())
    throw UsageError("base branch not found: tried " + quoted_list(tried) +
                     (opt.base.empty() ? "; fetch it (git fetch origin rwkv-community-training) or name it with --base REF"
                                       : "; fetch it or check the name given to --base"));
  git_oid base_id = *g.git_object_id(base_obj.get());

  // The merge base. libgit2 1.5 cannot walk past the boundary of a shallow clone: any failure
  // there means the history needed is not in the clone.
  git_oid mb;
  rc = g.git_merge_base(&mb, repo, &base_id, &head_id);
  bool shallow = g.git_repository_is_shallow(repo) == 1;
  if (rc < 0 && shallow)
    throw UsageError("this is a shallow clone and its history does not reach the merge base of " + f.base +
                     " and HEAD: fetch more history (git fetch --unshallow, or git fetch --deepen=N)");
  if (rc == GIT_ENOTFOUND)
    throw UsageError("no merge base between " + f.base + " and HEAD (" + f.head_name +
                     "): the branch does not start from " + f.base + "; rebase it onto " + f.base);
  check(rc, "cannot find the merge base of " + f.base + " and HEAD");
  f.merge_base = hex(&mb);

  // Paths changed between the merge base and HEAD.
  Commit mb_commit, head_commit;
  check(g.git_commit_lookup(mb_commit.out(), repo, &mb), "cannot read the merge base");
  check(g.git_commit_lookup(head_commit.out(), repo, &head_id), "cannot read HEAD");
  Tree mb_tree = tree_of(mb_commit.get()), head_tree = tree_of(head_commit.get());
  git_diff_options dopt;
  g.git_diff_options_init(&dopt, GIT_DIFF_OPTIONS_VERSION);
  dopt.flags |= GIT_DIFF_IGNORE_SUBMODULES;
  {
    Diff d;
    check(g.git_diff_tree_to_tree(d.out(), repo, mb_tree.get(), head_tree.get(), &dopt),
          "cannot compare the merge base with HEAD");
    std::set<std::string> paths;
    for (std::size_t i = 0, n = g.git_diff_num_deltas(d.get()); i < n; ++i) {
      const git_diff_delta* dd = g.git_diff_get_delta(d.get(), i);
      if (dd->old_file.path && dd->status != GIT_DELTA_ADDED) paths.insert(dd->old_file.path);
      if (dd->new_file.path && dd->status != GIT_DELTA_DELETED) paths.insert(dd->new_file.path);
    }
    f.changed_files.assign(paths.begin(), paths.end());
  }

  // Every commit of the branch, oldest first, and every blob each one adds.
  Revwalk walk;
  check(g.git_revwalk_new(walk.out(), repo), "cannot walk the branch");
  check(g.git_revwalk_sorting(walk.get(), GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE), "cannot walk the branch");
  check(g.git_revwalk_push(walk.get(), &head_id), "cannot walk the branch");
  check(g.git_revwalk_hide(walk.get(), &mb), "cannot walk the branch");
  Odb odb;
  check(g.git_repository_odb(odb.out(), repo), "cannot open the object database");
  std::set<std::pair<std::string, std::string>> seen;  // (blob id, path)
  git_oid cid;
  while ((rc = g.git_revwalk_next(&cid, walk.get())) == 0) {
    ++f.commits;
    Commit c;
    check(g.git_commit_lookup(c.out(), repo, &cid), "cannot read commit " + hex(&cid));
    Tree tree = tree_of(c.get());
    unsigned parents = g.git_commit_parentcount(c.get());
    std::vector<Tree> parent_trees;
    for (unsigned k = 0; k < parents; ++k) {
      Commit p;
      if (g.git_commit_parent(p.out(), c.get(), k) < 0) {
        if (shallow)
          throw UsageError("this is a shallow clone and lacks a parent of commit " + hex(&cid).substr(0, 7) +
                           ": fetch more history (git fetch --unshallow, or git fetch --deepen=N)");
        check(-1, "cannot read a parent of commit " + hex(&cid));
      }
      parent_trees.push_back(tree_of(p.get()));
    }
    Diff d;
    check(g.git_diff_tree_to_tree(d.out(), repo, parent_trees.empty() ? nullptr : parent_trees[0].get(),
                                  tree.get(), &dopt),
          "cannot compare commit " + hex(&cid) + " with its parent");
    const char* summary = g.git_commit_summary(c.get());
    for (std::size_t i = 0, n = g.git_diff_num_deltas(d.get()); i < n; ++i) {
      const git_diff_delta* dd = g.git_diff_get_delta(d.get(), i);
      if (dd->status == GIT_DELTA_DELETED || !dd->new_file.path) continue;
      if ((dd->new_file.mode & 0170000) != 0100000) continue;  // regular files only (not links, submodules)
      const git_oid* bid = &dd->new_file.id;
      std::string path = dd->new_file.path;
      // A merge: only content that none of its parents had at that path is new.
      bool from_parent = false;
      for (std::size_t k = 1; k < parent_trees.size() && !from_parent; ++k) {
        TreeEntry e;
        if (g.git_tree_entry_bypath(e.out(), parent_trees[k].get(), path.c_str()) == 0)
          from_parent = g.git_oid_equal(g.git_tree_entry_id(e.get()), bid) == 1;
      }
      if (from_parent) continue;
      std::string bhex = hex(bid);
      if (!seen.insert({bhex, path}).second) continue;
      AddedBlob b;
      b.commit = hex(&cid);
      b.short_id = b.commit.substr(0, 7);
      b.subject = summary ? summary : "";
      b.path = path;
      std::size_t size = 0;
      git_object_t type = GIT_OBJECT_INVALID;
      check(g.git_odb_read_header(&size, &type, odb.get(), bid), "cannot read blob " + path + " of commit " + b.short_id);
      b.size = size;
      if (size <= opt.max_read_bytes) {
        Blob blob;
        check(g.git_blob_lookup(blob.out(), repo, bid), "cannot read blob " + path + " of commit " + b.short_id);
        auto n = static_cast<std::size_t>(std::min<std::uint64_t>(g.git_blob_rawsize(blob.get()), opt.head_bytes));
        b.head.assign(static_cast<const char*>(g.git_blob_rawcontent(blob.get())), n);
        b.head_known = true;
      }
      TreeEntry e;
      if (g.git_tree_entry_bypath(e.out(), head_tree.get(), path.c_str()) == 0) {
        b.path_in_head = true;
        b.in_head = g.git_oid_equal(g.git_tree_entry_id(e.get()), bid) == 1;
      }
      f.added.push_back(std::move(b));
    }
  }
  if (rc != GIT_ITEROVER) {
    if (shallow)
      throw UsageError("this is a shallow clone and lacks part of the branch's history: fetch more history "
                       "(git fetch --unshallow, or git fetch --deepen=N)");
    check(rc, "cannot walk the branch");
  }
  return f;
}

void GitRepository::read_worktree(BranchFacts& facts) {
  const git::GitApi& g = api();
  facts.worktree.clear();
  if (facts.folders.empty()) return;
  git_status_options so;
  g.git_status_options_init(&so, GIT_STATUS_OPTIONS_VERSION);
  so.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
  so.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS |
             GIT_STATUS_OPT_INCLUDE_IGNORED | GIT_STATUS_OPT_RECURSE_IGNORED_DIRS |
             GIT_STATUS_OPT_EXCLUDE_SUBMODULES | GIT_STATUS_OPT_DISABLE_PATHSPEC_MATCH;
  std::vector<std::string> specs;
  std::vector<char*> ptrs;
  for (const auto& d : facts.folders) specs.push_back(d == "." || d.empty() ? std::string() : d);
  // Pathspec matching is disabled: each folder is a literal prefix. The root ("") means all.
  bool whole = std::find(specs.begin(), specs.end(), std::string()) != specs.end();
  if (!whole) {
    for (auto& s : specs) ptrs.push_back(s.data());
    so.pathspec.strings = ptrs.data();
    so.pathspec.count = ptrs.size();
  }
  StatusList list;
  check(g.git_status_list_new(list.out(), impl_->repo, &so), "cannot compare the work tree with HEAD");
  auto under = [&](const std::string& p) {
    if (whole) return true;
    for (const auto& d : facts.folders)
      if (p == d || (p.size() > d.size() && p.compare(0, d.size(), d) == 0 && p[d.size()] == '/')) return true;
    return false;
  };
  for (std::size_t i = 0, n = g.git_status_list_entrycount(list.get()); i < n; ++i) {
    const git_status_entry* e = g.git_status_byindex(list.get(), i);
    if (!e || e->status == GIT_STATUS_CURRENT) continue;
    const git_diff_delta* dd = e->index_to_workdir ? e->index_to_workdir : e->head_to_index;
    if (!dd) continue;
    const char* p = dd->new_file.path ? dd->new_file.path : dd->old_file.path;
    if (!p || !under(p)) continue;
    WorktreeChange w;
    w.path = p;
    unsigned s = e->status;
    if (s & GIT_STATUS_IGNORED) w.kind = WorktreeChange::Kind::Ignored;
    else if (s & GIT_STATUS_WT_NEW) w.kind = WorktreeChange::Kind::Untracked;
    else if (s & GIT_STATUS_WT_DELETED) w.kind = WorktreeChange::Kind::Deleted;
    else if (s & (GIT_STATUS_WT_MODIFIED | GIT_STATUS_WT_TYPECHANGE | GIT_STATUS_WT_RENAMED)) w.kind = WorktreeChange::Kind::Modified;
    else if (s & GIT_STATUS_INDEX_NEW) w.kind = WorktreeChange::Kind::Added;
    else if (s & (GIT_STATUS_INDEX_MODIFIED | GIT_STATUS_INDEX_DELETED | GIT_STATUS_INDEX_RENAMED |
                  GIT_STATUS_INDEX_TYPECHANGE))
      w.kind = WorktreeChange::Kind::Staged;
    else continue;
    facts.worktree.push_back(std::move(w));
  }
  std::sort(facts.worktree.begin(), facts.worktree.end(),
            [](const WorktreeChange& a, const WorktreeChange& b) { return a.path < b.path; });
}

std::vector<std::string> request_folders_of(const std::vector<std::string>& changed_files) {
  static constexpr std::string_view kCommunity = "notebook/community/";
  std::set<std::string> out;
  for (const auto& p : changed_files) {
    if (p.compare(0, kCommunity.size(), kCommunity) != 0) continue;
    auto slash = p.find('/', kCommunity.size());
    if (slash == std::string::npos || slash == kCommunity.size()) continue;  // a file of community/ itself
    out.insert(p.substr(0, slash));
  }
  return {out.begin(), out.end()};
}

}  // namespace rwkvq
