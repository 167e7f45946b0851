// The git/* rules on hand-built BranchFacts (what src/git reads from a repository; the reading
// itself is tested end to end in tests/e2e/pr.sh on real repositories).
#include <catch2/catch.hpp>

#include "rules/rule_fixture.h"
#include "rwkvq/git/branch.h"
#include "rwkvq/rules/rule.h"

using namespace rwkvq;
using namespace rwkvq::test;

namespace {

BranchFacts branch(std::vector<std::string> changed, std::vector<std::string> folders = {}) {
  BranchFacts b;
  b.workdir = "/nonexistent/repo";
  b.base = "rwkv-community-training";
  b.merge_base = std::string(40, 'a');
  b.head = std::string(40, 'b');
  b.head_name = "my-request";
  b.commits = 2;
  b.changed_files = std::move(changed);
  b.folders = folders.empty() ? request_folders_of(b.changed_files) : std::move(folders);
  return b;
}

std::vector<Finding> on_branch(std::string_view id, const BranchFacts& b,
                               std::optional<std::string> title = std::nullopt) {
  const Rule* rule = find_rule(id);
  REQUIRE(rule != nullptr);
  Settings s = default_settings();
  RuleContext ctx{s, nullptr, std::nullopt};
  ctx.pr_title = std::move(title);
  std::vector<Finding> out;
  rule->check_branch(b, ctx, out);
  for (const auto& f : out) {
    CHECK(f.rule == id);
    CHECK(!f.message.empty());
    CHECK(!f.hint.empty());
  }
  return out;
}

// The rule's check() on a request folder at notebook/community/alice of a checkout whose facts
// are `b` (workdir set to the fixture's repository).
std::vector<Finding> on_request(std::string_view id, BranchFacts b) {
  FixtureOptions opt;
  opt.checkout = true;
  opt.rel_dir = "notebook/community/alice";
  RequestFixture fx(clean_files(), opt);
  b.workdir = std::filesystem::canonical(fx.dir() / "../../..");
  const Rule* rule = find_rule(id);
  REQUIRE(rule != nullptr);
  Settings s = default_settings();
  RuleContext ctx{s, nullptr, std::nullopt};
  ctx.branch = &b;
  Request req = fx.load();
  std::vector<Finding> out;
  rule->check(req, ctx, out);
  // Without --pr (no branch), nothing.
  RuleContext plain{s, nullptr, std::nullopt};
  std::vector<Finding> none;
  rule->check(req, plain, none);
  CHECK(none.empty());
  return out;
}

AddedBlob blob(std::string path, std::string head, std::uint64_t size = 0, bool in_head = false) {
  AddedBlob a;
  a.commit = std::string(40, 'c');
  a.short_id = "ccccccc";
  a.subject = "add things";
  a.path = std::move(path);
  a.size = size ? size : head.size();
  a.head = std::move(head);
  a.head_known = true;
  a.in_head = in_head;
  a.path_in_head = in_head;
  return a;
}

}  // namespace

TEST_CASE("request_folders_of: notebook/community/<name> of the changed paths", "[rules][git]") {
  CHECK(request_folders_of({"notebook/community/a/x.ipynb", "notebook/community/a/sub/y", "notebook/community/b/z",
                            "notebook/community/README.md", "notebook/other/c/x", ".github/w.yml"}) ==
        std::vector<std::string>{"notebook/community/a", "notebook/community/b"});
  CHECK(request_folders_of({"README.md"}).empty());
}

TEST_CASE("git/changes-outside: paths outside the request folder", "[rules][git]") {
  CHECK(on_branch("git/changes-outside", branch({"notebook/community/a/training-notebook.ipynb"})).empty());
  auto f = on_branch("git/changes-outside",
                     branch({"notebook/community/a/training-notebook.ipynb", ".github/workflows/ci.yml",
                             "RWKV-v5/src/model.py", "notebook/community/README.md", "docs/x.md"}));
  REQUIRE(f.size() == 4);
  std::map<std::string, std::string> by_file;
  for (const auto& x : f) by_file[x.loc.file] = x.message;
  CHECK(by_file[".github/workflows/ci.yml"].find(".github/") != std::string::npos);
  CHECK(by_file["RWKV-v5/src/model.py"].find("trainer code") != std::string::npos);
  CHECK(by_file["notebook/community/README.md"].find("not inside a request folder") != std::string::npos);
  CHECK(by_file.count("docs/x.md") == 1);
  for (const auto& x : f) CHECK(x.severity == Severity::Error);
  SECTION("a DIR given outside notebook/community/ is a request folder too") {
    CHECK(on_branch("git/changes-outside", branch({"requests/mine/x.ipynb"}, {"requests/mine"})).empty());
  }
  SECTION("many paths: the list ends with a count") {
    std::vector<std::string> many;
    for (int i = 0; i < 30; ++i) many.push_back("src/f" + std::to_string(100 + i) + ".cpp");
    auto g = on_branch("git/changes-outside", branch(many, {"notebook/community/a"}));
    REQUIRE(g.size() == 20);
    CHECK(g.back().message.find("and 10 more") != std::string::npos);
  }
}

