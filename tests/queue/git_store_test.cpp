// The git backend of QueueStore (src/queue/git_store.cpp, src/git/queue_repo.cpp) against bare
// repositories made here with libgit2. Each maintainer is a separate cache folder (a clone on
// another machine); a change function that pushes through the other maintainer's store on its
// first run makes the rejected push happen deterministically.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <random>

#include "git/git_api.h"
#include "queue/queue_fixtures.h"
#include "rwkvq/core/error.h"
#include "rwkvq/git/queue_repo.h"
#include "rwkvq/queue/archive.h"
#include "rwkvq/queue/intake.h"
#include "rwkvq/queue/learn.h"
#include "rwkvq/queue/states.h"
#include "rwkvq/queue/store.h"
#include "rwkvq/util/atomic_file.h"

namespace fs = std::filesystem;
using namespace rwkvq;
using namespace rwkvq::queue;

namespace {

struct EnvGuard {
  std::string name;
  std::optional<std::string> old;
  explicit EnvGuard(std::string n) : name(std::move(n)) {
    if (const char* v = std::getenv(name.c_str())) old = v;
  }
  ~EnvGuard() {
    if (old) ::setenv(name.c_str(), old->c_str(), 1);
    else ::unsetenv(name.c_str());
  }
};

// A temporary folder with a bare repository "shared.git" made by libgit2.
struct Fixture {
  fs::path dir;
  EnvGuard cache{"XDG_CACHE_HOME"}, user{"USER"};
  Fixture() {
    std::random_device rd;
    dir = fs::temp_directory_path() / ("rwkvq-gitq-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    fs::create_directories(dir);
    git_repository* r = nullptr;
    REQUIRE(git::api().git_repository_init(&r, (dir / "shared.git").c_str(), 1) == 0);
    git::api().git_repository_free(r);
  }
  ~Fixture() { fs::remove_all(dir); }
  std::string spec(const std::string& branch = "queue") const { return "git:" + (dir / "shared.git").string() + "#" + branch; }
  // The store of maintainer `who`: its own clone, its own $USER.
  QueueStore as(const std::string& who, const std::string& branch = "queue", bool fetch = true) const {
    ::setenv("XDG_CACHE_HOME", (dir / ("cache-" + who)).c_str(), 1);
    ::setenv("USER", who.c_str(), 1);
    return QueueStore::open(spec(branch), StoreOptions{fetch});
  }
};

ChangeInfo by(const std::string& who) { return ChangeInfo{who, qtest::kT0, "", "", "", std::nullopt}; }

Entry request(int n) {
  Entry e = qtest::make(n, {1.0, 2.0});
  e.folder = "/requests/alice-shakespeare-" + std::to_string(n);
  return e;
}

}  // namespace

TEST_CASE("git queue specs: git:URL#BRANCH", "[queue][git]") {
  auto g = parse_git_spec("git:/srv/q.git#queue");
  REQUIRE(g);
  CHECK(g->url == "/srv/q.git");
  CHECK(g->branch == "queue");
  g = parse_git_spec("git:https://example.org/a/b.git");
  REQUIRE(g);
  CHECK(g->url == "https://example.org/a/b.git");
  CHECK(g->branch == "main");
  CHECK(parse_git_spec("git:git@github.com:o/q.git#rwkvq/queue")->url == "git@github.com:o/q.git");
  CHECK_FALSE(parse_git_spec("/tmp/queue.json"));
  CHECK_FALSE(parse_git_spec("queue.json"));
  CHECK_THROWS_AS(parse_git_spec("git:#queue"), UsageError);
  CHECK_THROWS_AS(parse_git_spec("git:/q.git#"), UsageError);
  CHECK_THROWS_AS(parse_git_spec("git:/q.git#a..b"), UsageError);
  CHECK_THROWS_AS(parse_git_spec("git:/q.git#a b"), UsageError);
  CHECK_THROWS_AS(parse_git_spec("git:/q.git#x.lock"), UsageError);
}

TEST_CASE("a git queue's clone lives under XDG_CACHE_HOME, else ~/.cache", "[queue][git]") {
  EnvGuard x("XDG_CACHE_HOME"), h("HOME"), q("RWKVQ_QUEUE");
  const GitQueueSpec a{"/srv/q.git", "queue"}, b{"/srv/q.git", "other"};
  ::setenv("XDG_CACHE_HOME", "/xdg-cache", 1);
  ::setenv("HOME", "/home/me", 1);
  const fs::path da = git_queue_dir(a);
  CHECK(da.parent_path() == "/xdg-cache/rwkvq/queues");
  CHECK(da.filename().string().size() == 16);
  CHECK(git_queue_dir(a) == da);   // stable
  CHECK(git_queue_dir(b) != da);   // one clone per URL#BRANCH
  ::unsetenv("XDG_CACHE_HOME");
  CHECK(git_queue_dir(a).parent_path() == "/home/me/.cache/rwkvq/queues");
  // RWKVQ_QUEUE=git:…: the default queue file is the copy in the clone's folder (the learned
  // summary sits beside it).
  ::setenv("RWKVQ_QUEUE", "git:/srv/q.git#queue", 1);
  CHECK(default_queue_path() == git_queue_dir(a) / "queue.json");
  ::unsetenv("HOME");
  CHECK_THROWS_AS(git_queue_dir(a), UsageError);
}

TEST_CASE("a change is described by the history entries it appends", "[queue][git]") {
  Queue before;
  Queue after = before;
  add_entry(after, request(0), by("alice"));
  auto s = describe_change(before, after);
  REQUIRE(s.lines.size() == 1);
  CHECK(s.lines[0] == "add r1 alice-shakespeare-0 (2 parts)");
  CHECK(s.by == "alice");

  before = after;
  ChangeInfo start = by("bob");
  start.node = "node-a";
  start.reason = "line1\nline2";
  apply_action(after, PartRef{"r1", 0}, Action::Start, start);
  bump(after, "r1", 5, by("bob"));
  s = describe_change(before, after);
  REQUIRE(s.lines.size() == 2);
  CHECK(s.lines[0] == "start r1/part1 on node-a: line1 line2");  // one line whatever was typed
  CHECK(s.lines[1] == "bump r1: +5 (boost now 5)");  // bump's own reason
  CHECK(s.by == "bob");
  CHECK(describe_change(after, after).lines.empty());
  before = after;
  ChangeInfo why = by("carol");
  why.reason = "demo on Friday";
  bump(after, "r1", 2, why);
  CHECK(describe_change(before, after).lines.at(0) == "bump r1 (boost now 7): demo on Friday");
}

TEST_CASE("a git queue: missing branch, one commit per change by its author, log", "[queue][git]") {
  Fixture f;
  auto alice = f.as("alice");
  CHECK(alice.is_git());
  CHECK(alice.name() == f.spec());
  CHECK(alice.read().requests.empty());  // the branch does not exist: an empty queue
  // Without `create`, a missing branch stays missing (and a refusal is still a refusal).
  CHECK_THROWS_AS(alice.transact([](Queue& q) { return bump(q, "r1", 1, by("alice")), true; }), Refused);
  CHECK(alice.log()->empty());

  alice.transact([](Queue& q) { add_entry(q, request(0), by("alice")); return true; }, true);
  auto bob = f.as("bob");
  CHECK(bob.read().requests.size() == 1);
  bob.transact([](Queue& q) { add_entry(q, request(1), by("bob")); return true; }, true);
  // A change that changes nothing makes no commit.
  bob.transact([](Queue&) { return true; });
  bob.transact([](Queue&) { return false; });
  // An explicit description is the commit message.
  bob.transact([](Queue& q) { return bump(q, "r2", 3, by("bob")), true; }, false, nullptr, "raise r2 for the demo");

  const auto log = alice.log();
  REQUIRE(log);
  REQUIRE(log->size() == 3);
  CHECK((*log)[0].what == "raise r2 for the demo");
  CHECK((*log)[0].by == "bob");
  CHECK((*log)[1].what == "add r2 alice-shakespeare-1 (2 parts)");
  CHECK((*log)[1].by == "bob");
  CHECK((*log)[2].what == "add r1 alice-shakespeare-0 (2 parts)");
  CHECK((*log)[2].by == "alice");
  CHECK((*log)[2].id.size() == 40);
  CHECK_FALSE((*log)[2].email.empty());
  CHECK(alice.log(1)->size() == 1);

  // The copy in the clone's folder and the learned summary beside it follow the queue.
  const Queue q = alice.read();
  CHECK(q.requests.size() == 2);
  CHECK(*read_file_if_exists(alice.file()) == serialize_queue(q));
  CHECK(fs::exists(learned_path(alice.file())));
  // A file queue keeps no log of its own.
  CHECK_FALSE(QueueStore(f.dir / "file.json").log());
}

TEST_CASE("a rejected push re-applies the same change on the new queue", "[queue][git]") {
  Fixture f;
  auto alice = f.as("alice");
  auto bob = f.as("bob");
  alice.transact([](Queue& q) { add_entry(q, request(0), by("alice")); return true; }, true);
  int runs = 0;
  std::string id;
  // Alice's change is computed on the queue with r1; before it is pushed, Bob adds r2.
  const Queue written = alice.transact(
      [&](Queue& q) {
        if (++runs == 1) bob.transact([](Queue& b) { add_entry(b, request(1), by("bob")); return true; }, true);
        id = add_entry(q, request(2), by("alice"));
        return true;
      },
      true);
  CHECK(runs == 2);
  CHECK(id == "r3");  // re-applied on Bob's queue: the next id after his
  REQUIRE(written.requests.size() == 3);
  const Queue q = f.as("carol").read();
  REQUIRE(q.requests.size() == 3);
  CHECK(q.requests[1].folder == "/requests/alice-shakespeare-1");
  CHECK(q.requests[2].folder == "/requests/alice-shakespeare-2");
  CHECK(f.as("carol").log()->size() == 3);
}

TEST_CASE("a change that no longer applies after someone else's push is refused, nothing pushed",
          "[queue][git]") {
  Fixture f;
  auto alice = f.as("alice");
  auto bob = f.as("bob");
  alice.transact([](Queue& q) { add_entry(q, request(0), by("alice")); return true; }, true);
  int runs = 0;
  auto start = [](const std::string& who, const std::string& node) {
    ChangeInfo i = by(who);
    i.node = node;
    return i;
  };
  CHECK_THROWS_WITH(alice.transact([&](Queue& q) {
                      if (++runs == 1)
                        bob.transact([&](Queue& b) { apply_action(b, PartRef{"r1", 0}, Action::Start, start("bob", "node-b")); return true; });
                      apply_action(q, PartRef{"r1", 0}, Action::Start, start("alice", "node-a"));
                      return true;
                    }),
                    Catch::Contains("cannot start r1/part1: it is running") &&
                        Catch::Contains("the queue changed meanwhile: bob: start r1/part1 on node-b"));
  CHECK(runs == 2);
  const auto log = alice.log();
  REQUIRE(log->size() == 2);  // alice's add, bob's start: nothing of alice's refused start
  CHECK((*log)[0].by == "bob");
  const Queue q = alice.read();
  CHECK(q.requests[0].parts[0].node == "node-b");
}

TEST_CASE("a queue.json on the branch that does not parse is reported and never overwritten", "[queue][git]") {
  Fixture f;
  auto alice = f.as("alice");
  alice.transact([](Queue& q) { add_entry(q, request(0), by("alice")); return true; }, true);
  alice.transact([](Queue& q) { return bump(q, "r1", 1, by("alice")), true; }, false, nullptr, "x");
  // Break it through a commit made by the same machinery (someone's faulty tool).
  git::QueueRepo repo(f.dir / "tool", f.dir.string() + "/shared.git", "queue", "queue.json");
  repo.fetch();
  git::Author a{"tool", "tool@localhost", qtest::kT0};
  REQUIRE(repo.commit_and_push(repo.tip(), "{\"version\": 1,,}", a, "break it") == git::PushResult::Pushed);
  CHECK_THROWS_WITH(alice.read(), Catch::StartsWith(f.spec() + ":queue.json@") && Catch::Contains(":1:"));
  CHECK_THROWS_AS(alice.transact([](Queue& q) { return bump(q, "r1", 1, by("alice")), true; }), InputError);
  CHECK(alice.log()->size() == 3);  // nothing pushed over it
  // --no-fetch reads the clone as it is: after the failed read it has the broken commit too.
  CHECK_THROWS_AS(f.as("alice", "queue", false).read(), InputError);
}

TEST_CASE("a relative path names the repository from the current folder", "[queue][git]") {
  Fixture f;
  const auto cwd = fs::current_path();
  fs::current_path(f.dir);
  ::setenv("XDG_CACHE_HOME", (f.dir / "cache").c_str(), 1);
  auto s = QueueStore::open("git:shared.git#queue");
  fs::current_path(cwd);
  CHECK(s.name() == f.spec());
  s.transact([](Queue& q) { add_entry(q, request(0), by("x")); return true; }, true);
  CHECK(f.as("y").read().requests.size() == 1);
}

TEST_CASE("pushing to a repository that is not bare is refused with the reason", "[queue][git]") {
  Fixture f;
  git_repository* r = nullptr;
  REQUIRE(git::api().git_repository_init(&r, (f.dir / "work").c_str(), 0) == 0);
  git::api().git_repository_free(r);
  ::setenv("XDG_CACHE_HOME", (f.dir / "cache").c_str(), 1);
  auto s = QueueStore::open("git:" + (f.dir / "work").string() + "#queue");
  CHECK(s.read().requests.empty());
  CHECK_THROWS_WITH(s.transact([](Queue& q) { add_entry(q, request(0), by("x")); return true; }, true),
                    Catch::Contains("is not a bare repository"));
}

TEST_CASE("an unreachable repository is an error naming it", "[queue][git]") {
  Fixture f;
  ::setenv("XDG_CACHE_HOME", (f.dir / "cache").c_str(), 1);
  auto s = QueueStore::open("git:" + (f.dir / "nowhere.git").string() + "#queue");
  CHECK_THROWS_WITH(s.read(), Catch::Contains("cannot fetch the queue from " + (f.dir / "nowhere.git").string()));
}

TEST_CASE("a git queue carries its archive: committed with the queue, concurrent archiving is a union",
          "[queue][git][archive]") {
  Fixture f;
  auto alice = f.as("alice");
  auto bob = f.as("bob");
  alice.transact(
      [](Queue& q) {
        for (int i = 0; i < 3; ++i) add_entry(q, request(i), by("alice"));
        return true;
      },
      true);
  // Alice rejects r1; before her push, Bob cancels r2: both end in the archive, once each.
  int runs = 0;
  alice.transact([&](Queue& q) {
    if (++runs == 1)
      bob.transact([](Queue& b) { return apply_action(b, PartRef{"r2", 0}, Action::Cancel, by("bob")), true; });
    apply_action(q, PartRef{"r1", 0}, Action::Reject, by("alice"));
    return true;
  });
  CHECK(runs == 2);
  auto carol = f.as("carol");
  const Queue active = carol.read();
  REQUIRE(active.requests.size() == 1);
  CHECK(active.requests[0].id == "r3");
  const Queue all = carol.read_history();
  REQUIRE(all.requests.size() == 3);
  CHECK(request_state(*all.find("r1")) == "rejected");
  CHECK(request_state(*all.find("r2")) == "cancelled");
  // The archive is a file of the branch (and copied into the clone's folder beside queue.json).
  const std::string archive = *read_file_if_exists(archive_path(carol.file()));
  CHECK(std::count(archive.begin(), archive.end(), '\n') == 2);
  CHECK(archive.find("\"id\": \"r2\"") < archive.find("\"id\": \"r1\""));  // Bob's line first: appended to
  CHECK(parse_queue(*read_file_if_exists(carol.file()), "q").archive_bytes == static_cast<long long>(archive.size()));
  // A finished request cannot change; next_id stays past the archive's ids.
  CHECK_THROWS_AS(carol.transact([](Queue& q) { return bump(q, "r1", 1, by("carol")), true; }), Refused);
  std::string id;
  carol.transact([&](Queue& q) { id = add_entry(q, request(7), by("carol")); return true; });
  CHECK(id == "r4");
  CHECK(f.as("dave").read_history().requests.size() == 4);
}
