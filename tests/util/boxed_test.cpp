// util/boxed.h: an optional on the heap, with std::optional's meaning for what the queue uses.
#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include "rwkvq/util/boxed.h"

using rwkvq::Boxed;

TEST_CASE("boxed: empty, set, copied deeply, moved, reset, like std::optional", "[util][boxed]") {
  static_assert(sizeof(Boxed<std::string>) == sizeof(void*));
  Boxed<std::string> a;
  CHECK_FALSE(a);
  CHECK_FALSE(a.has_value());
  a = std::string("dispatch");
  REQUIRE(a);
  CHECK(*a == "dispatch");
  CHECK(a->size() == 8);

  Boxed<std::string> b = a;  // a copy owns its own value
  b->append("ed");
  CHECK(*a == "dispatch");
  CHECK(*b == "dispatched");
  b = a;
  CHECK(*b == "dispatch");
  b = b;  // self-assignment keeps the value
  CHECK(*b == "dispatch");

  Boxed<std::string> c = std::move(b);
  CHECK(*c == "dispatch");
  CHECK_FALSE(b);  // NOLINT: moved-from is empty, as the queue's moves rely on nothing else

  c = std::nullopt;
  CHECK_FALSE(c);
  c.emplace(3, 'x');
  CHECK(*c == "xxx");
  c.reset();
  CHECK_FALSE(c);

  std::optional<std::string> none, some = "run";
  c = some;
  CHECK(*c == "run");
  c = none;
  CHECK_FALSE(c);
  c = std::optional<std::string>("again");
  CHECK(*c == "again");
  const Boxed<std::string> d(none);
  CHECK_FALSE(d);
  Boxed<std::string> e;
  Boxed<std::string> f = e;  // copying an empty one
  CHECK_FALSE(f);
}
