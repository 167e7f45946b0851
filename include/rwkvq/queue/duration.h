#pragma once
// Durations as maintainers type them: "4h", "90m", "1h30m", "2.5h", "1d", "45s".
#include <optional>
#include <string>
#include <string_view>

#include "rwkvq/queue/document.h"

namespace rwkvq::queue {

// Hours; nullopt when malformed (a bare number without unit is malformed: "4" could be 4 h or
// 4 min), negative, or absurd (> 10 years).
std::optional<double> parse_duration_hours(std::string_view text);
// "3h05m", "45m", "12h", "2d04h"; "?" for nullopt.
std::string format_hours(std::optional<double> hours);

// `--at TIME`: an ISO-8601 time (parse_time), "now", or a duration ago ("3h ago", "1h30m ago").
// nullopt when malformed.
std::optional<Time> parse_at(std::string_view text, Time now);

}  // namespace rwkvq::queue
