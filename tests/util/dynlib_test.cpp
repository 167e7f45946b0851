#include "rwkvq/util/dynlib.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>

#include "rwkvq/core/error.h"

using namespace rwkvq;

TEST_CASE("DynLib: loads a library and binds typed functions", "[util][dynlib]") {
  DynLib lib = DynLib::open("libc", {"libc-does-not-exist.so.9", "libc.so.6"}, "libc6");
  CHECK(lib.file() == "libc.so.6");  // the first that opens
  decltype(&std::strlen) my_strlen = nullptr;
  lib.bind(my_strlen, "strlen");
  REQUIRE(my_strlen != nullptr);
  CHECK(my_strlen("abcd") == 4);
  DynLib moved = std::move(lib);
  CHECK_THROWS_WITH(moved.symbol("no_such_function_in_libc"),
                    Catch::Contains("cannot load libc (libc.so.6 lacks no_such_function_in_libc"));
}

TEST_CASE("DynLib: a missing library is one clear error naming what to install", "[util][dynlib]") {
  try {
    DynLib::open("libgit2", {"libgit2-does-not-exist.so.0"}, "libgit2-1.5");
    FAIL("no error");
  } catch (const UsageError& e) {
    std::string m = e.what();
    CHECK(m.rfind("cannot load libgit2 (libgit2-does-not-exist.so.0", 0) == 0);
    CHECK(m.find("): install libgit2-1.5") != std::string::npos);
  }
  // The environment variable names the file to load instead.
  ::setenv("RWKVQ_TEST_DYNLIB", "/nonexistent/libx.so", 1);
  CHECK_THROWS_WITH(DynLib::open("libx", {"libc.so.6"}, "libx1", "RWKVQ_TEST_DYNLIB"),
                    Catch::Contains("/nonexistent/libx.so"));
  ::unsetenv("RWKVQ_TEST_DYNLIB");
  CHECK_NOTHROW(DynLib::open("libx", {"libc.so.6"}, "libx1", "RWKVQ_TEST_DYNLIB"));
}
