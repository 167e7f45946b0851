#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "rwkvq/request/targets.h"
#include "test_util.h"

using namespace rwkvq;
namespace fs = std::filesystem;

TEST_CASE("a file stands for its request folder", "[request][targets]") {
  CHECK(request_folder_of_file("notebook/community/x/training-notebook.ipynb") == "notebook/community/x");
  CHECK(request_folder_of_file("notebook/community/x/sub/deep/data.bin") == "notebook/community/x");
  CHECK(request_folder_of_file("/r/notebook/community/x/a.yaml") == "/r/notebook/community/x");
  CHECK(request_folder_of_file("./notebook/community/x/../y/a.yaml") == "notebook/community/y");
  CHECK(request_folder_of_file("notebook/community/README.md").empty());
  CHECK(request_folder_of_file("examples/requests/x/a.yaml") == "examples/requests/x");
  CHECK(request_folder_of_file("a.yaml") == ".");
}

TEST_CASE("paths to folders: each once, first-named order, files mapped", "[request][targets]") {
  rwkvq::test::TempDir tmp;
  fs::create_directories(tmp.path / "notebook/community/a");
  fs::create_directories(tmp.path / "notebook/community/b");
  for (auto f : {"notebook/community/a/x.ipynb", "notebook/community/a/c.yaml", "notebook/community/b/x.ipynb",
                 "notebook/community/README.md"})
    std::ofstream(tmp.path / f) << "x";
  auto p = [&](const char* rel) { return (tmp.path / rel).string(); };
  auto t = resolve_request_targets({p("notebook/community/b/x.ipynb"), p("notebook/community/a/x.ipynb"),
                                    p("notebook/community/a/c.yaml"), p("notebook/community/b"),
                                    p("notebook/community/README.md"), p("notebook/community/a/./"),
                                    p("missing")});
  REQUIRE(t.folders.size() == 3);
  CHECK(t.folders[0] == p("notebook/community/b"));
  CHECK(t.folders[1] == p("notebook/community/a"));
  CHECK(t.folders[2] == p("missing"));  // left for the caller to report
  REQUIRE(t.skipped.size() == 1);
  CHECK(t.skipped[0].find("README.md") != std::string::npos);
  // A device is not a file of a request: kept as given (validate says "not a folder").
  auto dev = resolve_request_targets({"/dev/null"});
  REQUIRE(dev.folders.size() == 1);
  CHECK(dev.folders[0] == "/dev/null");
}
