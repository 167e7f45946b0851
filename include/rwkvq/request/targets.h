#pragma once
// What `rwkvq validate PATH...` validates: a folder as it is named; a file (what a pre-commit
// hook passes) stands for its request folder. Each folder once, in the order first named.
#include <string>
#include <vector>

namespace rwkvq {

struct RequestTargets {
  std::vector<std::string> folders;  // as the user would type them, first-named order, no duplicates
  std::vector<std::string> skipped;  // "PATH: why" for files that belong to no request folder
};

// The request folder of a file: below notebook/community/<name>/ (at any depth), that
// notebook/community/<name>; otherwise the folder the file is in ("." for a bare name). Empty
// when the file sits in notebook/community/ itself (no request folder). Purely lexical.
std::string request_folder_of_file(const std::string& file);

// Regular files (and links to them) become request_folder_of_file(); anything else (folders,
// paths that do not exist, devices, FIFOs: the caller reports those) is kept as given. Two paths naming the same folder
// (after resolving "." / ".." / symlinks) count once.
RequestTargets resolve_request_targets(const std::vector<std::string>& paths);

}  // namespace rwkvq
