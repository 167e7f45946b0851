#include <catch2/catch.hpp>

#include "rwkvq/queue/document.h"
#include "rwkvq/queue/duration.h"

using namespace rwkvq::queue;

TEST_CASE("durations parse the forms maintainers type", "[queue][duration]") {
  CHECK(parse_duration_hours("4h") == Approx(4));
  CHECK(parse_duration_hours("90m") == Approx(1.5));
  CHECK(parse_duration_hours("1h30m") == Approx(1.5));
  CHECK(parse_duration_hours("2.5h") == Approx(2.5));
  CHECK(parse_duration_hours("1d2h") == Approx(26));
  CHECK(parse_duration_hours("45s") == Approx(45.0 / 3600));
  CHECK(parse_duration_hours("0m") == Approx(0));
}

TEST_CASE("malformed durations are refused", "[queue][duration]") {
  for (const char* bad : {"", "4", "h", "4x", "-1h", "30m1h", "1h1h", "1..5h", "4 h", "4h ", ".h",
                          "99999999h"}) {
    INFO(bad);
    CHECK_FALSE(parse_duration_hours(bad));
  }
}

TEST_CASE("hours are formatted compactly", "[queue][duration]") {
  CHECK(format_hours(3.0) == "3h");
  CHECK(format_hours(3.0 + 5.0 / 60) == "3h05m");
  CHECK(format_hours(0.75) == "45m");
  CHECK(format_hours(50.0) == "2d02h");
  CHECK(format_hours(std::nullopt) == "?");
}

TEST_CASE("times round-trip as ISO-8601 UTC", "[queue][duration]") {
  CHECK(format_time(1714564800) == "2024-05-01T12:00:00Z");
  CHECK(parse_time("2024-05-01T12:00:00Z") == 1714564800);
  CHECK(parse_time("2024-05-01T12:00Z") == 1714564800);
  CHECK(parse_time("2024-05-01 12:00") == 1714564800);
  CHECK(parse_time("2024-05-01T14:00:00+02:00") == 1714564800);
  CHECK(parse_time("2024-05-01") == 1714564800 - 12 * 3600);
  for (const char* bad : {"", "2024-05-01T", "2024-02-30", "2024-13-01", "yesterday", "2024-05-01T25:00Z",
                          "2024-05-01T12:00:00Zjunk"}) {
    INFO(bad);
    CHECK_FALSE(parse_time(bad));
  }
}
