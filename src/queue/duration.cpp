#include "rwkvq/queue/duration.h"
#include "rwkvq/util/fmath.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace rwkvq::queue {

std::optional<double> parse_duration_hours(std::string_view s) {
  double total = 0;
  bool any = false;
  std::size_t i = 0;
  // Units must come in decreasing order, each at most once: "1d2h30m15s".
  int last_rank = 100;
  while (i < s.size()) {
    const std::size_t start = i;
    bool dot = false;
    while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || (s[i] == '.' && !dot))) {
      if (s[i] == '.') dot = true;
      ++i;
    }
    if (i == start || i >= s.size()) return std::nullopt;  // no number, or no unit
    const std::string num(s.substr(start, i - start));
    if (num == ".") return std::nullopt;
    const double v = std::strtod(num.c_str(), nullptr);
    int rank;
    double hours_per_unit;
    switch (s[i]) {
      case 'd': rank = 3; hours_per_unit = 24; break;
      case 'h': rank = 2; hours_per_unit = 1; break;
      case 'm': rank = 1; hours_per_unit = 1.0 / 60; break;
      case 's': rank = 0; hours_per_unit = 1.0 / 3600; break;
      default: return std::nullopt;
    }
    if (rank >= last_rank) return std::nullopt;
    last_rank = rank;
    ++i;
    total += v * hours_per_unit;
    any = true;
  }
  if (!any || !std::isfinite(total) || total > 24.0 * 366 * 10) return std::nullopt;
  return total;
}

std::string format_hours(std::optional<double> hours) {
  if (!hours) return "?";
  long minutes = fm::llround(*hours * 60);
  if (minutes < 0) minutes = 0;
  const long d = minutes / (24 * 60), h = (minutes / 60) % 24, m = minutes % 60;
  char buf[48];
  if (d > 0) std::snprintf(buf, sizeof buf, "%ldd%02ldh", d, h);
  else if (h > 0 && m > 0) std::snprintf(buf, sizeof buf, "%ldh%02ldm", h, m);
  else if (h > 0) std::snprintf(buf, sizeof buf, "%ldh", h);
  else std::snprintf(buf, sizeof buf, "%ldm", m);
  return buf;
}

std::optional<Time> parse_at(std::string_view text, Time now) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text == "now") return now;
  constexpr std::string_view ago = " ago";
  if (text.size() > ago.size() && text.substr(text.size() - ago.size()) == ago) {
    std::string_view d = text.substr(0, text.size() - ago.size());
    while (!d.empty() && d.back() == ' ') d.remove_suffix(1);
    auto h = parse_duration_hours(d);
    if (!h) return std::nullopt;
    return now - static_cast<Time>(fm::llround(*h * 3600.0));
  }
  return parse_time(text);
}

}  // namespace rwkvq::queue
