#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "test_util.h"
#include "rwkvq/core/error.h"
#include "rwkvq/request/folder.h"

using namespace rwkvq;
namespace fs = std::filesystem;

namespace {

// A fresh temporary folder, removed at the end of the test.
struct TempDir : test::TempDir {
  TempDir() : test::TempDir("rwkvq-folder-test") {}
};

}  // namespace

TEST_CASE("folder: lists files recursively with types, sizes and heads", "[folder]") {
  TempDir t;
  t.write("training-notebook.ipynb", "{\"cells\": []}");
  t.write("training-config.yaml", "trainer: {}\n");
  t.write("sub/deeper/data.bin", std::string(40, 'z'));
  t.write("PAR1.txt", std::string("PAR1") + std::string(100, '\0'));

  FolderScan s = scan_folder(t.path.string());
  CHECK(s.display_path == t.path.string());
  CHECK(s.root == fs::canonical(t.path));
  CHECK_FALSE(s.truncated);
  REQUIRE(s.entries.size() == 6);
  // Sorted by rel.
  CHECK(s.entries[0].rel == "PAR1.txt");
  CHECK(s.entries[1].rel == "sub");
  CHECK(s.entries[2].rel == "sub/deeper");
  CHECK(s.entries[3].rel == "sub/deeper/data.bin");
  CHECK(s.entries[4].rel == "training-config.yaml");
  CHECK(s.entries[5].rel == "training-notebook.ipynb");

  const FileEntry* par = s.find("PAR1.txt");
  REQUIRE(par);
  CHECK(par->type == FileEntry::Type::Regular);
  CHECK(par->size == 104);
  CHECK(par->readable);
  CHECK(par->head.size() == 64);  // the first 64 bytes: magic numbers and a Git LFS pointer's first line
  CHECK(par->head.substr(0, 4) == "PAR1");
  CHECK(s.find("sub")->type == FileEntry::Type::Directory);
  CHECK(s.find("sub/deeper/data.bin")->size == 40);
  CHECK(s.find("training-notebook.ipynb")->head == "{\"cells\": []}");
  CHECK(s.find("nope") == nullptr);
  CHECK(s.find("sub/deeper/data") == nullptr);

  std::string why;
  auto nb = read_request_file(s, "training-notebook.ipynb", 1 << 20, &why);
  REQUIRE(nb);
  CHECK(*nb == "{\"cells\": []}");
  auto deep = read_request_file(s, "sub/deeper/data.bin", 1 << 20);
  REQUIRE(deep);
  CHECK(deep->size() == 40);
}

TEST_CASE("folder: a symlink to /etc/passwd escapes and is never read", "[folder]") {
  TempDir t;
  t.write("inside.txt", "hello");
  fs::create_symlink("/etc/passwd", t.path / "passwd");
  fs::create_symlink("inside.txt", t.path / "ok-link");
  fs::create_symlink("../../../../../../../../etc", t.path / "up");
  fs::create_symlink("missing-target", t.path / "dangling");
  fs::create_symlink("loop", t.path / "loop");
  fs::create_directory_symlink("/etc", t.path / "etcdir");

  FolderScan s = scan_folder(t.path.string());
  const FileEntry* p = s.find("passwd");
  REQUIRE(p);
  CHECK(p->type == FileEntry::Type::Symlink);
  CHECK(p->link_target == "/etc/passwd");
  CHECK(p->link_escapes);
  CHECK(p->head.empty());
  CHECK(p->size == 0);

  const FileEntry* ok = s.find("ok-link");
  REQUIRE(ok);
  CHECK(ok->type == FileEntry::Type::Symlink);
  CHECK_FALSE(ok->link_escapes);
  CHECK(s.find("up")->link_escapes);
  CHECK(s.find("dangling")->link_escapes);
  CHECK(s.find("loop")->link_escapes);
  CHECK(s.find("etcdir")->link_escapes);
  // A symlinked folder is not entered.
  CHECK(s.find("etcdir/passwd") == nullptr);

  std::string why;
  CHECK_FALSE(read_request_file(s, "passwd", 1 << 20, &why));
  CHECK(why.find("symbolic link") != std::string::npos);
  CHECK_FALSE(read_request_file(s, "etcdir/passwd", 1 << 20, &why));
  CHECK(why.find("outside") != std::string::npos);
  CHECK_FALSE(read_request_file(s, "up", 1 << 20));
  CHECK_FALSE(read_request_file(s, "loop", 1 << 20, &why));
  CHECK(why.find("loop") != std::string::npos);
  CHECK_FALSE(read_request_file(s, "dangling", 1 << 20));
  CHECK_FALSE(read_request_file(s, "../" + t.path.filename().string() + "/inside.txt", 1 << 20, &why));
  CHECK(why.find("leaves") != std::string::npos);
  CHECK_FALSE(read_request_file(s, "/etc/passwd", 1 << 20));
  CHECK(read_request_file(s, "./inside.txt", 1 << 20) == std::optional<std::string>("hello"));
}

