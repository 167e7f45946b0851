#include <catch2/catch.hpp>

#include "rwkvq/request/vpath.h"

using namespace rwkvq;

TEST_CASE("path_normalize resolves . and .. like POSIX", "[vpath]") {
  CHECK(path_normalize("/repo/notebook/community/x/../../../") == "/repo");
  CHECK(path_normalize("/repo//a/./b/") == "/repo/a/b");
  CHECK(path_normalize("/..") == "/");
  CHECK(path_normalize("a/../../b") == "../b");
  CHECK(path_normalize("./") == ".");
  CHECK(path_normalize("") == "");
}

TEST_CASE("path_join keeps absolute right-hand sides", "[vpath]") {
  CHECK(path_join("/repo/RWKV-v5", "../model/x.pth") == "/repo/model/x.pth");
  CHECK(path_join("a/b", "/c") == "/c");
  CHECK(path_join("", "x") == "x");
  CHECK(path_join("/repo", "") == "/repo");
}

TEST_CASE("dirname and basename follow Python os.path", "[vpath]") {
  CHECK(path_dirname("/repo/x/__file__") == "/repo/x");
  CHECK(path_dirname("/repo/x/") == "/repo/x");
  CHECK(path_dirname("/x") == "/");
  CHECK(path_dirname("x") == "");
  CHECK(path_basename("/repo/model/a.pth") == "a.pth");
  CHECK(path_basename("/repo/model/") == "");
  CHECK(path_basename("a") == "a");
}

TEST_CASE("repo_relative", "[vpath]") {
  CHECK(repo_relative("/repo/model/x.pth") == std::optional<std::string>("model/x.pth"));
  CHECK(repo_relative("/repo") == std::optional<std::string>(""));
  CHECK_FALSE(repo_relative("/repository/x").has_value());
  CHECK_FALSE(repo_relative("/model/x.pth").has_value());
  CHECK_FALSE(repo_relative("model/x.pth").has_value());
}
