#pragma once
// Project data files (data/*.yaml) compiled into the binary by cmake/embed_data.cmake,
// so that rwkvq never depends on files beside the executable.
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace rwkvq {
// file name ("trainer-keys.yaml") -> contents
const std::map<std::string, std::string_view>& embedded_data();
// The lists of list-only data files, split at build time (no YAML parsed at run time):
// "trainer-keys.yaml:trainer" -> {"accelerator", ...}; "trainer-keys.yaml:seen_but_unknown.data".
const std::map<std::string, std::vector<std::string_view>>& embedded_lists();
}  // namespace rwkvq
