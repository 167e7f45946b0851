#pragma once
// Small string helpers shared by every part.
#include <string>
#include <string_view>
#include <vector>

namespace rwkvq {

std::string to_lower(std::string_view s);
std::string_view trim(std::string_view s);
bool starts_with(std::string_view s, std::string_view prefix);
bool ends_with(std::string_view s, std::string_view suffix);
std::vector<std::string> split(std::string_view s, char sep);
std::string join(const std::vector<std::string>& parts, std::string_view sep);

// Levenshtein distance (insert, delete, substitute = 1; adjacent transposition = 1).
std::size_t edit_distance(std::string_view a, std::string_view b);
// The candidate closest to `word` if its distance is at most max_distance ("" otherwise).
// Ties go to the first candidate.
std::string closest(std::string_view word, const std::vector<std::string>& candidates,
                    std::size_t max_distance);

// "1.52B", "430M", "12.3K": for human-readable counts.
std::string human_count(double n);

}  // namespace rwkvq
