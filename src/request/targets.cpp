// `validate PATH...`: file paths to request folders (pre-commit passes the changed files).
#include "rwkvq/request/targets.h"

#include <filesystem>
#include <set>

namespace rwkvq {

namespace fs = std::filesystem;

std::string request_folder_of_file(const std::string& file) {
  fs::path p = fs::path(file).lexically_normal();
  std::vector<fs::path> parts(p.begin(), p.end());
  // The last notebook/community/<name>/… in the path wins (a checkout inside a checkout).
  for (std::size_t i = parts.size(); i-- > 0;) {
    if (i + 1 >= parts.size() || parts[i] != "notebook" || parts[i + 1] != "community") continue;
    if (i + 3 >= parts.size()) return {};  // notebook/community/FILE: in no request folder
    fs::path folder;
    for (std::size_t k = 0; k <= i + 2; ++k) folder /= parts[k];
    return folder.generic_string();
  }
  std::string parent = p.parent_path().generic_string();
  return parent.empty() ? std::string(".") : parent;
}

RequestTargets resolve_request_targets(const std::vector<std::string>& paths) {
  RequestTargets out;
  std::set<std::string> seen;
  for (const auto& path : paths) {
    std::error_code ec;
    auto st = fs::status(path, ec);
    std::string folder = path;
    // Only a regular file (or a link to one) stands for its folder: a device or FIFO stays as
    // given, and the caller says it is not a folder.
    if (!ec && st.type() == fs::file_type::regular) {
      folder = request_folder_of_file(path);
      if (folder.empty()) {
        out.skipped.push_back(path + ": in notebook/community/ itself, not inside a request folder");
        continue;
      }
    }
    std::error_code ec2;
    fs::path key = fs::weakly_canonical(fs::absolute(folder, ec2), ec2);
    std::string k = ec2 ? folder : key.generic_string();
    if (seen.insert(k).second) out.folders.push_back(folder);
  }
  return out;
}

}  // namespace rwkvq
