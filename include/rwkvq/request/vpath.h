#pragma once
// Virtual paths. rwkvq reasons about where the notebook reads and writes without touching the
// disk: the repository root of the runner's checkout is the virtual absolute path kRepoRoot, the
// notebook runs in kRepoRoot + "/" + the folder's path inside the repository (by default
// "notebook/community/<folder>"), so PROJECT_DIR ("../../../" from there) is kRepoRoot.
#include <optional>
#include <string>
#include <string_view>

namespace rwkvq {

inline constexpr std::string_view kRepoRoot = "/repo";

// POSIX-style normalisation: joins, resolves "." and "..", collapses "//"; keeps relative paths
// relative. join("a/b", "/c") == "/c".
std::string path_join(std::string_view base, std::string_view rel);
std::string path_normalize(std::string_view p);
std::string path_dirname(std::string_view p);
std::string path_basename(std::string_view p);
// "model/x.pth" for "/repo/model/x.pth"; nullopt when outside the repository.
std::optional<std::string> repo_relative(std::string_view abs_path);

}  // namespace rwkvq
