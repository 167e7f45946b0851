// Virtual POSIX paths: pure string operations, the disk is never touched.
#include "rwkvq/request/vpath.h"

#include <vector>

namespace rwkvq {

std::string path_normalize(std::string_view p) {
  if (p.empty()) return "";
  const bool absolute = p.front() == '/';
  std::vector<std::string_view> parts;
  std::size_t i = 0;
  while (i <= p.size()) {
    std::size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    std::string_view part = p.substr(i, j - i);
    i = j + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!absolute) {
        parts.push_back(part);  // relative paths keep leading ".."
      }                         // "/.." is "/"
      continue;
    }
    parts.push_back(part);
  }
  std::string out;
  if (absolute) out.push_back('/');
  for (std::size_t k = 0; k < parts.size(); ++k) {
    if (k) out.push_back('/');
    out.append(parts[k].data(), parts[k].size());
  }
  if (out.empty()) out.push_back('.');
  return out;
}

std::string path_join(std::string_view base, std::string_view rel) {
  if (!rel.empty() && rel.front() == '/') return path_normalize(rel);
  if (base.empty()) return path_normalize(rel);
  if (rel.empty()) return path_normalize(base);
  std::string joined(base);
  joined += '/';
  joined += rel;
  return path_normalize(joined);
}

// Python's os.path.dirname: everything before the last '/', trailing slashes removed unless the
// head is only slashes.
std::string path_dirname(std::string_view p) {
  std::size_t i = p.rfind('/');
  if (i == std::string_view::npos) return "";
  std::string head(p.substr(0, i + 1));
  if (head.find_first_not_of('/') != std::string::npos) {
    while (!head.empty() && head.back() == '/') head.pop_back();
  }
  return head;
}

// Python's os.path.basename: everything after the last '/'.
std::string path_basename(std::string_view p) {
  std::size_t i = p.rfind('/');
  if (i == std::string_view::npos) return std::string(p);
  return std::string(p.substr(i + 1));
}

std::optional<std::string> repo_relative(std::string_view abs_path) {
  if (abs_path.empty() || abs_path.front() != '/') return std::nullopt;
  std::string n = path_normalize(abs_path);
  if (n == kRepoRoot) return std::string();
  std::string prefix(kRepoRoot);
  prefix += '/';
  if (n.compare(0, prefix.size(), prefix) == 0) return n.substr(prefix.size());
  return std::nullopt;
}

}  // namespace rwkvq