TEST_CASE("git/several-requests: more than one request folder", "[rules][git]") {
  CHECK(on_branch("git/several-requests", branch({"notebook/community/a/x", "notebook/community/a/y"})).empty());
  auto f = on_branch("git/several-requests", branch({"notebook/community/a/x", "notebook/community/b/y"}));
  REQUIRE(f.size() == 1);
  CHECK(f[0].severity == Severity::Warning);
  CHECK(f[0].message.find("notebook/community/a, notebook/community/b") != std::string::npos);
}

TEST_CASE("git/pr-title: [training request] and a description", "[rules][git]") {
  auto b = branch({"notebook/community/a/x"});
  CHECK(on_branch("git/pr-title", b).empty());  // no --title: nothing to judge
  CHECK(on_branch("git/pr-title", b, "[training request] RWKV-5 0.4B on Shakespeare").empty());
  CHECK(on_branch("git/pr-title", b, "  [training request] x  ").empty());
  for (std::string bad : {"Add my request", "[training request]", "[training request]   ", "[Training Request] x",
                          "training request: x", ""}) {
    INFO(bad);
    auto f = on_branch("git/pr-title", b, bad);
    REQUIRE(f.size() == 1);
    CHECK(f[0].severity == Severity::Error);
    CHECK(f[0].loc.file.empty());
  }
}

TEST_CASE("git/committed-data: every blob the branch adds, by the data/committed test", "[rules][git]") {
  auto b = branch({"notebook/community/alice/training-notebook.ipynb"});
  b.added = {blob("notebook/community/alice/notes.md", "# notes\n")};
  CHECK(on_request("git/committed-data", b).empty());
  CHECK(on_branch("git/committed-data", b).empty());

  b.added = {blob("notebook/community/alice/notes.txt", "PAR1 whatever"),               // disguised Parquet
             blob("notebook/community/alice/train.jsonl", "{}\n", 0, true),             // by name, still there
             blob("notebook/community/alice/w.md",
                  "version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 9\n"),  // LFS pointer
             blob("notebook/community/alice/huge.md", "", 6u << 20),                    // by size, never read
             blob("dump.csv", "a,b\n")};                                                // outside the folder
  b.added[3].head_known = false;
  auto in = on_request("git/committed-data", b);
  REQUIRE(in.size() == 4);
  std::map<std::string, std::string> by_file;
  for (const auto& x : in) by_file[x.loc.file] = x.message;
  CHECK(by_file["notes.txt"].find("Parquet") != std::string::npos);
  CHECK(by_file["notes.txt"].find("ccccccc (\"add things\")") != std::string::npos);
  CHECK(by_file["notes.txt"].find("deletes it") != std::string::npos);
  CHECK(by_file["train.jsonl"].find("deletes it") == std::string::npos);
  CHECK(by_file["w.md"].find("Git LFS pointer") != std::string::npos);
  CHECK(by_file["huge.md"].find("6.0 MB") != std::string::npos);
  auto out = on_branch("git/committed-data", b);
  REQUIRE(out.size() == 1);
  CHECK(out[0].loc.file == "dump.csv");
}

TEST_CASE("git/uncommitted: the folder differs from HEAD", "[rules][git]") {
  auto b = branch({"notebook/community/alice/training-notebook.ipynb"});
  b.worktree = {{"notebook/community/bob/x.md", WorktreeChange::Kind::Modified}};  // another folder
  CHECK(on_request("git/uncommitted", b).empty());
  b.worktree = {{"notebook/community/alice/training-config.yaml", WorktreeChange::Kind::Modified},
                {"notebook/community/alice/data.jsonl", WorktreeChange::Kind::Ignored},
                {"notebook/community/alice/new.md", WorktreeChange::Kind::Untracked}};
  auto f = on_request("git/uncommitted", b);
  REQUIRE(f.size() == 3);
  for (const auto& x : f) CHECK(x.severity == Severity::Warning);
  CHECK(f[1].loc.file == "data.jsonl");
  CHECK(f[1].message.find(".gitignore") != std::string::npos);
}
