#include <catch2/catch.hpp>

#include "rwkvq/util/strings.h"

using namespace rwkvq;

TEST_CASE("edit_distance counts edits and transpositions", "[util]") {
  CHECK(edit_distance("", "") == 0);
  CHECK(edit_distance("abc", "abc") == 0);
  CHECK(edit_distance("abc", "abd") == 1);
  CHECK(edit_distance("abc", "acb") == 1);
  CHECK(edit_distance("training_notebook", "training-notebook") == 1);
  CHECK(edit_distance("kitten", "sitting") == 3);
}

TEST_CASE("closest picks the nearest candidate within the limit", "[util]") {
  std::vector<std::string> keys{"max_epochs", "max_steps", "min_epochs"};
  CHECK(closest("max_epoch", keys, 2) == "max_epochs");
  CHECK(closest("completely_different", keys, 2).empty());
}

TEST_CASE("split, trim, join", "[util]") {
  CHECK(split("a,b,,c", ',') == std::vector<std::string>{"a", "b", "", "c"});
  CHECK(trim("  x \r\n") == "x");
  CHECK(join({"a", "b"}, ", ") == "a, b");
  CHECK(human_count(1.52e9) == "1.52B");
}
