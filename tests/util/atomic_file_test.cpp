#include <catch2/catch.hpp>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "rwkvq/core/error.h"
#include "rwkvq/util/atomic_file.h"
#include "rwkvq/util/file_lock.h"

namespace fs = std::filesystem;
using namespace rwkvq;

namespace {
fs::path temp_dir(const char* tag) {
  std::random_device rd;
  auto d = fs::temp_directory_path() / (std::string("rwkvq-") + tag + "-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(rd()));
  fs::create_directories(d);
  return d;
}
std::size_t count_files(const fs::path& d) {
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(d), fs::directory_iterator()));
}
}  // namespace

TEST_CASE("write_file_atomic creates and replaces, leaving no temporary file", "[util][atomic_file]") {
  const auto d = temp_dir("atomic");
  const auto f = d / "q.json";
  CHECK_FALSE(read_file_if_exists(f));
  write_file_atomic(f, "one");
  CHECK(read_file_if_exists(f) == std::string("one"));
  ::chmod(f.c_str(), 0600);
  write_file_atomic(f, std::string(100000, 'x'));
  CHECK(read_file_if_exists(f)->size() == 100000);
  struct stat st {};
  ::stat(f.c_str(), &st);
  CHECK((st.st_mode & 0777) == 0600);  // the mode of the replaced file is kept
  CHECK(count_files(d) == 1);
  fs::remove_all(d);
}

TEST_CASE("write_file_atomic fails cleanly", "[util][atomic_file]") {
  const auto d = temp_dir("atomic-fail");
  CHECK_THROWS_AS(write_file_atomic(d / "missing-dir" / "q.json", "x"), InputError);
  // The message names the file asked for, not the temporary file beside it.
  CHECK_THROWS_WITH(write_file_atomic(d / "missing-dir" / "q.json", "x"),
                    (d / "missing-dir" / "q.json").string() + ": cannot write (no temporary file in " +
                        (d / "missing-dir").string() + "): No such file or directory");
  CHECK_THROWS_AS(read_file_if_exists(d), InputError);  // a folder is not a file
  fs::create_directories(d / "sub");
  CHECK_THROWS_AS(write_file_atomic(d / "sub", "x"), InputError);  // cannot rename over a folder
  CHECK(count_files(d) == 1);                                       // no temporary file left
  fs::remove_all(d);
}

TEST_CASE("stale temporary files are removed; other files are not", "[util][atomic_file]") {
  const auto d = temp_dir("atomic-stale");
  const auto f = d / "q.json";
  write_file_atomic(f, "x");
  std::ofstream(d / (atomic_temp_prefix(f) + "123-456")) << "half";
  std::ofstream(d / "other.json") << "keep";
  CHECK(remove_stale_temps(f) == 1);
  CHECK(count_files(d) == 2);
  fs::remove_all(d);
}

TEST_CASE("an exclusive lock excludes another process until released", "[util][file_lock]") {
  const auto d = temp_dir("lock");
  const auto lock = d / "q.json.lock";
  int pipefd[2];
  REQUIRE(::pipe(pipefd) == 0);
  pid_t pid = -1;
  {
    FileLock held(lock, FileLock::Mode::Exclusive);
    pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      FileLock mine(lock, FileLock::Mode::Shared);  // blocks until the parent unlocks
      char c = 'x';
      (void)!::write(pipefd[1], &c, 1);
      ::_exit(0);
    }
    pollfd p{pipefd[0], POLLIN, 0};
    CHECK(::poll(&p, 1, 300) == 0);  // still blocked while we hold the lock
  }
  pollfd p{pipefd[0], POLLIN, 0};
  CHECK(::poll(&p, 1, 10000) == 1);  // granted once released
  int status = 0;
  ::waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status));
  ::close(pipefd[0]);
  ::close(pipefd[1]);
  fs::remove_all(d);
}

TEST_CASE("shared locks coexist", "[util][file_lock]") {
  const auto d = temp_dir("lock-shared");
  FileLock a(d / "l", FileLock::Mode::Shared);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    FileLock b(d / "l", FileLock::Mode::Shared);  // would hang the test if it blocked
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK_THROWS_AS(FileLock(d / "no" / "such" / "l", FileLock::Mode::Exclusive), InputError);
  fs::remove_all(d);
}
