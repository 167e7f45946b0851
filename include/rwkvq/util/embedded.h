#pragma once
// Project data files (data/*.yaml) compiled into the binary by cmake/embed_data.cmake,
// so that rwkvq never depends on files beside the executable.
#include <map>
#include <string>
#include <string_view>

namespace rwkvq {
// file name ("trainer-keys.yaml") -> contents
const std::map<std::string, std::string_view>& embedded_data();
}  // namespace rwkvq
