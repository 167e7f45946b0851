// STUB: to be replaced by the real implementation.
#include "rwkvq/request/vpath.h"
#include <stdexcept>
namespace rwkvq {

std::string path_join(std::string_view base, std::string_view rel) { return std::string(base) + "/" + std::string(rel); }
std::string path_normalize(std::string_view p) { return std::string(p); }
std::string path_dirname(std::string_view p) { return std::string(p); }
std::string path_basename(std::string_view p) { return std::string(p); }
std::optional<std::string> repo_relative(std::string_view) { return std::nullopt; }
}  // namespace rwkvq
