// git/: the contributor's branch, read with libgit2 by `validate --pr` (DESIGN §8). These rules
// judge the BranchFacts of RuleContext::branch; without --pr they find nothing. Findings inside
// a request folder (committed data there, uncommitted edits) go with that request (check());
// those about the branch as a whole go in the report's `pr` part (check_branch()), located by
// paths relative to the repository root.
#include <algorithm>
#include <optional>
#include <set>
#include <string>

#include "rules/data_detect.h"
#include "rules/rule_helpers.h"
#include "rwkvq/git/branch.h"
#include "rwkvq/rules/rule.h"
#include "rwkvq/util/strings.h"

namespace rwkvq {
namespace {

using namespace rules;

constexpr std::size_t kMaxListed = 20;  // findings of one kind before "… and N more"

bool under(std::string_view path, std::string_view dir) {
  if (dir.empty() || dir == ".") return true;
  return path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/';
}

// The request folder relative to the repository root ("notebook/community/x"); nullopt when it
// is not inside the repository.
std::optional<std::string> repo_folder(const Request& req, const BranchFacts& b) {
  auto rel = req.folder.root.lexically_relative(b.workdir).generic_string();
  if (rel.empty() || rel == "..") return std::nullopt;
  if (rel.rfind("../", 0) == 0) return std::nullopt;
  return rel;
}

bool in_any(std::string_view path, const std::vector<std::string>& folders) {
  return std::any_of(folders.begin(), folders.end(), [&](const std::string& d) { return under(path, d); });
}

// The request folders the branch changes: notebook/community/<name>, and the folders validated
// (DIRs given) that hold a changed path.
std::vector<std::string> changed_request_folders(const BranchFacts& b) {
  std::set<std::string> out;
  for (const auto& d : request_folders_of(b.changed_files)) out.insert(d);
  for (const auto& d : b.folders)
    if (std::any_of(b.changed_files.begin(), b.changed_files.end(), [&](const std::string& p) { return under(p, d); }))
      out.insert(d);
  return {out.begin(), out.end()};
}

std::string quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

class ChangesOutside : public Rule {
 public:
  std::string_view id() const override { return "git/changes-outside"; }
  Severity default_severity() const override { return Severity::Error; }
  std::string_view summary() const override {
    return "validate --pr: the branch changes a path outside its request folder(s) under notebook/community/ "
           "(.github/, trainer code …)";
  }
  void check(const Request&, const RuleContext&, std::vector<Finding>&) const override {}
  void check_branch(const BranchFacts& b, const RuleContext&, std::vector<Finding>& out) const override {
    std::vector<std::string> folders = changed_request_folders(b);
    for (const auto& d : b.folders) folders.push_back(d);
    std::vector<std::string> outside;
    for (const auto& p : b.changed_files)
      if (!in_any(p, folders)) outside.push_back(p);
    for (std::size_t i = 0; i < outside.size() && i < kMaxListed; ++i) {
      const std::string& p = outside[i];
      std::string top = p.substr(0, p.find('/'));
      std::string what;
      if (top == ".github")
        what = " (in .github/, the repository's CI and automation)";
      else if (starts_with(top, "RWKV-v") || ends_with(p, ".py") || ends_with(p, ".sh") || ends_with(p, ".cu") ||
               ends_with(p, ".cpp") || top == "requirements.txt")
        what = " (trainer code)";
      else if (under(p, "notebook/community"))
        what = " (in notebook/community/ but not inside a request folder)";
      std::string msg = "the branch changes " + p + what +
                        "; a training request's pull request changes only its own folder under "
                        "notebook/community/";
      if (i + 1 == kMaxListed && outside.size() > kMaxListed)
        msg += " (and " + std::to_string(outside.size() - kMaxListed) + " more paths outside it)";
      out.push_back(make(file_loc(p), msg,
                         "restore it from the base (git checkout " + b.merge_base.substr(0, 7) + " -- " + p +
                             ", then commit), and send other changes in a pull request of their own"));
    }
  }
};
RWKVQ_REGISTER_RULE(ChangesOutside);

class SeveralRequests : public Rule {
 public:
  std::string_view id() const override { return "git/several-requests"; }
  Severity default_severity() const override { return Severity::Warning; }
  std::string_view summary() const override {
    return "validate --pr: the branch changes more than one request folder";
  }
  void check(const Request&, const RuleContext&, std::vector<Finding>&) const override {}
  void check_branch(const BranchFacts& b, const RuleContext&, std::vector<Finding>& out) const override {
    auto folders = changed_request_folders(b);
    if (folders.size() < 2) return;
    out.push_back(make(file_loc(folders[1]),
                       "the branch changes " + std::to_string(folders.size()) + " request folders (" +
                           join(folders, ", ") + "): each training request is a pull request of its own",
                       "keep one folder on this branch and move the others to branches of their own"));
  }
};
RWKVQ_REGISTER_RULE(SeveralRequests);

class PrTitle : public Rule {
 public:
  std::string_view id() const override { return "git/pr-title"; }
  Severity default_severity() const override { return Severity::Error; }
  std::string_view summary() const override {
    return "validate --pr --title: the pull request's title is not \"[training request] <description>\"";
  }
  void check(const Request&, const RuleContext&, std::vector<Finding>&) const override {}
  void check_branch(const BranchFacts&, const RuleContext& ctx, std::vector<Finding>& out) const override {
    if (!ctx.pr_title) return;
    static constexpr std::string_view kTag = "[training request]";
    std::string title(trim(*ctx.pr_title));
    std::string hint = "title the pull request \"[training request] <what you train>\", e.g. "
                       "\"[training request] RWKV-5 0.4B on Shakespeare\"";
    if (!starts_with(title, kTag)) {
      std::string msg = "the pull request's title " + quote(title) + " does not start with \"[training request]\"";
      if (starts_with(to_lower(title), kTag)) msg += " (spelled exactly so, in lower case)";
      out.push_back(make(Location{}, msg, hint));
      return;
    }
    if (trim(std::string_view(title).substr(kTag.size())).empty())
      out.push_back(make(Location{}, "the pull request's title " + quote(title) +
                                         " has no description after \"[training request]\"",
                         hint));
  }
};
RWKVQ_REGISTER_RULE(PrTitle);

class CommittedData : public Rule {
 public:
  std::string_view id() const override { return "git/committed-data"; }
  Severity default_severity() const override { return Severity::Error; }
  std::string_view summary() const override {
    return "validate --pr: a commit of the branch adds a data-like file (the data/committed test), even "
           "one a later commit deletes";
  }
  void check(const Request& req, const RuleContext& ctx, std::vector<Finding>& out) const override {
    if (!ctx.branch) return;
    auto folder = repo_folder(req, *ctx.branch);
    if (!folder) return;
    for (const AddedBlob& a : ctx.branch->added) {
      if (!under(a.path, *folder)) continue;
      report(a, a.path.substr(folder->size() + 1), *ctx.branch, ctx, out);
    }
  }
  void check_branch(const BranchFacts& b, const RuleContext& ctx, std::vector<Finding>& out) const override {
    for (const AddedBlob& a : b.added)
      if (!in_any(a.path, b.folders)) report(a, a.path, b, ctx, out);
  }

