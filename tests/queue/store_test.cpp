#include <catch2/catch.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "queue/queue_fixtures.h"
#include "rwkvq/core/error.h"
#include "rwkvq/queue/intake.h"
#include "rwkvq/queue/store.h"
#include "rwkvq/util/atomic_file.h"

namespace fs = std::filesystem;
using namespace rwkvq;
using namespace rwkvq::queue;

namespace {
fs::path temp_dir() {
  std::random_device rd;
  auto d = fs::temp_directory_path() / ("rwkvq-store-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
  fs::create_directories(d);
  return d;
}
std::string slurp(const fs::path& p) { return *read_file_if_exists(p); }
using qtest::who;
}  // namespace

TEST_CASE("a missing queue reads empty and is created (with folders) on first add", "[queue][store]") {
  const auto d = temp_dir();
  QueueStore store(d / "a" / "b" / "queue.json");
  CHECK(store.read().requests.empty());
  CHECK_THROWS_AS(store.transact([](Queue& q) { return bump(q, "r1", 1, who(1)), true; }), Refused);
  CHECK_FALSE(fs::exists(d / "a"));  // a refused change on a missing queue creates nothing
  store.transact([](Queue& q) { add_entry(q, qtest::make(0, {1.0}), who(1)); return true; }, true);
  const Queue q = store.read();
  REQUIRE(q.requests.size() == 1);
  CHECK(q.requests[0].id == "r1");
  CHECK(q.next_id == 2);
  CHECK(q.requests[0].history.at(0).action == "add");
  fs::remove_all(d);
}

TEST_CASE("the same folder cannot be queued twice while active", "[queue][store]") {
  Queue q;
  add_entry(q, qtest::make(0, {1.0}), who(1));
  CHECK_THROWS_WITH(add_entry(q, qtest::make(0, {1.0}), who(2)), Catch::Contains("already queued as r1"));
  q.requests[0].parts[0].state = PartState::Cancelled;
  CHECK(add_entry(q, qtest::make(0, {1.0}), who(3)) == "r2");  // re-submitting a finished one is fine
}

TEST_CASE("a corrupt queue file is reported and never overwritten", "[queue][store]") {
  const auto d = temp_dir();
  const auto f = d / "queue.json";
  const std::string corrupt = "{\n  \"version\": 1,\n  \"next_id\": 2,\n  \"requests\": [ {\"id\": \"r1\",, } ]\n}\n";
  std::ofstream(f) << corrupt;
  QueueStore store(f);
  CHECK_THROWS_WITH(store.read(), Catch::StartsWith(f.string() + ":4:"));
  CHECK_THROWS_AS(store.transact([](Queue& q) { add_entry(q, qtest::make(0, {1.0}), who(1)); return true; }, true),
                  InputError);
  CHECK(slurp(f) == corrupt);
  // A schema violation too
  const std::string future = "{\"version\": 9, \"next_id\": 1, \"requests\": []}";
  std::ofstream(f, std::ios::trunc) << future;
  CHECK_THROWS_WITH(store.transact([](Queue&) { return true; }, true), Catch::Contains("unsupported queue version 9"));
  CHECK(slurp(f) == future);
  fs::remove_all(d);
}

TEST_CASE("a refused change leaves the file untouched", "[queue][store]") {
  const auto d = temp_dir();
  QueueStore store(d / "queue.json");
  store.transact([](Queue& q) { add_entry(q, qtest::make(0, {1.0}), who(1)); return true; }, true);
  const std::string before = slurp(store.file());
  CHECK_THROWS_AS(store.transact([](Queue& q) {
    q.requests.clear();  // a change in progress …
    throw Refused("no");  // … then refused
    return true;
  }),
                  Refused);
  CHECK(slurp(store.file()) == before);
  fs::remove_all(d);
}

TEST_CASE("concurrent writers in separate processes lose nothing", "[queue][store]") {
  const auto d = temp_dir();
  const auto f = d / "queue.json";
  constexpr int kProcs = 6, kEach = 15;
  std::vector<pid_t> pids;
  for (int p = 0; p < kProcs; ++p) {
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      int rc = 0;
      try {
        QueueStore store(f);
        for (int i = 0; i < kEach; ++i) {
          Entry e = qtest::make(0, {1.0});
          e.folder = "/p" + std::to_string(p) + "/" + std::to_string(i);
          store.transact([&](Queue& q) { add_entry(q, e, who(1)); return true; }, true);
        }
      } catch (...) {
        rc = 1;
      }
      ::_exit(rc);
    }
    pids.push_back(pid);
  }
  for (pid_t pid : pids) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  const Queue q = QueueStore(f).read();
  CHECK(q.requests.size() == kProcs * kEach);
  CHECK(q.next_id == kProcs * kEach + 1);
  fs::remove_all(d);
}

TEST_CASE("the default queue path follows RWKVQ_QUEUE, XDG_DATA_HOME, HOME", "[queue][store]") {
  auto save = [](const char* n) { const char* v = std::getenv(n); return v ? std::optional<std::string>(v) : std::nullopt; };
  const auto q0 = save("RWKVQ_QUEUE"), x0 = save("XDG_DATA_HOME"), h0 = save("HOME");
  ::setenv("RWKVQ_QUEUE", "/tmp/explicit.json", 1);
  ::setenv("XDG_DATA_HOME", "/xdg", 1);
  ::setenv("HOME", "/home/me", 1);
  CHECK(default_queue_path() == "/tmp/explicit.json");
  ::setenv("RWKVQ_QUEUE", "", 1);
  CHECK(default_queue_path() == "/xdg/rwkvq/queue.json");
  ::setenv("XDG_DATA_HOME", "relative/ignored", 1);
  CHECK(default_queue_path() == "/home/me/.local/share/rwkvq/queue.json");
  ::unsetenv("XDG_DATA_HOME");
  ::unsetenv("HOME");
  CHECK_THROWS_AS(default_queue_path(), UsageError);
  auto restore = [](const char* n, const std::optional<std::string>& v) {
    if (v) ::setenv(n, v->c_str(), 1); else ::unsetenv(n);
  };
  restore("RWKVQ_QUEUE", q0);
  restore("XDG_DATA_HOME", x0);
  restore("HOME", h0);
}