TEST_CASE("folder: symlinks that stay inside the folder are read like the runner would", "[folder]") {
  TempDir t;
  t.write("real/notebook.ipynb", "{}");
  fs::create_symlink("real/notebook.ipynb", t.path / "training-notebook.ipynb");
  fs::create_symlink("training-notebook.ipynb", t.path / "chain.ipynb");
  fs::create_directory_symlink("real", t.path / "alias");
  fs::create_symlink(fs::canonical(t.path).string() + "/real/notebook.ipynb", t.path / "abs.ipynb");
  fs::create_symlink("../real/../../x", t.path / "real/sneaky");
  FolderScan s = scan_folder(t.path.string());
  CHECK_FALSE(s.find("training-notebook.ipynb")->link_escapes);
  CHECK_FALSE(s.find("abs.ipynb")->link_escapes);
  CHECK(s.find("real/sneaky")->link_escapes);
  CHECK(read_request_file(s, "training-notebook.ipynb", 100) == std::optional<std::string>("{}"));
  CHECK(read_request_file(s, "chain.ipynb", 100) == std::optional<std::string>("{}"));
  CHECK(read_request_file(s, "alias/notebook.ipynb", 100) == std::optional<std::string>("{}"));
  CHECK(read_request_file(s, "abs.ipynb", 100) == std::optional<std::string>("{}"));
  std::string why;
  CHECK_FALSE(read_request_file(s, "real/sneaky", 100, &why));
  CHECK(why.find("outside") != std::string::npos);
  CHECK_FALSE(read_request_file(s, "alias", 100, &why));  // a folder
}

TEST_CASE("folder: a FIFO is listed and never blocks a read", "[folder]") {
  TempDir t;
  REQUIRE(::mkfifo((t.path / "training-notebook.ipynb").c_str(), 0644) == 0);
  auto t0 = std::chrono::steady_clock::now();
  FolderScan s = scan_folder(t.path.string());
  const FileEntry* f = s.find("training-notebook.ipynb");
  REQUIRE(f);
  CHECK(f->type == FileEntry::Type::Fifo);
  CHECK_FALSE(f->readable);
  std::string why;
  CHECK_FALSE(read_request_file(s, "training-notebook.ipynb", 1 << 20, &why));
  CHECK(why.find("FIFO") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(1));
}

TEST_CASE("folder: a directory named like the notebook is not a file", "[folder]") {
  TempDir t;
  fs::create_directories(t.path / "training-notebook.ipynb");
  FolderScan s = scan_folder(t.path.string());
  const FileEntry* f = s.find("training-notebook.ipynb");
  REQUIRE(f);
  CHECK(f->type == FileEntry::Type::Directory);
  std::string why;
  CHECK_FALSE(read_request_file(s, "training-notebook.ipynb", 1 << 20, &why));
  CHECK(why.find("folder") != std::string::npos);
}

TEST_CASE("folder: unreadable and oversized files", "[folder]") {
  TempDir t;
  t.write("secret.yaml", "a: 1\n");
  fs::permissions(t.path / "secret.yaml", fs::perms::none);
  t.write("big.txt", std::string(6 * 1024 * 1024, 'a'));
  FolderScan s = scan_folder(t.path.string());
  const FileEntry* sec = s.find("secret.yaml");
  REQUIRE(sec);
  CHECK(sec->type == FileEntry::Type::Regular);
  // As root open() succeeds regardless of mode bits; otherwise it must fail.
  const bool root = ::geteuid() == 0;
  CHECK(sec->readable == root);
  CHECK(read_request_file(s, "secret.yaml", 1 << 20).has_value() == root);

  const FileEntry* big = s.find("big.txt");
  REQUIRE(big);
  CHECK(big->size == 6u * 1024 * 1024);
  std::string why;
  CHECK_FALSE(read_request_file(s, "big.txt", 5 * 1024 * 1024, &why));
  CHECK(why.find("larger than") != std::string::npos);
  CHECK(read_request_file(s, "big.txt", 6 * 1024 * 1024).has_value());
  CHECK_FALSE(read_request_file(s, "missing.txt", 100, &why));
  CHECK_FALSE(why.empty());
}

TEST_CASE("folder: missing folder, a file and an empty folder", "[folder]") {
  TempDir t;
  const std::string missing = (t.path / "no-such-folder").string();
  try {
    scan_folder(missing);
    FAIL("expected UsageError");
  } catch (const UsageError& e) {
    CHECK(std::string(e.what()).find(missing) != std::string::npos);
    CHECK(std::string(e.what()).find("no such folder") != std::string::npos);
  }
  t.write("file.txt", "x");
  const std::string file = (t.path / "file.txt").string();
  try {
    scan_folder(file);
    FAIL("expected UsageError");
  } catch (const UsageError& e) {
    CHECK(std::string(e.what()).find(file) != std::string::npos);
    CHECK(std::string(e.what()).find("not a folder") != std::string::npos);
  }
  CHECK_THROWS_AS(scan_folder(""), UsageError);

  fs::create_directories(t.path / "empty");
  FolderScan s = scan_folder((t.path / "empty").string());
  CHECK(s.entries.empty());
  CHECK_FALSE(s.truncated);
}

TEST_CASE("folder: depth and entry limits truncate the scan", "[folder]") {
  TempDir t;
  fs::path deep = t.path;
  for (int i = 0; i < 12; ++i) deep /= "d";
  fs::create_directories(deep);
  FolderScan s = scan_folder(t.path.string());
  CHECK(s.truncated);
  CHECK(s.find("d/d/d/d/d/d/d/d") != nullptr);
  CHECK(s.find("d/d/d/d/d/d/d/d/d/d/d") == nullptr);

  TempDir many;
  for (int i = 0; i < 10050; ++i) std::ofstream(many.path / ("f" + std::to_string(i)));
  FolderScan m = scan_folder(many.path.string());
  CHECK(m.truncated);
  CHECK(m.entries.size() == 10000);
}