 private:
  void report(const AddedBlob& a, const std::string& rel, const BranchFacts& b, const RuleContext& ctx,
              std::vector<Finding>& out) const {
    auto v = judge_data_file(a.path, a.size, a.head, a.head_known, ctx.settings.limits);
    if (!v) return;
    std::string msg = "commit " + a.short_id + " (" + quote(a.subject) + ") adds " + a.path + ", " + v->why;
    if (a.in_head) msg += ": it stays in the repository's history, in every clone";
    else if (a.path_in_head) msg += "; a later commit replaces it, but it stays in the repository's history, in every clone";
    else msg += "; a later commit deletes it, but it stays in the repository's history, in every clone";
    std::string hint = "rewrite the branch without it (e.g. git rebase -i " + b.merge_base.substr(0, 7) +
                       ", edit commit " + a.short_id + " and git rm --cached the file), then force-push";
    hint += v->notebook_outputs ? "; clear the notebook's outputs before committing it"
                                : "; upload data as a Hugging Face dataset (set data.source to its id)";
    out.push_back(make(file_loc(rel), msg, hint));
  }
};
RWKVQ_REGISTER_RULE(CommittedData);

class Uncommitted : public Rule {
 public:
  std::string_view id() const override { return "git/uncommitted"; }
  Severity default_severity() const override { return Severity::Warning; }
  std::string_view summary() const override {
    return "validate --pr: the request folder differs from HEAD (what is validated is not what is submitted)";
  }
  void check(const Request& req, const RuleContext& ctx, std::vector<Finding>& out) const override {
    if (!ctx.branch) return;
    auto folder = repo_folder(req, *ctx.branch);
    if (!folder) return;
    std::vector<const WorktreeChange*> mine;
    for (const auto& w : ctx.branch->worktree)
      if (under(w.path, *folder)) mine.push_back(&w);
    for (std::size_t i = 0; i < mine.size() && i < kMaxListed; ++i) {
      const WorktreeChange& w = *mine[i];
      std::string rel = w.path.substr(folder->size() + 1);
      std::string state;
      switch (w.kind) {
        case WorktreeChange::Kind::Modified: state = "has changes that are not committed"; break;
        case WorktreeChange::Kind::Added: state = "is added to the index but not committed"; break;
        case WorktreeChange::Kind::Staged: state = "has staged changes that are not committed"; break;
        case WorktreeChange::Kind::Deleted: state = "is deleted but the deletion is not committed"; break;
        case WorktreeChange::Kind::Untracked: state = "is not committed (untracked)"; break;
        case WorktreeChange::Kind::Ignored: state = "is ignored by .gitignore, so never committed"; break;
        case WorktreeChange::Kind::Other: state = "differs from HEAD"; break;
      }
      std::string msg = rel + " " + state + ": what is validated here is not what the pull request submits";
      if (i + 1 == kMaxListed && mine.size() > kMaxListed)
        msg += " (and " + std::to_string(mine.size() - kMaxListed) + " more files)";
      out.push_back(make(file_loc(rel), msg,
                         w.kind == WorktreeChange::Kind::Ignored
                             ? "delete it, or commit it if the request needs it"
                             : "commit the request's files (or discard the edits) and validate again"));
    }
  }
};
RWKVQ_REGISTER_RULE(Uncommitted);

}  // namespace
}  // namespace rwkvq
